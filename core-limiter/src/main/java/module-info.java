/**
 * Fairway's limiters: {@link dev.fairway.core.limiter.FairShareRateLimiter}, a sliding-window
 * requests- and tokens-per-minute limiter that shares the budget fairly between sessions, and
 * {@link dev.fairway.core.limiter.BoundedConcurrencyLimiter}, which bounds requests in flight under
 * a {@link dev.fairway.core.limiter.ConcurrencyPolicy} (adaptive AIMD by default, or the original's
 * static 5 / 2). Both implement the interfaces of {@code dev.fairway.api.limit}.
 *
 * <p>The rate limiter is the {@code memory} store of {@link dev.fairway.api.limit.RateLimiterStoreFactory};
 * {@link dev.fairway.core.limiter.RateLimiterSettings} holds the options every store shares.
 */
module dev.fairway.core.limiter {
    requires transitive dev.fairway.api;

    exports dev.fairway.core.limiter;
    // What the limiter stores share (the bucket ring, the permit layout, calibration, the back-off count), for limiter-redis only.
    exports dev.fairway.core.limiter.internal to dev.fairway.limiter.redis;

    provides dev.fairway.api.limit.RateLimiterStoreFactory with dev.fairway.core.limiter.MemoryRateLimiterStoreFactory;
}
