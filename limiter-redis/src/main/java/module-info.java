/**
 * Fairway limiter-redis: the limiter's shared state in Redis, for several nodes.
 */
module dev.fairway.limiter.redis {
    requires transitive dev.fairway.api;
    requires dev.fairway.core.limiter;
}
