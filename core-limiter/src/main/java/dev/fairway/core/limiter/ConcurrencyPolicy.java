package dev.fairway.core.limiter;

import dev.fairway.api.limit.ConcurrencyLimiter.Outcome;

/**
 * Decides how many requests may be in flight; {@link BoundedConcurrencyLimiter} enforces it. Kept
 * apart from enforcement (as in Netflix's concurrency-limits) so that a policy is a small, testable
 * state machine fed with samples.
 *
 * <p>The limiter calls a policy only while holding its lock, so implementations need no
 * synchronization of their own, and must not block.
 */
public interface ConcurrencyPolicy {

    /**
     * The largest limit this policy will ever return; the limiter sizes its slot table with it.
     *
     * @return the ceiling, 1 to {@value BoundedConcurrencyLimiter#MAX_SLOTS}
     */
    int maxLimit();

    /**
     * The limit now.
     *
     * @param nowNanos the limiter's clock
     * @return the limit, 1 to {@link #maxLimit()}
     */
    int limit(long nowNanos);

    /**
     * One request has finished.
     *
     * @param startNanos when its permit was granted
     * @param endNanos when it was released
     * @param inFlightAtStart requests in flight when it started, itself included
     * @param outcome how it ended
     */
    void onSample(long startNanos, long endNanos, int inFlightAtStart, Outcome outcome);
}
