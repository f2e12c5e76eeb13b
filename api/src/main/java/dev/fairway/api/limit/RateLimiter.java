package dev.fairway.api.limit;

import dev.fairway.api.RateLimitFeedback;
import dev.fairway.api.SessionId;
import dev.fairway.api.TokenUsage;

/**
 * Admits provider requests within a global requests-per-minute and tokens-per-minute budget, shared
 * between sessions. Implementations guarantee that in any sliding window of one minute the admitted
 * requests and the admitted (reserved, then reconciled) tokens stay within the limits, and decide how
 * the budget is divided between sessions (for example max-min fair share).
 *
 * <p>The life of one request: {@link #tryAcquire} reserves one request and an estimate of its tokens
 * and returns a permit (or the time until one can be had; see {@link Permits}). When the provider has
 * answered, {@link #reconcile} replaces the estimate with the reported usage; when the request is
 * abandoned, {@link #cancel} gives the reservation back, except that a request which reached the
 * provider still counts. Call exactly one of the two once per permit. The provider's rate-limit
 * headers go to {@link #onFeedback}, a 429 to {@link #onRateLimited}.
 *
 * <p>Every method is thread-safe and non-blocking: none waits for a permit. The try, reconcile and
 * cancel methods allocate nothing in steady state.
 */
public interface RateLimiter {

    /**
     * Registers a session, or changes the weight of a registered one. Sessions that ask without being
     * opened are registered with weight 1.
     *
     * @param session the session
     * @param weight its fair-share weight, 1 to {@link dev.fairway.api.SessionOptions#MAX_WEIGHT}
     */
    void openSession(SessionId session, int weight);

    /**
     * Forgets a session. Its past usage keeps counting against the global window until it slides out.
     * Closing an unknown session does nothing.
     *
     * @param session the session
     */
    void closeSession(SessionId session);

    /**
     * Asks for a permit for one request of the session, reserving its estimated tokens. Never blocks.
     *
     * @param session the session the request belongs to
     * @param estimatedTokens tokens to reserve, > 0 and at most the tokens-per-minute limit
     * @return a permit ({@code >= 0}) or a refusal carrying the wait ({@code < 0}); see {@link Permits}
     * @throws IllegalArgumentException when {@code estimatedTokens} is out of range: such a request
     *     could never be admitted
     */
    long tryAcquire(SessionId session, int estimatedTokens);

    /**
     * Replaces a permit's token estimate with the provider's reported usage: the difference is refunded
     * or charged to the window the permit was charged to (nothing happens once that has slid out).
     *
     * @param session the session the permit was granted to
     * @param permit a permit returned by {@link #tryAcquire}
     * @param actualTokens the tokens the provider charged, >= 0
     */
    void reconcile(SessionId session, long permit, int actualTokens);

    /**
     * {@link #reconcile(SessionId, long, int)} with the usage's total.
     *
     * @param session the session the permit was granted to
     * @param permit a permit returned by {@link #tryAcquire}
     * @param usage what the provider reported
     */
    default void reconcile(SessionId session, long permit, TokenUsage usage) {
        reconcile(session, permit, usage.totalTokens());
    }

    /**
     * Gives a permit back without a usage report. A request that never reached the provider is
     * refunded entirely; one that reached it (timed out, interrupted after sending) keeps counting as a
     * request with its estimated tokens, since the provider counted it.
     *
     * @param session the session the permit was granted to
     * @param permit a permit returned by {@link #tryAcquire}
     * @param reachedProvider whether the request was sent to the provider
     */
    void cancel(SessionId session, long permit, boolean reachedProvider);

    /**
     * Calibrates the window with what the provider said in a response: when it says fewer requests or
     * tokens remain than the limiter thinks, the limiter believes it until the provider's reset time.
     * A retry-after pauses admission like {@link #onRateLimited}.
     *
     * @param feedback the response's rate-limit headers
     */
    void onFeedback(RateLimitFeedback feedback);

    /**
     * Reports a 429: calibrates like {@link #onFeedback} and pauses all admission until the
     * provider's retry-after (or a default pause when it sent none).
     *
     * @param feedback the refusal's rate-limit headers
     */
    void onRateLimited(RateLimitFeedback feedback);

    /**
     * A snapshot of the limiter's counters (the original's {@code getRequestStats()}); it visits every
     * session, so it is meant for a status page, not for the hot path.
     *
     * @return the stats
     */
    RateLimiterStats stats();
}
