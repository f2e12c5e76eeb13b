package dev.fairway.app.config;

import dev.fairway.api.InvalidConfigurationException;
import dev.fairway.api.spi.PluginConfig;
import org.apache.commons.configuration2.CompositeConfiguration;
import org.apache.commons.configuration2.Configuration;
import org.apache.commons.configuration2.MapConfiguration;
import org.apache.commons.configuration2.PropertiesConfiguration;
import org.apache.commons.configuration2.builder.fluent.Configurations;
import org.apache.commons.configuration2.ex.ConfigurationException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The loaded configuration: every application key of {@link ConfigKeys} validated, and views of the
 * plugins' own keys. Built once at start-up by {@link #load(ConfigSources)}, immutable afterwards.
 *
 * <p>Precedence, highest first: command-line overrides ({@code -D}), system properties, environment
 * variables, the properties file, defaults. Unknown {@code fairway.*} keys in the file, the system
 * properties or the overrides are refused (typo protection), except under the plugin prefixes
 * {@code fairway.provider.<name>.} and {@code fairway.transport.<name>.}. The file may also hold
 * {@code otel.*} keys, which configure OpenTelemetry below its own environment variables.
 */
public final class FairwayConfig {

    private static final String FAIRWAY = "fairway.";
    private static final String OTEL = "otel.";

    private final List<Layer> layers;
    private final CompositeConfiguration composite;
    private final Map<ConfigKey<?>, Object> values;
    private final Map<String, String> otelProperties;
    private final Map<String, String> environment;
    /** Why {@code fairway.provider = auto} chose what it chose; null when a provider was named. */
    private final String providerChoice;

    /** The environment variable of the installation's directory, which the archive's {@code bin/fairway} sets. */
    public static final String FAIRWAY_HOME = "FAIRWAY_HOME";

    /** The value of {@link ConfigKeys#PROVIDER} that picks a provider by the API keys that are set. */
    public static final String AUTO_PROVIDER = "auto";

    private record Layer(String name, Configuration configuration) {
    }

    private FairwayConfig(List<Layer> layers, Map<String, String> otelProperties, Map<String, String> environment) {
        this.layers = List.copyOf(layers);
        this.composite = new CompositeConfiguration();
        for (Layer layer : layers) {
            composite.addConfiguration(layer.configuration());
        }
        this.otelProperties = Collections.unmodifiableMap(new TreeMap<>(otelProperties));
        this.environment = Map.copyOf(environment);
        PluginConfig root = new ConfigurationView("", composite);
        Map<ConfigKey<?>, Object> read = new LinkedHashMap<>();
        for (ConfigKey<?> key : ConfigKeys.ALL) {
            read.put(key, key.read(root));
        }
        if (AUTO_PROVIDER.equals(read.get(ConfigKeys.PROVIDER))) {
            String[] choice = autoProvider(environment);
            read.put(ConfigKeys.PROVIDER, choice[0]);
            this.providerChoice = choice[1];
        } else {
            this.providerChoice = null;
        }
        this.values = Collections.unmodifiableMap(read);
        int min = (Integer) read.get(ConfigKeys.CONCURRENCY_MIN);
        int max = (Integer) read.get(ConfigKeys.CONCURRENCY_MAX);
        if (min > max) {
            throw new InvalidConfigurationException(ConfigKeys.CONCURRENCY_MIN.name(), Integer.toString(min),
                    "at most " + ConfigKeys.CONCURRENCY_MAX.name() + " (" + max + ")");
        }
    }

    /**
     * Loads and validates the configuration.
     *
     * @param sources where the values come from
     * @return the configuration
     * @throws InvalidConfigurationException when a value is bad or a key unknown
     * @throws StartupException when the file is missing or unreadable
     */
    public static FairwayConfig load(ConfigSources sources) {
        List<Layer> layers = new ArrayList<>();
        Map<String, String> overrides = sources.overrides();
        checkKeys(overrides.keySet(), overrides::get, "on the command line");
        layers.add(new Layer("command line", new MapConfiguration(new HashMap<>(overrides))));

        Map<String, String> system = new HashMap<>();
        sources.systemProperties().forEach((key, value) -> {
            if (key.startsWith(FAIRWAY)) {
                system.put(key, value);
            }
        });
        checkKeys(system.keySet(), system::get, "in the system properties");
        layers.add(new Layer("system property", new MapConfiguration(system)));

        layers.add(new Layer("environment", new EnvironmentLayer(sources.environment())));

        Map<String, String> otel = new HashMap<>();
        Optional<Path> path = sources.file();
        if (path.isPresent()) {
            PropertiesConfiguration file = readFile(path.get(), sources.fileGivenBy());
            List<String> fairwayKeys = new ArrayList<>();
            for (Iterator<String> it = file.getKeys(); it.hasNext(); ) {
                String key = it.next();
                if (key.startsWith(OTEL)) {
                    otel.put(key, file.getString(key));
                } else if (key.startsWith(FAIRWAY)) {
                    fairwayKeys.add(key);
                } else {
                    throw new InvalidConfigurationException(key, file.getString(key),
                            "keys starting with 'fairway.' or 'otel.' in " + path.get());
                }
            }
            checkKeys(fairwayKeys, key -> file.getString(key), "in " + path.get());
            layers.add(new Layer("file", file));
        }

        Map<String, Object> defaults = new HashMap<>();
        for (ConfigKey<?> key : ConfigKeys.ALL) {
            defaults.put(key.name(), key.defaultText());
        }
        layers.add(new Layer("default", new MapConfiguration(defaults)));
        return new FairwayConfig(layers, otel, sources.environment());
    }

    /**
     * An environment variable of the process (or of the sources a test gave), for the settings the
     * application reads from the environment by convention rather than through a key, such as
     * {@code HTTPS_PROXY}.
     *
     * @param name the variable
     * @return its value, or null when unset
     */
    public String environmentVariable(String name) {
        return environment.get(name);
    }

    private static PropertiesConfiguration readFile(Path path, String givenBy) {
        String named = givenBy.startsWith("--") ? givenBy + " " + path : givenBy + "=" + path;
        if (!Files.isRegularFile(path)) {
            throw new StartupException(named + ": no such file");
        }
        if (!Files.isReadable(path)) {
            throw new StartupException(named + ": not readable");
        }
        try {
            return new Configurations().properties(path.toFile());
        } catch (ConfigurationException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new StartupException(named + ": cannot read it as a properties file: "
                    + cause.getMessage(), e);
        }
    }

    private static void checkKeys(Iterable<String> keys, java.util.function.Function<String, String> value,
            String where) {
        for (String key : keys) {
            if (!key.startsWith(FAIRWAY) || ConfigKeys.isPluginKey(key) || ConfigKeys.find(key).isPresent()) {
                continue;
            }
            String allowed = "a known key (it is unknown " + where + ")";
            Optional<String> suggestion = nearestKey(key);
            if (suggestion.isPresent()) {
                allowed = "a known key such as " + suggestion.get() + " (it is unknown " + where + ")";
            }
            throw new InvalidConfigurationException(key, value.apply(key), allowed
                    + "; `fairway config --markdown` lists every key");
        }
    }

    private static Optional<String> nearestKey(String key) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (ConfigKey<?> candidate : ConfigKeys.ALL) {
            int distance = distance(key, candidate.name());
            if (distance < bestDistance) {
                bestDistance = distance;
                best = candidate.name();
            }
        }
        return bestDistance <= Math.max(2, key.length() / 5) ? Optional.ofNullable(best) : Optional.empty();
    }

    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    /**
     * The validated value of an application key.
     *
     * @param key a key of {@link ConfigKeys}
     * @param <T> its type
     * @return the value
     */
    @SuppressWarnings("unchecked")
    public <T> T get(ConfigKey<T> key) {
        Object value = values.get(key);
        if (value == null) {
            throw new IllegalArgumentException("not a key of ConfigKeys: " + key.name());
        }
        return (T) value;
    }

    /**
     * The plugins directory that {@code fairway.plugins.dir} names: {@code auto} is
     * {@code $FAIRWAY_HOME/plugins} when the environment's {@code FAIRWAY_HOME} is set and that directory
     * exists, and none otherwise; {@code none} is none.
     *
     * @return the directory, when there is one
     * @throws InvalidConfigurationException when the key names a directory that does not exist
     */
    public Optional<Path> pluginsDirectory() {
        String value = get(ConfigKeys.PLUGINS_DIR);
        if (value.equals(ConfigKeys.NO_PLUGINS_DIR)) {
            return Optional.empty();
        }
        if (value.equals(ConfigKeys.AUTO_PLUGINS_DIR)) {
            String home = environment.getOrDefault(FAIRWAY_HOME, "");
            if (home.isBlank()) {
                return Optional.empty();
            }
            Path directory = Path.of(home).resolve("plugins");
            return Files.isDirectory(directory) ? Optional.of(directory) : Optional.empty();
        }
        Path directory = Path.of(value);
        if (!Files.isDirectory(directory)) {
            throw new InvalidConfigurationException(ConfigKeys.PLUGINS_DIR.name(), value,
                    "auto, none, or an existing directory (there is no directory " + directory.toAbsolutePath() + ")");
        }
        return Optional.of(directory);
    }

    /**
     * What {@code fairway.provider = auto} (the default) chose and why, for example
     * {@code auto: OPENAI_API_KEY is set}; empty when a provider was named.
     *
     * @return the reason
     */
    public Optional<String> providerChoice() {
        return Optional.ofNullable(providerChoice);
    }

    /**
     * {@code openai} when an OpenAI API key is set (the environment's {@code OPENAI_API_KEY}, or the
     * provider's {@code api-key}), else {@code anthropic} for an Anthropic key, else {@code fake}.
     */
    private String[] autoProvider(Map<String, String> environment) {
        String[][] candidates = {{"openai", "OPENAI_API_KEY"}, {"anthropic", "ANTHROPIC_API_KEY"}};
        for (String[] c : candidates) {
            if (!environment.getOrDefault(c[1], "").isBlank()) {
                return new String[] {c[0], "auto: " + c[1] + " is set"};
            }
            String key = ConfigKeys.PROVIDER_PREFIX + c[0] + ".api-key";
            if (!provider(c[0]).string("api-key", "").isBlank()) {
                return new String[] {c[0], "auto: " + key + " is set"};
            }
        }
        return new String[] {"fake", "auto: no OPENAI_API_KEY or ANTHROPIC_API_KEY"};
    }

    /**
     * The keys of a provider plugin: {@code fairway.provider.<name>.*}. Environment variables are looked
     * up on demand ({@code api-key} of {@code openai} is {@code FAIRWAY_PROVIDER_OPENAI_API_KEY}); the
     * view's {@link PluginConfig#keys()} lists only keys set in the file, system properties or overrides,
     * since an environment name does not tell dots from dashes.
     *
     * @param name the provider's name
     * @return the view
     */
    public PluginConfig provider(String name) {
        return new ConfigurationView(ConfigKeys.PROVIDER_PREFIX + name, composite);
    }

    /**
     * The keys of a transport plugin: {@code fairway.transport.<name>.*}, looked up like
     * {@link #provider(String)}'s.
     *
     * @param name the transport's name
     * @return the view
     */
    public PluginConfig transport(String name) {
        return new ConfigurationView(ConfigKeys.TRANSPORT_PREFIX + name, composite);
    }

    /**
     * The keys of a session store plugin: {@code fairway.session.<name>.*}, looked up like
     * {@link #provider(String)}'s.
     *
     * @param name the store's name
     * @return the view
     */
    public PluginConfig sessionStore(String name) {
        return new ConfigurationView(ConfigKeys.SESSION_STORE_PREFIX + name, composite);
    }

    /**
     * Where the value of a key comes from.
     *
     * @param key a full key
     * @return {@code command line}, {@code system property}, {@code environment}, {@code file},
     *     {@code default}, or empty when no source sets it
     */
    public Optional<String> source(String key) {
        for (Layer layer : layers) {
            if (layer.configuration().containsKey(key)) {
                return Optional.of(layer.name());
            }
        }
        return Optional.empty();
    }

    /**
     * The {@code otel.*} keys of the properties file, for the OpenTelemetry SDK's defaults.
     *
     * @return property names and values
     */
    public Map<String, String> otelProperties() {
        return otelProperties;
    }
}
