/**
 * The limiters behind {@code dev.fairway.api.limit}: {@link dev.fairway.core.limiter.FairShareRateLimiter}
 * (requests and tokens per sliding minute, shared between sessions by a
 * {@link dev.fairway.core.limiter.FairSharePolicy}) and
 * {@link dev.fairway.core.limiter.BoundedConcurrencyLimiter} (requests in flight), whose limit comes
 * from a {@link dev.fairway.core.limiter.ConcurrencyPolicy}: the policy decides how large the limit is,
 * the limiter decides who gets a slot.
 *
 * <p>Both take an injected {@link dev.fairway.api.NanoClock}, use integer arithmetic, never block and
 * never use {@code synchronized}.
 */
package dev.fairway.core.limiter;
