package dev.fairway.app.config;

import dev.fairway.api.InvalidConfigurationException;
import dev.fairway.api.spi.PluginConfig;
import dev.fairway.api.spi.PluginConfig.DurationText;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * One application configuration key: its name, type, default, allowed values and meaning, and how
 * to read and validate it. Keys are declared once, in {@link ConfigKeys}; the configuration reference
 * ({@link ConfigurationReference}) is generated from them.
 *
 * @param <T> the type of the key's value
 */
public final class ConfigKey<T> {

    private static final Pattern PLUGIN_NAME = Pattern.compile("[a-z0-9][a-z0-9-]*");

    private final String name;
    private final String type;
    private final String defaultText;
    private final String allowed;
    private final String meaning;
    private final Function<PluginConfig, T> reader;
    private final Range<T> range;

    /**
     * The smallest and the largest value a numeric or duration key allows, both included.
     *
     * @param min the smallest
     * @param max the largest
     * @param <V> the key's type
     */
    public record Range<V>(V min, V max) {

        /**
         * @throws NullPointerException when a bound is missing
         */
        public Range {
            Objects.requireNonNull(min, "min");
            Objects.requireNonNull(max, "max");
        }
    }

    private ConfigKey(String name, String type, String defaultText, String allowed, String meaning,
            Function<PluginConfig, T> reader) {
        this(name, type, defaultText, allowed, meaning, reader, null);
    }

    private ConfigKey(String name, String type, String defaultText, String allowed, String meaning,
            Function<PluginConfig, T> reader, Range<T> range) {
        this.name = Objects.requireNonNull(name, "name");
        if (!name.startsWith("fairway.") || !name.equals(name.toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("name must be lower case and start with 'fairway.', was '" + name + "'");
        }
        this.type = Objects.requireNonNull(type, "type");
        this.defaultText = Objects.requireNonNull(defaultText, "defaultText");
        this.allowed = Objects.requireNonNull(allowed, "allowed");
        this.meaning = Objects.requireNonNull(meaning, "meaning");
        this.reader = Objects.requireNonNull(reader, "reader");
        this.range = range;
    }

    /**
     * An integer key.
     *
     * @param name the full key
     * @param defaultValue used when no source sets it
     * @param min smallest allowed
     * @param max largest allowed
     * @param meaning one or two sentences for the configuration reference
     * @return the key
     */
    public static ConfigKey<Integer> integer(String name, int defaultValue, int min, int max, String meaning) {
        checkDefault(name, defaultValue >= min && defaultValue <= max);
        return new ConfigKey<>(name, "integer", Integer.toString(defaultValue), min + " to " + max, meaning,
                root -> root.integer(name, defaultValue, min, max), new Range<>(min, max));
    }

    /**
     * A long integer key.
     *
     * @param name the full key
     * @param defaultValue used when no source sets it
     * @param min smallest allowed
     * @param max largest allowed
     * @param meaning one or two sentences for the configuration reference
     * @return the key
     */
    public static ConfigKey<Long> longInteger(String name, long defaultValue, long min, long max, String meaning) {
        checkDefault(name, defaultValue >= min && defaultValue <= max);
        return new ConfigKey<>(name, "integer", Long.toString(defaultValue), min + " to " + max, meaning,
                root -> root.longValue(name, defaultValue, min, max), new Range<>(min, max));
    }

    /**
     * A duration key ({@code 250ms}, {@code 2s}, {@code 5m}, {@code 0}, or ISO-8601).
     *
     * @param name the full key
     * @param defaultValue used when no source sets it
     * @param min shortest allowed
     * @param max longest allowed
     * @param meaning one or two sentences for the configuration reference
     * @return the key
     */
    public static ConfigKey<Duration> duration(String name, Duration defaultValue, Duration min, Duration max,
            String meaning) {
        checkDefault(name, defaultValue.compareTo(min) >= 0 && defaultValue.compareTo(max) <= 0);
        return new ConfigKey<>(name, "duration", DurationText.format(defaultValue),
                DurationText.format(min) + " to " + DurationText.format(max), meaning,
                root -> root.duration(name, defaultValue, min, max), new Range<>(min, max));
    }

    /**
     * A boolean key.
     *
     * @param name the full key
     * @param defaultValue used when no source sets it
     * @param meaning one or two sentences for the configuration reference
     * @return the key
     */
    public static ConfigKey<Boolean> bool(String name, boolean defaultValue, String meaning) {
        return new ConfigKey<>(name, "boolean", Boolean.toString(defaultValue), "true or false", meaning,
                root -> root.bool(name, defaultValue));
    }

    /**
     * A key whose value is one of a fixed set of words (compared ignoring case).
     *
     * @param name the full key
     * @param defaultValue used when no source sets it
     * @param choices the allowed values, lower case, in the order the reference lists them
     * @param meaning one or two sentences for the configuration reference
     * @return the key
     */
    public static ConfigKey<String> choice(String name, String defaultValue, List<String> choices, String meaning) {
        checkDefault(name, choices.contains(defaultValue));
        Set<String> allowed = Set.copyOf(choices);
        return new ConfigKey<>(name, "choice", defaultValue, String.join(", ", choices), meaning,
                root -> root.choice(name, defaultValue, allowed));
    }

    /**
     * A free-text key whose value must match a pattern (for example a URI or an identifier).
     *
     * @param name the full key
     * @param defaultValue used when no source sets it
     * @param pattern what a value must match, entirely
     * @param allowed what the reference says is allowed
     * @param meaning one or two sentences for the configuration reference
     * @return the key
     */
    public static ConfigKey<String> text(String name, String defaultValue, Pattern pattern, String allowed,
            String meaning) {
        checkDefault(name, pattern.matcher(defaultValue).matches());
        return new ConfigKey<>(name, "text", defaultValue, allowed, meaning, root -> {
            String value = root.string(name, defaultValue).trim();
            if (!pattern.matcher(value).matches()) {
                // A URL's user info may hold a password: never echoed.
                throw new InvalidConfigurationException(name,
                        value.replaceAll("(?i)([a-z][a-z0-9+.-]*://)[^/@\\s]*@", "$1***@"), allowed);
            }
            return value;
        });
    }

    /**
     * A key naming a plugin. Its syntax is checked here; whether a plugin of that name is on the
     * module path is checked when the plugin is looked up.
     *
     * @param name the full key
     * @param defaultValue used when no source sets it
     * @param allowed what the reference says is allowed
     * @param meaning one or two sentences for the configuration reference
     * @return the key
     */
    public static ConfigKey<String> pluginName(String name, String defaultValue, String allowed, String meaning) {
        checkDefault(name, PLUGIN_NAME.matcher(defaultValue).matches());
        return new ConfigKey<>(name, "name", defaultValue, allowed, meaning, root -> {
            String value = root.string(name, defaultValue);
            if (!PLUGIN_NAME.matcher(value).matches()) {
                throw new InvalidConfigurationException(name, value,
                        "a plugin name of lower case letters, digits and dashes");
            }
            return value;
        });
    }

    private static void checkDefault(String name, boolean valid) {
        if (!valid) {
            throw new IllegalArgumentException("the default of " + name + " is not an allowed value");
        }
    }

    /**
     * The full key.
     *
     * @return for example {@code fairway.queue.max-concurrent}
     */
    public String name() {
        return name;
    }

    /**
     * The environment variable that sets this key.
     *
     * @return for example {@code FAIRWAY_QUEUE_MAX_CONCURRENT}
     */
    public String envVar() {
        return EnvNames.of(name);
    }

    /**
     * The type, as the reference names it.
     *
     * @return {@code integer}, {@code duration}, {@code boolean}, {@code choice}, {@code name} or {@code text}
     */
    public String type() {
        return type;
    }

    /**
     * The default, as it would be written in a properties file.
     *
     * @return for example {@code 5m}
     */
    public String defaultText() {
        return defaultText;
    }

    /**
     * What values are allowed.
     *
     * @return for example {@code 1 to 1024}
     */
    public String allowed() {
        return allowed;
    }

    /**
     * What the key means.
     *
     * @return one or two sentences
     */
    public String meaning() {
        return meaning;
    }

    /**
     * The range of an integer or duration key.
     *
     * @return the smallest and largest allowed values; empty for keys of other types
     */
    public Optional<Range<T>> range() {
        return Optional.ofNullable(range);
    }

    /**
     * Reads and validates the key's value.
     *
     * @param root a view of the whole configuration with an empty prefix
     * @return the value, or the default when no source sets it
     * @throws InvalidConfigurationException when the value is of the wrong type or out of range
     */
    public T read(PluginConfig root) {
        return reader.apply(root);
    }

    @Override
    public String toString() {
        return name;
    }
}
