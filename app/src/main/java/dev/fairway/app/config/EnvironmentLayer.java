package dev.fairway.app.config;

import org.apache.commons.configuration2.AbstractConfiguration;

import java.util.Iterator;
import java.util.Map;

/**
 * Environment variables seen as configuration keys: a key is looked up under its
 * {@link EnvNames#of(String) environment name} when asked for, which also serves plugin keys that no
 * registry knows. Because {@code FAIRWAY_A_B} could be {@code fairway.a.b} or {@code fairway.a-b},
 * the layer can list only the application keys that are set. Blank variables count as unset.
 */
final class EnvironmentLayer extends AbstractConfiguration {

    private final Map<String, String> environment;

    EnvironmentLayer(Map<String, String> environment) {
        this.environment = Map.copyOf(environment);
    }

    private String lookup(String key) {
        String value = environment.get(EnvNames.of(key));
        return value == null || value.isBlank() ? null : value;
    }

    @Override
    protected Object getPropertyInternal(String key) {
        return lookup(key);
    }

    @Override
    protected boolean containsKeyInternal(String key) {
        return lookup(key) != null;
    }

    @Override
    protected boolean containsValueInternal(Object value) {
        return environment.containsValue(value);
    }

    @Override
    protected Iterator<String> getKeysInternal() {
        return ConfigKeys.ALL.stream().map(ConfigKey::name).filter(name -> lookup(name) != null).iterator();
    }

    @Override
    protected boolean isEmptyInternal() {
        return !getKeysInternal().hasNext();
    }

    @Override
    protected void addPropertyDirect(String key, Object value) {
        throw new IllegalStateException("environment variables are read-only, cannot set " + key);
    }

    @Override
    protected void clearPropertyDirect(String key) {
        throw new IllegalStateException("environment variables are read-only, cannot clear " + key);
    }
}
