package dev.fairway.app.cli;

import dev.fairway.app.wiring.PluginSource;
import dev.fairway.app.wiring.Plugins;

import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.TreeMap;

/**
 * What a run of the command line gets from its surroundings: environment, system properties, where its
 * plugins come from, where to print, the shutdown signal, and extra singletons for the bean
 * context. The process passes its own ({@link #system()}); tests pass their own.
 *
 * @param environment the environment variables
 * @param systemProperties the system properties
 * @param plugins finds the plugins once the configuration is known (a plugins directory may be configured)
 * @param out standard output
 * @param err standard error
 * @param shutdown when {@code serve} should stop
 * @param singletons ready-made singletons to add to the bean context (empty in the process)
 */
public record Launch(
        Map<String, String> environment,
        Map<String, String> systemProperties,
        PluginSource plugins,
        PrintWriter out,
        PrintWriter err,
        ShutdownSignal shutdown,
        List<Object> singletons) {

    /** Validates and copies every field. */
    public Launch {
        environment = Map.copyOf(environment);
        systemProperties = Map.copyOf(systemProperties);
        Objects.requireNonNull(plugins, "plugins");
        Objects.requireNonNull(out, "out");
        Objects.requireNonNull(err, "err");
        Objects.requireNonNull(shutdown, "shutdown");
        singletons = List.copyOf(singletons);
    }

    /**
     * Given plugins, whatever the configuration says (tests and embedding).
     *
     * @param environment the environment variables
     * @param systemProperties the system properties
     * @param plugins the plugins
     * @param out standard output
     * @param err standard error
     * @param shutdown when {@code serve} should stop
     * @param singletons ready-made singletons to add to the bean context
     */
    public Launch(Map<String, String> environment, Map<String, String> systemProperties, Plugins plugins,
            PrintWriter out, PrintWriter err, ShutdownSignal shutdown, List<Object> singletons) {
        this(environment, systemProperties, PluginSource.of(plugins), out, err, shutdown, singletons);
    }

    /**
     * This process's surroundings: its environment, system properties, standard streams (UTF-8, the
     * JDK's default charset, even when the locale says ASCII: translations are rarely ASCII), the plugins {@link java.util.ServiceLoader} finds on the module path and in the configured plugins directory, and the JVM's shutdown.
     *
     * @return the launch
     */
    public static Launch system() {
        Charset charset = Charset.defaultCharset();
        Properties properties = System.getProperties();
        Map<String, String> system = new TreeMap<>();
        for (String name : properties.stringPropertyNames()) {
            system.put(name, properties.getProperty(name));
        }
        return new Launch(System.getenv(), system, PluginSource.discovering(),
                new PrintWriter(new OutputStreamWriter(System.out, charset), true),
                new PrintWriter(new OutputStreamWriter(System.err, charset), true),
                ShutdownSignal.jvm(), List.of());
    }
}
