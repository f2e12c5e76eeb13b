package dev.fairway.api;

/**
 * A monotonic clock in nanoseconds. Components take one so that tests can drive time by hand.
 */
@FunctionalInterface
public interface NanoClock {

    /** The system's monotonic clock ({@link System#nanoTime()}). */
    NanoClock SYSTEM = System::nanoTime;

    /**
     * The current reading; only differences between readings mean anything.
     *
     * @return nanoseconds since an arbitrary origin
     */
    long nanoTime();
}
