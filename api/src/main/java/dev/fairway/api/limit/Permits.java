package dev.fairway.api.limit;

import java.time.Duration;

/**
 * Reads and writes the {@code long} that {@link RateLimiter#tryAcquire} returns. A value {@code >= 0}
 * is a granted permit, an opaque handle that the caller hands back to
 * {@link RateLimiter#reconcile} or {@link RateLimiter#cancel}. A value {@code < 0} is a refusal whose
 * magnitude is the time in nanoseconds until a permit can be had (at least 1).
 *
 * <p>A primitive instead of a permit object keeps the acquire path free of allocation.
 */
public final class Permits {

    private Permits() {
    }

    /**
     * Whether the result is a granted permit.
     *
     * @param result what {@code tryAcquire} returned
     * @return {@code true} for a permit, {@code false} for a refusal
     */
    public static boolean isGranted(long result) {
        return result >= 0;
    }

    /**
     * How long to wait before asking again.
     *
     * @param result what {@code tryAcquire} returned
     * @return 0 for a permit, otherwise the wait in nanoseconds (at least 1)
     */
    public static long waitNanos(long result) {
        return result >= 0 ? 0 : -result;
    }

    /**
     * {@link #waitNanos(long)} as a {@link Duration} (allocates; meant for logs and tests).
     *
     * @param result what {@code tryAcquire} returned
     * @return the wait, zero for a permit
     */
    public static Duration waitTime(long result) {
        return Duration.ofNanos(waitNanos(result));
    }

    /**
     * The refusal that says "ask again in {@code waitNanos}", for implementations.
     *
     * @param waitNanos the wait, clamped to at least 1 nanosecond
     * @return a negative result
     */
    public static long refusal(long waitNanos) {
        return -Math.max(1, waitNanos);
    }
}
