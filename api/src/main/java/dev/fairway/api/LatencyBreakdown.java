package dev.fairway.api;

import java.time.Duration;

/**
 * Where the time of one delivered translation went, from the moment the scheduler accepted the
 * segment to the moment its result was handed to the session.
 *
 * @param queueWait waiting for the dispatcher to pick the session (fair-share turn, concurrency)
 * @param limiterWait waiting for a rate-limit permit (the session was over its share, or the
 *     provider's window was full)
 * @param providerTime the provider calls, retries included
 * @param total accepted to delivered; at least the sum of the others
 */
public record LatencyBreakdown(Duration queueWait, Duration limiterWait, Duration providerTime, Duration total) {

    /** Validates that no part is null or negative. */
    public LatencyBreakdown {
        check("queueWait", queueWait);
        check("limiterWait", limiterWait);
        check("providerTime", providerTime);
        check("total", total);
    }

    private static void check(String field, Duration value) {
        Checks.notNull(field, value);
        if (value.isNegative()) {
            throw new IllegalArgumentException(field + " must not be negative, was " + value);
        }
    }
}
