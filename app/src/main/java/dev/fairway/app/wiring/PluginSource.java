package dev.fairway.app.wiring;

import dev.fairway.app.config.FairwayConfig;

import java.util.Objects;

/**
 * Finds a run's plugins once its configuration is known, since {@code fairway.plugins.dir} may come from any
 * configuration source ({@code -D}, the environment, the file).
 */
@FunctionalInterface
public interface PluginSource {

    /**
     * The plugins of a run.
     *
     * @param config the run's configuration
     * @return the plugins
     * @throws dev.fairway.app.config.StartupException when a plugin cannot be loaded
     */
    Plugins plugins(FairwayConfig config);

    /**
     * The process's: the plugins on the module path, and those of {@link FairwayConfig#pluginsDirectory()}.
     *
     * @return the source
     */
    static PluginSource discovering() {
        return config -> config.pluginsDirectory().map(Plugins::discover).orElseGet(Plugins::discover);
    }

    /**
     * Given plugins, whatever the configuration says (tests and embedding).
     *
     * @param plugins the plugins
     * @return the source
     */
    static PluginSource of(Plugins plugins) {
        Objects.requireNonNull(plugins, "plugins");
        return config -> plugins;
    }
}
