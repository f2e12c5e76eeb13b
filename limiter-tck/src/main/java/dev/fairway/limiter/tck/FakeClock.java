package dev.fairway.limiter.tck;

import dev.fairway.api.NanoClock;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock a test moves by hand, both monotonic ({@link NanoClock}, for the in-memory limiter) and wall
 * ({@link InstantSource}, for stores whose nodes compare times): one reading in nanoseconds, which
 * starts on a whole minute of the epoch so that buckets of any width start aligned. Thread-safe; every
 * node of a test shares one.
 */
public final class FakeClock implements NanoClock, InstantSource {

    /** The default start: 2027-01-15T08:00:00Z, a whole minute. */
    public static final long DEFAULT_START_MILLIS = 1_800_000_000_000L;

    private final AtomicLong nanos;

    /** A clock at {@link #DEFAULT_START_MILLIS}. */
    public FakeClock() {
        this(DEFAULT_START_MILLIS);
    }

    /**
     * A clock at a given time.
     *
     * @param startMillis milliseconds since the epoch, >= 0
     */
    public FakeClock(long startMillis) {
        if (startMillis < 0 || startMillis > Long.MAX_VALUE / 2_000_000) {
            throw new IllegalArgumentException("startMillis must be 0 to " + Long.MAX_VALUE / 2_000_000 + ", was "
                    + startMillis);
        }
        this.nanos = new AtomicLong(startMillis * 1_000_000);
    }

    @Override
    public long nanoTime() {
        return nanos.get();
    }

    @Override
    public long millis() {
        return Math.floorDiv(nanos.get(), 1_000_000);
    }

    @Override
    public Instant instant() {
        long n = nanos.get();
        return Instant.ofEpochSecond(Math.floorDiv(n, 1_000_000_000), Math.floorMod(n, 1_000_000_000));
    }

    /**
     * Moves the clock on.
     *
     * @param d how far, >= 0
     */
    public void advance(Duration d) {
        advanceNanos(d.toNanos());
    }

    /**
     * Moves the clock on.
     *
     * @param millis how far, >= 0
     */
    public void advanceMillis(long millis) {
        advanceNanos(Math.multiplyExact(millis, 1_000_000L));
    }

    /**
     * Moves the clock on.
     *
     * @param delta how far in nanoseconds, >= 0
     */
    public void advanceNanos(long delta) {
        if (delta < 0) {
            throw new IllegalArgumentException("a clock never goes back, was asked to by " + delta + " ns");
        }
        nanos.addAndGet(delta);
    }
}
