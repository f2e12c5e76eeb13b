package dev.fairway.api.spi;

import dev.fairway.api.InvalidConfigurationException;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A read-only view of one plugin's configuration: the keys under its {@link #prefix()}, for
 * example {@code fairway.provider.fake}. Keys passed to the getters are relative to the prefix
 * ({@code latency.base}); errors name the full key.
 *
 * <p>The typed getters parse and range-check, and throw {@link InvalidConfigurationException} with
 * one line naming the key, the value and what is allowed.
 */
public interface PluginConfig {

    /**
     * The prefix of this view's keys, without a trailing dot.
     *
     * @return for example {@code fairway.provider.openai}
     */
    String prefix();

    /**
     * The raw value of a key, trimmed.
     *
     * @param key relative to {@link #prefix()}
     * @return the value when set and not blank
     */
    Optional<String> get(String key);

    /**
     * The relative keys that are set.
     *
     * @return the keys
     */
    Set<String> keys();

    /**
     * A view over a map of relative keys, for tests and programmatic use.
     *
     * @param prefix the prefix used in error messages
     * @param values relative keys and their values
     * @return the view
     */
    static PluginConfig of(String prefix, Map<String, String> values) {
        Objects.requireNonNull(prefix, "prefix");
        Map<String, String> copy = new TreeMap<>(values);
        return new PluginConfig() {
            @Override
            public String prefix() {
                return prefix;
            }

            @Override
            public Optional<String> get(String key) {
                return Optional.ofNullable(copy.get(key)).map(String::trim).filter(s -> !s.isEmpty());
            }

            @Override
            public Set<String> keys() {
                return java.util.Collections.unmodifiableSet(copy.keySet());
            }

            @Override
            public String toString() {
                return prefix + keys();
            }
        };
    }

    /**
     * An empty view.
     *
     * @param prefix the prefix used in error messages
     * @return a view with no keys
     */
    static PluginConfig empty(String prefix) {
        return of(prefix, Map.of());
    }

    /**
     * The full key of a relative key, as error messages name it.
     *
     * @param key relative key
     * @return {@code prefix + "." + key}
     */
    default String fullKey(String key) {
        return prefix().isEmpty() ? key : prefix() + "." + key;
    }

    /**
     * A string value.
     *
     * @param key relative key
     * @param defaultValue used when the key is not set
     * @return the value
     */
    default String string(String key, String defaultValue) {
        return get(key).orElse(defaultValue);
    }

    /**
     * A string value that must be one of a set of choices (compared ignoring case).
     *
     * @param key relative key
     * @param defaultValue used when the key is not set
     * @param choices the allowed values, lower case
     * @return the value, lower case
     */
    default String choice(String key, String defaultValue, Set<String> choices) {
        String value = get(key).orElse(defaultValue);
        String lower = value.toLowerCase(Locale.ROOT);
        if (!choices.contains(lower)) {
            throw new InvalidConfigurationException(fullKey(key), value, "one of " + new java.util.TreeSet<>(choices));
        }
        return lower;
    }

    /**
     * An integer value in a range.
     *
     * @param key relative key
     * @param defaultValue used when the key is not set
     * @param min smallest allowed
     * @param max largest allowed
     * @return the value
     */
    default int integer(String key, int defaultValue, int min, int max) {
        return (int) longValue(key, defaultValue, min, max);
    }

    /**
     * A long value in a range. Underscores are allowed as digit separators ({@code 1_800_000}).
     *
     * @param key relative key
     * @param defaultValue used when the key is not set
     * @param min smallest allowed
     * @param max largest allowed
     * @return the value
     */
    default long longValue(String key, long defaultValue, long min, long max) {
        Optional<String> raw = get(key);
        String allowed = "an integer from " + min + " to " + max;
        if (raw.isEmpty()) {
            return defaultValue;
        }
        long value;
        try {
            value = Long.parseLong(raw.get().replace("_", ""));
        } catch (NumberFormatException e) {
            throw new InvalidConfigurationException(fullKey(key), raw.get(), allowed);
        }
        if (value < min || value > max) {
            throw new InvalidConfigurationException(fullKey(key), raw.get(), allowed);
        }
        return value;
    }

    /**
     * A decimal value in a range.
     *
     * @param key relative key
     * @param defaultValue used when the key is not set
     * @param min smallest allowed
     * @param max largest allowed
     * @return the value
     */
    default double decimal(String key, double defaultValue, double min, double max) {
        Optional<String> raw = get(key);
        String allowed = "a number from " + min + " to " + max;
        if (raw.isEmpty()) {
            return defaultValue;
        }
        double value;
        try {
            value = Double.parseDouble(raw.get());
        } catch (NumberFormatException e) {
            throw new InvalidConfigurationException(fullKey(key), raw.get(), allowed);
        }
        if (!(value >= min && value <= max)) {
            throw new InvalidConfigurationException(fullKey(key), raw.get(), allowed);
        }
        return value;
    }

    /**
     * A boolean value: {@code true}/{@code false} (also {@code yes}/{@code no}, {@code on}/{@code off}).
     *
     * @param key relative key
     * @param defaultValue used when the key is not set
     * @return the value
     */
    default boolean bool(String key, boolean defaultValue) {
        Optional<String> raw = get(key);
        if (raw.isEmpty()) {
            return defaultValue;
        }
        return switch (raw.get().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw new InvalidConfigurationException(fullKey(key), raw.get(), "true or false");
        };
    }

    /**
     * A duration in a range: {@code 250ms}, {@code 2s}, {@code 5m}, {@code 1h}, {@code 0}, or ISO-8601
     * ({@code PT0.25S}).
     *
     * @param key relative key
     * @param defaultValue used when the key is not set
     * @param min shortest allowed
     * @param max longest allowed
     * @return the value
     */
    default Duration duration(String key, Duration defaultValue, Duration min, Duration max) {
        Optional<String> raw = get(key);
        String allowed = "a duration from " + DurationText.format(min) + " to " + DurationText.format(max)
                + " such as 250ms, 2s, 5m";
        if (raw.isEmpty()) {
            return defaultValue;
        }
        Duration value = DurationText.parse(raw.get());
        if (value == null || value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw new InvalidConfigurationException(fullKey(key), raw.get(), allowed);
        }
        return value;
    }

    /** Parses and formats the short duration syntax of configuration values. */
    final class DurationText {
        private static final Pattern SHORT = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ns|us|ms|s|m|h|d)");

        private DurationText() {
        }

        /**
         * Parses {@code 250ms}, {@code 1.5s}, {@code 5m}, {@code 0} or ISO-8601.
         *
         * @param text the text
         * @return the duration, or null when the text is not a duration
         */
        public static Duration parse(String text) {
            String t = text.trim().toLowerCase(Locale.ROOT);
            if (t.equals("0")) {
                return Duration.ZERO;
            }
            Matcher m = SHORT.matcher(t);
            if (m.matches()) {
                double amount = Double.parseDouble(m.group(1));
                double nanosPerUnit = switch (m.group(2)) {
                    case "ns" -> 1;
                    case "us" -> 1e3;
                    case "ms" -> 1e6;
                    case "s" -> 1e9;
                    case "m" -> 60e9;
                    case "h" -> 3600e9;
                    default -> 86400e9;
                };
                double nanos = amount * nanosPerUnit;
                return nanos > Long.MAX_VALUE ? null : Duration.ofNanos(Math.round(nanos));
            }
            try {
                return Duration.parse(text.trim().toUpperCase(Locale.ROOT));
            } catch (DateTimeParseException e) {
                return null;
            }
        }

        /**
         * Formats a duration in the short syntax.
         *
         * @param d the duration
         * @return for example {@code 250ms} or {@code 5m}
         */
        public static String format(Duration d) {
            long ms = d.toMillis();
            if (d.isZero()) {
                return "0";
            }
            if (ms % 3_600_000 == 0) {
                return ms / 3_600_000 + "h";
            }
            if (ms % 60_000 == 0) {
                return ms / 60_000 + "m";
            }
            if (ms % 1000 == 0) {
                return ms / 1000 + "s";
            }
            return ms > 0 ? ms + "ms" : d.toNanos() + "ns";
        }
    }
}
