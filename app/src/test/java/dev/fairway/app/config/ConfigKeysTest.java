package dev.fairway.app.config;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigKeysTest {

    @Test
    void environmentNameUpperCasesAndTurnsDotsAndDashesIntoUnderscores() {
        assertEquals("FAIRWAY_QUEUE_MAX_CONCURRENT", EnvNames.of("fairway.queue.max-concurrent"));
        assertEquals("FAIRWAY_PROVIDER_OPENAI_API_KEY", EnvNames.of("fairway.provider.openai.api-key"));
        assertEquals("FAIRWAY_QUEUE_MAX_CONCURRENT", ConfigKeys.QUEUE_MAX_CONCURRENT.envVar());
    }

    @Test
    void keysAndTheirEnvironmentNamesAreUnique() {
        Set<String> names = new HashSet<>();
        Set<String> envNames = new HashSet<>();
        for (ConfigKey<?> key : ConfigKeys.ALL) {
            assertTrue(names.add(key.name()), key.name());
            assertTrue(envNames.add(key.envVar()), key.envVar());
            assertFalse(ConfigKeys.isPluginKey(key.name()), key.name() + " must not look like a plugin key");
        }
    }

    @Test
    void pluginPrefixesAreRecognised() {
        assertTrue(ConfigKeys.isPluginKey("fairway.provider.openai.api-key"));
        assertTrue(ConfigKeys.isPluginKey("fairway.transport.websocket.port"));
        assertFalse(ConfigKeys.isPluginKey("fairway.provider"));
        assertFalse(ConfigKeys.isPluginKey("fairway.queue.max-concurrent"));
    }
}
