package dev.fairway.provider.fake;

import dev.fairway.api.NanoClock;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link NanoClock} that only moves when told to, for deterministic tests. Its {@link #sleeper()}
 * advances it instead of waiting, so a {@link FakeProvider} built with both reports its simulated
 * latency exactly and returns at once. Thread-safe.
 */
public final class ManualClock implements NanoClock {

    private final AtomicLong now;

    private ManualClock(long start) {
        now = new AtomicLong(start);
    }

    /**
     * A clock reading zero.
     *
     * @return the clock
     */
    public static ManualClock create() {
        return new ManualClock(0);
    }

    /**
     * A clock reading {@code startNanos}.
     *
     * @param startNanos the first reading (any value: only differences mean anything)
     * @return the clock
     */
    public static ManualClock startingAt(long startNanos) {
        return new ManualClock(startNanos);
    }

    @Override
    public long nanoTime() {
        return now.get();
    }

    /**
     * Moves the clock forward.
     *
     * @param nanos how far, >= 0
     * @return the new reading
     */
    public long advanceNanos(long nanos) {
        if (nanos < 0) {
            throw new IllegalArgumentException("nanos must be >= 0, was " + nanos);
        }
        return now.addAndGet(nanos);
    }

    /**
     * Moves the clock forward.
     *
     * @param duration how far, not negative
     * @return the new reading
     */
    public long advance(Duration duration) {
        if (duration == null || duration.isNegative()) {
            throw new IllegalArgumentException("duration must be >= 0, was " + duration);
        }
        return advanceNanos(duration.toNanos());
    }

    /**
     * A sleeper that advances this clock by the requested time and returns at once. It still honours
     * an interrupt that is pending when it is called.
     *
     * @return the sleeper
     */
    public Sleeper sleeper() {
        return nanos -> {
            if (Thread.interrupted()) {
                throw new InterruptedException("interrupted before a simulated sleep");
            }
            advanceNanos(nanos);
        };
    }

    @Override
    public String toString() {
        return "ManualClock[" + now.get() + "ns]";
    }
}
