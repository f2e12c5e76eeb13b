package dev.fairway.api.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fairway.api.InvalidConfigurationException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PluginConfigTest {

    private final PluginConfig config = PluginConfig.of("fairway.provider.fake", Map.of(
            "latency.base", "250ms",
            "rpm", "1_000",
            "bad-int", "lots",
            "ratio", "0.5",
            "flag", "yes",
            "iso", "PT1.5S",
            "blank", "   ",
            "mode", "Fast"));

    @Test
    void durationsParseShortAndIsoSyntax() {
        assertEquals(Duration.ofMillis(250), config.duration("latency.base", Duration.ZERO, Duration.ZERO, Duration.ofMinutes(1)));
        assertEquals(Duration.ofMillis(1500), config.duration("iso", Duration.ZERO, Duration.ZERO, Duration.ofMinutes(1)));
        assertEquals(Duration.ofSeconds(3), config.duration("missing", Duration.ofSeconds(3), Duration.ZERO, Duration.ofMinutes(1)));
    }

    @Test
    void durationOutOfRangeNamesKeyValueAndRange() {
        var e = assertThrows(InvalidConfigurationException.class,
                () -> config.duration("latency.base", Duration.ZERO, Duration.ZERO, Duration.ofMillis(100)));
        assertEquals("fairway.provider.fake.latency.base = '250ms': expected a duration from 0 to 100ms such as 250ms, 2s, 5m",
                e.getMessage());
    }

    @Test
    void integersAllowUnderscoresAndCheckRange() {
        assertEquals(1000, config.integer("rpm", 5, 1, 10_000));
        var e = assertThrows(InvalidConfigurationException.class, () -> config.integer("rpm", 5, 1, 10));
        assertEquals("fairway.provider.fake.rpm", e.key());
    }

    @Test
    void wrongTypeNamesTheKey() {
        var e = assertThrows(InvalidConfigurationException.class, () -> config.integer("bad-int", 5, 1, 10));
        assertEquals("fairway.provider.fake.bad-int = 'lots': expected an integer from 1 to 10", e.getMessage());
    }

    @Test
    void booleansDecimalsAndChoices() {
        assertTrue(config.bool("flag", false));
        assertEquals(0.5, config.decimal("ratio", 0, 0, 1));
        assertEquals("fast", config.choice("mode", "slow", Set.of("fast", "slow")));
        assertThrows(InvalidConfigurationException.class, () -> config.choice("mode", "slow", Set.of("slow")));
        assertThrows(InvalidConfigurationException.class, () -> config.bool("ratio", false));
    }

    @Test
    void blankValuesCountAsUnset() {
        assertFalse(config.get("blank").isPresent());
        assertEquals("d", config.string("blank", "d"));
    }
}
