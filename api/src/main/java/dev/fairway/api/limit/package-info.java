/**
 * The limiter interfaces the scheduler speaks to: {@link dev.fairway.api.limit.RateLimiter} (requests
 * and tokens per minute, shared fairly between sessions) and
 * {@link dev.fairway.api.limit.ConcurrencyLimiter} (requests in flight), with the values they report
 * ({@link dev.fairway.api.limit.RateLimiterStats}).
 *
 * <p>Both try-methods return a primitive {@code long} rather than an object, so that asking for a
 * permit allocates nothing: see {@link dev.fairway.api.limit.Permits} for how to read it. A refusal
 * is an expected outcome and is returned, never thrown.
 *
 * <p>Where a rate limiter keeps its windows is a plugin: a
 * {@link dev.fairway.api.limit.RateLimiterStoreFactory} found with {@link java.util.ServiceLoader} by
 * name ({@code fairway.limiter.store}), which builds a {@link dev.fairway.api.limit.RateLimiterStore}.
 */
package dev.fairway.api.limit;
