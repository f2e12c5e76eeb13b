package dev.fairway.app.cli;

import dev.fairway.api.spi.PluginConfig.DurationText;
import dev.fairway.app.config.ConfigKey;
import dev.fairway.app.config.ConfigKeys;
import dev.fairway.app.config.FairwayConfig;
import dev.fairway.app.wiring.HttpProxies;
import dev.fairway.app.wiring.Wiring;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code fairway config}: every application key with its effective value and where it came from. */
@Command(name = "config",
        description = "Show every configuration key with its effective value and its source.")
final class ConfigCommand implements Callable<Integer> {

    @ParentCommand
    private FairwayCommand parent;

    @Option(names = "--markdown", description = "Print the table of keys (the rows of docs/configuration.md) instead.")
    private boolean markdown;

    @Override
    public Integer call() {
        PrintWriter out = parent.launch().out();
        if (markdown) {
            out.print(ConfigKeys.markdownTable());
            return ExitCodes.OK;
        }
        try (Wiring wiring = parent.startConfiguration(Map.of())) {
            FairwayConfig config = wiring.bean(FairwayConfig.class);
            out.printf("%-36s %-12s %s%n", "KEY", "VALUE", "SOURCE");
            for (ConfigKey<?> key : ConfigKeys.ALL) {
                Object value = config.get(key);
                // A URL's user info (a proxy's or Redis' password) is never printed.
                String text = HttpProxies.withoutUserInfo(
                        value instanceof Duration d ? DurationText.format(d) : String.valueOf(value));
                String source = config.source(key.name()).orElse("default");
                if (source.equals("environment")) {
                    source += " (" + key.envVar() + ")";
                }
                if (key == ConfigKeys.PROVIDER && config.providerChoice().isPresent()) {
                    source += " (" + config.providerChoice().get() + ")";
                }
                if (key == ConfigKeys.PLUGINS_DIR && value.equals(ConfigKeys.AUTO_PLUGINS_DIR)) {
                    source += " (auto: " + config.pluginsDirectory().map(Object::toString).orElse("none") + ")";
                }
                out.printf("%-36s %-12s %s%n", key.name(), text, source);
            }
        }
        return ExitCodes.OK;
    }
}
