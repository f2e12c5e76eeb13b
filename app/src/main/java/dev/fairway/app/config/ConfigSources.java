package dev.fairway.app.config;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;

/**
 * Where configuration comes from: command-line overrides, system properties, environment variables
 * and an optional properties file. Each source is a value passed in, so that tests can hand in an
 * environment without touching the process's.
 */
public final class ConfigSources {

    private final Map<String, String> overrides;
    private final Map<String, String> systemProperties;
    private final Map<String, String> environment;
    private final Path file;
    private final String fileGivenBy;

    private ConfigSources(Builder builder) {
        this.overrides = Map.copyOf(builder.overrides);
        this.systemProperties = Map.copyOf(builder.systemProperties);
        this.environment = Map.copyOf(builder.environment);
        this.file = builder.file;
        this.fileGivenBy = builder.fileGivenBy;
    }

    /**
     * A builder with every source empty.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A builder over this process's environment and system properties.
     *
     * @return a new builder
     */
    public static Builder system() {
        return builder().environment(System.getenv()).systemProperties(System.getProperties());
    }

    /**
     * The {@code -D key=value} overrides given on the command line; they beat every other source.
     *
     * @return the overrides
     */
    public Map<String, String> overrides() {
        return overrides;
    }

    /**
     * The Java system properties.
     *
     * @return the properties
     */
    public Map<String, String> systemProperties() {
        return systemProperties;
    }

    /**
     * The environment variables.
     *
     * @return the variables
     */
    public Map<String, String> environment() {
        return environment;
    }

    /**
     * The properties file given with {@code --config} (or the {@code FAIRWAY_CONFIG} variable).
     *
     * @return the file, when one was given
     */
    public Optional<Path> file() {
        return Optional.ofNullable(file);
    }

    /**
     * What named the properties file, for messages about it: {@code --config} or {@code FAIRWAY_CONFIG}.
     *
     * @return the option or variable
     */
    public String fileGivenBy() {
        return fileGivenBy;
    }

    /** Builds {@link ConfigSources}. */
    public static final class Builder {
        private final Map<String, String> overrides = new LinkedHashMap<>();
        private final Map<String, String> systemProperties = new LinkedHashMap<>();
        private final Map<String, String> environment = new LinkedHashMap<>();
        private Path file;
        private String fileGivenBy = "--config";

        private Builder() {
        }

        /**
         * Replaces the environment.
         *
         * @param variables the variables
         * @return this builder
         */
        public Builder environment(Map<String, String> variables) {
            environment.clear();
            environment.putAll(variables);
            return this;
        }

        /**
         * Replaces the system properties.
         *
         * @param properties the properties
         * @return this builder
         */
        public Builder systemProperties(Map<String, String> properties) {
            systemProperties.clear();
            systemProperties.putAll(properties);
            return this;
        }

        /**
         * Replaces the system properties with a snapshot of string-valued properties.
         *
         * @param properties for example {@link System#getProperties()}
         * @return this builder
         */
        public Builder systemProperties(Properties properties) {
            systemProperties.clear();
            for (String name : properties.stringPropertyNames()) {
                systemProperties.put(name, properties.getProperty(name));
            }
            return this;
        }

        /**
         * Adds a command-line override.
         *
         * @param key the full key
         * @param value the value
         * @return this builder
         */
        public Builder override(String key, String value) {
            overrides.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /**
         * Adds command-line overrides.
         *
         * @param values full keys and values
         * @return this builder
         */
        public Builder overrides(Map<String, String> values) {
            values.forEach(this::override);
            return this;
        }

        /**
         * Sets the properties file.
         *
         * @param path the file, or null for none
         * @return this builder
         */
        public Builder file(Path path) {
            return file(path, "--config");
        }

        /**
         * Sets the properties file and what named it.
         *
         * @param path the file, or null for none
         * @param givenBy the option or environment variable that named it, for messages
         * @return this builder
         */
        public Builder file(Path path, String givenBy) {
            this.file = path;
            this.fileGivenBy = Objects.requireNonNull(givenBy, "givenBy");
            return this;
        }

        /**
         * Builds the sources.
         *
         * @return the sources
         */
        public ConfigSources build() {
            return new ConfigSources(this);
        }
    }
}
