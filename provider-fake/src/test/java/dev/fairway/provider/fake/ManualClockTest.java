package dev.fairway.provider.fake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ManualClockTest {

    @Test
    void sleeperAdvancesClockInstead() throws InterruptedException {
        ManualClock clock = ManualClock.startingAt(5);
        clock.sleeper().sleep(Duration.ofSeconds(3).toNanos());
        assertEquals(5 + 3_000_000_000L, clock.nanoTime());
        clock.advance(Duration.ofMillis(1));
        assertEquals(5 + 3_001_000_000L, clock.nanoTime());
    }

    @Test
    void sleeperHonoursPendingInterrupt() {
        ManualClock clock = ManualClock.create();
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, () -> clock.sleeper().sleep(1));
        assertEquals(0, clock.nanoTime());
    }

    @Test
    void refusesToGoBack() {
        assertThrows(IllegalArgumentException.class, () -> ManualClock.create().advanceNanos(-1));
    }
}
