package dev.fairway.core.queue;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class BuilderTest {

    @Test
    void outOfRangeValuesNameTheFieldAndTheValue() {
        FairScheduler.Builder b = FairScheduler.builder();
        assertEquals("maxConcurrent must be 1 to 65536, was 0",
                assertThrows(IllegalArgumentException.class, () -> b.maxConcurrent(0)).getMessage());
        assertEquals("minRequestInterval must be PT0S to PT1M, was PT-0.001S",
                assertThrows(IllegalArgumentException.class, () -> b.minRequestInterval(Duration.ofMillis(-1)))
                        .getMessage());
        assertEquals("retryBackoff max must be PT1S to PT10M, was PT0.5S", assertThrows(IllegalArgumentException.class,
                () -> b.retryBackoff(Duration.ofSeconds(1), Duration.ofMillis(500))).getMessage());
    }

    @Test
    void requiredPartsAreNamed() {
        assertEquals("provider is required",
                assertThrows(IllegalStateException.class, () -> FairScheduler.builder().build()).getMessage());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> FairScheduler.builder()
                .provider(new ScriptedProvider()).rateLimiter(new RecordingRateLimiter()).build());
        assertEquals(true, e.getMessage().startsWith("threadFactory is required"));
    }
}
