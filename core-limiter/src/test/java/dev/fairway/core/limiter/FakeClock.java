package dev.fairway.core.limiter;

import dev.fairway.api.NanoClock;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** A clock the test moves by hand; starts at an arbitrary non-zero reading. */
final class FakeClock implements NanoClock {

    private final AtomicLong now = new AtomicLong(7_000_000_123L);

    @Override
    public long nanoTime() {
        return now.get();
    }

    void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }

    void advanceNanos(long nanos) {
        now.addAndGet(nanos);
    }

    void advanceMillis(long millis) {
        now.addAndGet(millis * 1_000_000L);
    }
}
