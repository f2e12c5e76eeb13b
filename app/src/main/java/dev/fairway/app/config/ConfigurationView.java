package dev.fairway.app.config;

import dev.fairway.api.InvalidConfigurationException;
import dev.fairway.api.spi.PluginConfig;
import org.apache.commons.configuration2.ImmutableConfiguration;

import java.util.Collections;
import java.util.Iterator;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A {@link PluginConfig} over the composite configuration: keys under a prefix, looked up through
 * every layer in order of precedence (so environment variables serve plugin keys too).
 */
final class ConfigurationView implements PluginConfig {

    private final String prefix;
    private final ImmutableConfiguration configuration;

    ConfigurationView(String prefix, ImmutableConfiguration configuration) {
        this.prefix = prefix;
        this.configuration = configuration;
    }

    @Override
    public String prefix() {
        return prefix;
    }

    @Override
    public Optional<String> get(String key) {
        String full = fullKey(key);
        String value;
        try {
            value = configuration.getString(full, null);
        } catch (RuntimeException e) {
            // Commons Configuration refuses a value whose ${...} references form a cycle.
            throw new InvalidConfigurationException(full, String.valueOf(configuration.getProperty(full)),
                    "a value whose ${...} references resolve (" + e.getMessage() + ")");
        }
        return Optional.ofNullable(value).map(String::trim).filter(s -> !s.isEmpty());
    }

    @Override
    public Set<String> keys() {
        Set<String> keys = new TreeSet<>();
        Iterator<String> it = prefix.isEmpty() ? configuration.getKeys() : configuration.getKeys(prefix);
        String start = prefix.isEmpty() ? "" : prefix + ".";
        while (it.hasNext()) {
            String key = it.next();
            if (key.startsWith(start) && key.length() > start.length()) {
                keys.add(key.substring(start.length()));
            }
        }
        return Collections.unmodifiableSet(keys);
    }

    @Override
    public String toString() {
        return prefix + keys();
    }
}
