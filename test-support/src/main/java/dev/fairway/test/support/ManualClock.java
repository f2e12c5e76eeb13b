package dev.fairway.test.support;

import dev.fairway.api.NanoClock;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link NanoClock} for deterministic tests: it moves only when told to ({@link #advance}), or, when
 * made {@link #ticking}, by a fixed step at every reading, so that whatever measures a latency on it sees
 * one above zero however fast the machine is. {@link #sleep} advances it instead of waiting. Thread-safe.
 */
public final class ManualClock implements NanoClock {

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
