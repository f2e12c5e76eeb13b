/**
 * Fairway's rate limiter contract test kit: {@link dev.fairway.limiter.tck.RateLimiterContract}, a JUnit 5
 * abstract test class that every {@link dev.fairway.api.limit.RateLimiter} store runs (the sliding-window
 * invariant under randomized schedules, fairness with a negative control, provider feedback, separate
 * input and output token budgets), and {@link dev.fairway.limiter.tck.ManualClock}, the one clock the stores'
 * tests move by hand.
 *
 * <p>It is a test library: store modules (core-limiter's memory store among them) depend on it in test
 * scope, so it knows the API only.
 */
module dev.fairway.limiter.tck {
    requires transitive dev.fairway.api;
    requires org.junit.jupiter.api;
    requires transitive dev.fairway.test.support;

    exports dev.fairway.limiter.tck;
}
