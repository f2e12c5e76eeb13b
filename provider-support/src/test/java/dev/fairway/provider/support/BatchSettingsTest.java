package dev.fairway.provider.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.fairway.api.InvalidConfigurationException;
import dev.fairway.api.SegmentKind;
import dev.fairway.api.SessionId;
import dev.fairway.api.TranslationRequest;
import dev.fairway.api.spi.BatchLimits;
import dev.fairway.api.spi.PluginConfig;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BatchSettingsTest {

    private static BatchSettings read(Map<String, String> values) {
        return BatchSettings.read(PluginConfig.of("fairway.provider.acme", values));
    }

    @Test
    void defaultsBatchSixteenSegmentsOfFourThousandTokens() {
        BatchSettings settings = read(Map.of());
        assertEquals(new BatchSettings(true, 16, 4_000), settings);
        assertEquals(Optional.of(new BatchLimits(16, 4_000)), settings.limits());
    }

    @Test
    void keysAreRead() {
        assertEquals(Optional.of(new BatchLimits(4, 900)),
                read(Map.of("batch.max-segments", "4", "batch.max-tokens", "900")).limits());
    }

    @Test
    void disabledOrOneSegmentTurnsBatchingOff() {
        assertEquals(Optional.empty(), read(Map.of("batch.enabled", "false")).limits());
        assertEquals(Optional.empty(), read(Map.of("batch.max-segments", "1")).limits());
    }

    @Test
    void badValuesNameTheirKey() {
        InvalidConfigurationException segments = assertThrows(InvalidConfigurationException.class,
                () -> read(Map.of("batch.max-segments", "0")));
        assertEquals("fairway.provider.acme.batch.max-segments = '0': expected an integer from 1 to 256",
                segments.getMessage());
        InvalidConfigurationException tokens = assertThrows(InvalidConfigurationException.class,
                () -> read(Map.of("batch.max-tokens", "lots")));
        assertEquals("fairway.provider.acme.batch.max-tokens", tokens.key());
        assertEquals("fairway.provider.acme.batch.enabled", assertThrows(InvalidConfigurationException.class,
                () -> read(Map.of("batch.enabled", "maybe"))).key());
        assertThrows(InvalidConfigurationException.class, () -> read(Map.of("batch.max-segments", "257")));
    }

    @Test
    void checkRefusesWhatTheLimitsDoNotAllow() {
        TranslationRequest r = new TranslationRequest(SessionId.of("s"), SegmentKind.FINAL, 0, "Hello", "en", "fr", 100);
        BatchSettings settings = read(Map.of("batch.max-segments", "3"));
        settings.check("acme", List.of(r, r));
        assertThrows(IllegalArgumentException.class, () -> settings.check("acme", List.of(r)));
        assertThrows(IllegalArgumentException.class, () -> settings.check("acme", Collections.nCopies(4, r)));
        UnsupportedOperationException off = assertThrows(UnsupportedOperationException.class,
                () -> read(Map.of("batch.enabled", "false")).check("acme", List.of(r, r)));
        assertEquals("acme does not translate batches (batch.enabled = false, batch.max-segments = 16)", off.getMessage());
    }
}
