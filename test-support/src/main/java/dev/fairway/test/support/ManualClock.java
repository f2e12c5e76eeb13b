package dev.fairway.test.support;

import dev.fairway.api.NanoClock;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link NanoClock} for deterministic tests: it moves only when told to ({@link #advance}), or, when
 * made {@link #ticking}, by a fixed step at every reading, so that whatever measures a latency on it sees
 * one above zero however fast the machine is. {@link #sleep} advances it instead of waiting. It is a wall
 * clock too ({@link InstantSource}): its reading in nanoseconds counts from the epoch, so components that take
 * both a nano clock and wall time (the Redis limiter, session stores) see one time. Thread-safe.
 */
public final class ManualClock implements NanoClock, InstantSource {

    /** The wall time of {@link #wall()}: 2027-01-15, far from any edge of the encodings under test. */
    public static final long DEFAULT_EPOCH_MILLIS = 1_800_000_000_000L;

    private final AtomicLong now;
    private final long tickNanos;

    private ManualClock(long start, long tickNanos) {
        this.now = new AtomicLong(start);
        this.tickNanos = tickNanos;
    }

    /**
     * A clock reading zero.
     *
     * @return the clock
     */
    public static ManualClock create() {
        return new ManualClock(0, 0);
    }

    /**
     * A clock reading {@code startNanos}.
     *
     * @param startNanos the first reading (any value: only differences mean anything)
     * @return the clock
     */
    public static ManualClock startingAt(long startNanos) {
        return new ManualClock(startNanos, 0);
    }

    /**
     * A clock reading {@link #DEFAULT_EPOCH_MILLIS} as wall time.
     *
     * @return the clock
     */
    public static ManualClock wall() {
        return atEpochMillis(DEFAULT_EPOCH_MILLIS);
    }

    /**
     * A clock whose wall time reads {@code epochMillis}.
     *
     * @param epochMillis the wall time, 0 to {@code Long.MAX_VALUE / 2,000,000}
     * @return the clock
     */
    public static ManualClock atEpochMillis(long epochMillis) {
        if (epochMillis < 0 || epochMillis > Long.MAX_VALUE / 2_000_000) {
            throw new IllegalArgumentException("epochMillis must be 0 to " + Long.MAX_VALUE / 2_000_000 + ", was "
                    + epochMillis);
        }
        return new ManualClock(epochMillis * 1_000_000, 0);
    }

    /**
     * A clock whose every reading is {@code step} after the previous one.
     *
     * @param startNanos the reading before the first
     * @param step how far each reading moves it, > 0
     * @return the clock
     */
    public static ManualClock ticking(long startNanos, Duration step) {
        if (step == null || step.isNegative() || step.isZero()) {
            throw new IllegalArgumentException("step must be > 0, was " + step);
        }
        return new ManualClock(startNanos, step.toNanos());
    }

    @Override
    public long nanoTime() {
        return tickNanos == 0 ? now.get() : now.addAndGet(tickNanos);
    }

    /** The wall time: the nanosecond reading as time since the epoch (a ticking clock does not tick here). */
    @Override
    public Instant instant() {
        long n = now.get();
        return Instant.ofEpochSecond(Math.floorDiv(n, 1_000_000_000), Math.floorMod(n, 1_000_000_000));
    }

    @Override
    public long millis() {
        return Math.floorDiv(now.get(), 1_000_000);
    }

    /**
     * Moves the clock forward by whole milliseconds.
     *
     * @param millis how far, >= 0
     */
    public void advanceMillis(long millis) {
        advanceNanos(Math.multiplyExact(millis, 1_000_000L));
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
     * A sleep that advances this clock by the requested time and returns at once; as a method reference
     * ({@code clock::sleep}) it stands for a component's sleeper. It still honours an interrupt that is
     * pending when it is called.
     *
     * @param nanos how long to "sleep", >= 0
     * @throws InterruptedException when the thread was interrupted before the call
     */
    public void sleep(long nanos) throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException("interrupted before a simulated sleep");
        }
        advanceNanos(nanos);
    }

    @Override
    public String toString() {
        return "ManualClock[" + now.get() + "ns" + (tickNanos == 0 ? "" : ", +" + tickNanos + "ns a reading") + "]";
    }
}
