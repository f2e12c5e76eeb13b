/**
 * The Redis-backed {@link dev.fairway.api.limit.RateLimiter}: build one with
 * {@link dev.fairway.limiter.redis.RedisRateLimiter#builder()}, close it when the node stops.
 */
package dev.fairway.limiter.redis;
