package dev.fairway.app.overload;

import java.time.Duration;
import java.util.Objects;

/**
 * The thresholds past which a node refuses new sessions. Each signal is off at zero.
 *
 * @param schedulingLag the sustained lag (median of the last second's samples) of the node's threads: how
 *     late a timer fires or a new virtual thread starts
 * @param queueWait the 95th percentile, over the last three seconds, of the time delivered translations waited
 *     in the queue for their turn (limiter waits not included)
 * @param heapPercent the heap in use after garbage collection, in percent of the maximum heap (the lowest of
 *     the last five collections)
 * @param retryAfter what a refused client is told to wait
 */
public record OverloadSettings(Duration schedulingLag, Duration queueWait, int heapPercent, Duration retryAfter) {

    /** Every signal off. */
    public static final OverloadSettings OFF =
            new OverloadSettings(Duration.ZERO, Duration.ZERO, 0, Duration.ofSeconds(5));

    /** Validates every field. */
    public OverloadSettings {
        Objects.requireNonNull(schedulingLag, "schedulingLag");
        Objects.requireNonNull(queueWait, "queueWait");
        Objects.requireNonNull(retryAfter, "retryAfter");
        if (schedulingLag.isNegative() || queueWait.isNegative()) {
            throw new IllegalArgumentException("thresholds must not be negative");
        }
        if (heapPercent < 0 || heapPercent > 100) {
            throw new IllegalArgumentException("heapPercent must be 0 to 100, was " + heapPercent);
        }
        if (retryAfter.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("retryAfter must be at least 1 s, was " + retryAfter);
        }
    }

    /** Whether any signal is on. */
    public boolean enabled() {
        return !schedulingLag.isZero() || !queueWait.isZero() || heapPercent > 0;
    }
}
