package dev.fairway.app.cli;

import dev.fairway.app.config.ConfigKeys;
import dev.fairway.app.config.ConfigSources;
import dev.fairway.app.config.FairwayConfig;
import dev.fairway.app.wiring.LogExport;
import dev.fairway.app.wiring.Plugins;
import dev.fairway.app.wiring.Wiring;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code fairway}: the top command, holding the global options. */
@Command(name = "fairway",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        scope = ScopeType.INHERIT,
        subcommands = {ProvidersCommand.class, TranslateCommand.class, ServeCommand.class, LoadCommand.class,
            ConfigCommand.class},
        description = "Fair, rate-limit-aware scheduling of real-time LLM translation.",
        footer = {"",
            "Configuration, highest precedence first: -D, Java system properties,",
            "environment (FAIRWAY_QUEUE_MAX_CONCURRENT sets fairway.queue.max-concurrent),",
            "--config FILE (else the file FAIRWAY_CONFIG names), defaults.",
            "`fairway config` shows every key and its source.",
            "Exit codes: 0 done, 1 failed while running, 2 bad usage or configuration."})
final class FairwayCommand implements Callable<Integer> {

    private final Launch launch;

    @Spec
    private CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", scope = ScopeType.INHERIT,
            description = "Read configuration keys from this .properties file.")
    private Path configFile;

    @Option(names = "-D", paramLabel = "KEY=VALUE", scope = ScopeType.INHERIT,
            description = "Set a configuration key, over every other source (repeatable): -Dfairway.provider=fake")
    private Map<String, String> overrides = new LinkedHashMap<>();

    /** This run's plugins, found on first use. */
    private Plugins plugins;

    FairwayCommand(Launch launch) {
        this.launch = launch;
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(launch.err());
        return ExitCodes.CONFIGURATION;
    }

    Launch launch() {
        return launch;
    }

    /**
     * The configuration sources of this run.
     *
     * @param extra overrides a subcommand adds from its own options (such as {@code --provider})
     * @return the sources
     */
    ConfigSources sources(Map<String, String> extra) {
        ConfigSources.Builder sources = ConfigSources.builder()
                .environment(launch.environment())
                .systemProperties(launch.systemProperties())
                .file(configFile)
                .overrides(overrides)
                .overrides(extra);
        String named = launch.environment().getOrDefault(CONFIG_VARIABLE, "");
        if (configFile == null && !named.isBlank()) {
            sources.file(Path.of(named), CONFIG_VARIABLE);
        }
        return sources.build();
    }

    /** The environment variable naming the properties file when {@code --config} does not. */
    static final String CONFIG_VARIABLE = "FAIRWAY_CONFIG";

    /**
     * This run's plugins: those on the module path and, when {@code fairway.plugins.dir} names one, those of
     * the plugins directory; found once per run.
     *
     * @param extra overrides a subcommand adds from its own options
     * @return the plugins
     */
    Plugins plugins(Map<String, String> extra) {
        if (plugins == null) {
            plugins = launch.plugins().plugins(FairwayConfig.load(sources(extra)));
        }
        return plugins;
    }

    /**
     * Starts the bean context over this run's configuration, applies its log level and format, and bridges
     * the log records into OpenTelemetry when the SDK exports logs ({@link LogExport}).
     *
     * @param extra overrides a subcommand adds from its own options
     * @return the wiring; close it
     */
    Wiring startWiring(Map<String, String> extra) {
        Wiring wiring = startConfiguration(extra);
        try {
            wiring.bean(LogExport.class);
        } catch (RuntimeException e) {
            wiring.close();
            throw e;
        }
        return wiring;
    }

    /**
     * Starts the bean context over this run's configuration and applies its log level and format, without
     * building anything else: for {@code config}, which must show the configuration even when an
     * {@code OTEL_*} setting is refused.
     *
     * @param extra overrides a subcommand adds from its own options
     * @return the wiring; close it
     */
    Wiring startConfiguration(Map<String, String> extra) {
        Wiring wiring = Wiring.start(sources(extra), plugins(extra), launch.singletons());
        FairwayConfig config = wiring.bean(FairwayConfig.class);
        Logging.apply(config.get(ConfigKeys.LOG_LEVEL), config.get(ConfigKeys.LOG_FORMAT));
        return wiring;
    }
}
