package dev.fairway.test.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ManualClockTest {

    @Test
    void sleepAdvancesClockInstead() throws InterruptedException {
        ManualClock clock = ManualClock.startingAt(5);
        clock.sleep(Duration.ofSeconds(3).toNanos());
        assertEquals(5 + 3_000_000_000L, clock.nanoTime());
        clock.advance(Duration.ofMillis(1));
        assertEquals(5 + 3_001_000_000L, clock.nanoTime());
    }

    @Test
    void sleepHonoursPendingInterrupt() {
        ManualClock clock = ManualClock.create();
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, () -> clock.sleep(1));
        assertEquals(0, clock.nanoTime());
    }

    @Test
    void refusesToGoBack() {
        assertThrows(IllegalArgumentException.class, () -> ManualClock.create().advanceNanos(-1));
        assertThrows(IllegalArgumentException.class, () -> ManualClock.create().advance(Duration.ofNanos(-1)));
    }

    @Test
    void tickingClockMovesByItsStepAtEveryReading() {
        ManualClock clock = ManualClock.ticking(1_000, Duration.ofMillis(1));
        long first = clock.nanoTime();
        long second = clock.nanoTime();
        assertEquals(1_000 + 1_000_000, first);
        assertEquals(1_000_000, second - first);
        clock.advance(Duration.ofSeconds(1));
        assertEquals(1_000_000_000L + 1_000_000, clock.nanoTime() - second);
    }

    @Test
    void tickingNeedsAStep() {
        assertThrows(IllegalArgumentException.class, () -> ManualClock.ticking(0, Duration.ZERO));
    }
}
