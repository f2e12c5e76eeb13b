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
     * Asks for a permit with the estimate split into input (prompt) and output (completion) tokens, for
     * limiters that hold separate input- and output-token budgets (providers such as Anthropic limit
     * them apart). The sum is reserved against the combined tokens-per-minute budget as well. The
     * default reserves the sum with {@link #tryAcquire(SessionId, int)}.
     *
     * @param session the session the request belongs to
     * @param estimatedInputTokens input tokens to reserve, >= 0
     * @param estimatedOutputTokens output tokens to reserve, >= 0; the sum is > 0 and at most the
     *     tokens-per-minute limit
     * @return a permit ({@code >= 0}) or a refusal carrying the wait ({@code < 0}); see {@link Permits}
     * @throws IllegalArgumentException when an estimate is out of range
     */
    default long tryAcquire(SessionId session, int estimatedInputTokens, int estimatedOutputTokens) {
        return tryAcquire(session, sumOfEstimates(estimatedInputTokens, estimatedOutputTokens));
    }

    /**
     * The sum of an estimate split into input and output tokens, checked.
     *
     * @param estimatedInputTokens input tokens, >= 0
     * @param estimatedOutputTokens output tokens, >= 0
     * @return their sum
     * @throws IllegalArgumentException when a part is negative or the sum is over {@link Integer#MAX_VALUE}
     */
    static int sumOfEstimates(int estimatedInputTokens, int estimatedOutputTokens) {
        if (estimatedInputTokens < 0 || estimatedOutputTokens < 0
                || (long) estimatedInputTokens + estimatedOutputTokens > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("estimated input and output tokens must be >= 0 with a sum of at most "
                    + Integer.MAX_VALUE + ", were " + estimatedInputTokens + " and " + estimatedOutputTokens);
        }
        return estimatedInputTokens + estimatedOutputTokens;
    }

    /**
     * Asks for a permit for a partial: as {@link #tryAcquire(SessionId, int)}, except that a limiter that keeps
     * headroom for finals admits a partial only within what the session's share leaves beyond that headroom, so
     * that a session's final never waits for its own partials' usage to slide out of the window. The default
     * keeps no headroom.
     *
     * @param session the session the request belongs to
     * @param estimatedTokens tokens to reserve, > 0 and at most the tokens-per-minute limit
     * @return a permit ({@code >= 0}) or a refusal carrying the wait ({@code < 0}); see {@link Permits}
     * @throws IllegalArgumentException when {@code estimatedTokens} is out of range
     */
    default long tryAcquirePartial(SessionId session, int estimatedTokens) {
        return tryAcquire(session, estimatedTokens);
    }

    /**
     * {@link #tryAcquirePartial(SessionId, int)} with the estimate split into input and output tokens, as
     * {@link #tryAcquire(SessionId, int, int)}.
     *
     * @param session the session the request belongs to
     * @param estimatedInputTokens input tokens to reserve, >= 0
     * @param estimatedOutputTokens output tokens to reserve, >= 0
     * @return a permit ({@code >= 0}) or a refusal carrying the wait ({@code < 0}); see {@link Permits}
     * @throws IllegalArgumentException when an estimate is out of range
     */
    default long tryAcquirePartial(SessionId session, int estimatedInputTokens, int estimatedOutputTokens) {
        return tryAcquire(session, estimatedInputTokens, estimatedOutputTokens);
    }

    /**
     * Moves tokens charged under a permit from the session that holds it to another session: a batch call's
     * permit reserves every segment's tokens for the session that pays its request, and each other session of
     * the batch is then charged its own segments' tokens. The window's totals do not change; only the
     * sessions' usage for fair share does. The default does nothing (every token stays with the permit's
     * session), which keeps the global limits right.
     *
     * @param from the session the permit was granted to
     * @param permit a permit returned by {@link #tryAcquire}, already reconciled
     * @param to the session the tokens belong to
     * @param tokens how many, >= 0
     */
    default void transfer(SessionId from, long permit, SessionId to, int tokens) {
    }

    /**
     * Replaces a permit's token estimate with the provider's reported usage: the difference is refunded
     * or charged to the window the permit was charged to (nothing happens once that has slid out).
     * A usage of 0 is not trusted as a refund (the provider reported nothing, or nothing for an answer):
     * the estimate stays charged.
     *
     * @param session the session the permit was granted to
     * @param permit a permit returned by {@link #tryAcquire}
     * @param actualTokens the tokens the provider charged, >= 0
     */
    void reconcile(SessionId session, long permit, int actualTokens);

    /**
     * {@link #reconcile(SessionId, long, int)} with the usage's total; a limiter with separate input-
     * and output-token budgets reconciles them with the prompt and completion tokens (a part reported
     * as 0 keeps its estimate).
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
     * Calibrates the window with what the provider said in a response: when the provider's count says
     * less is left than the limiter thinks (keeping the limiter's own safety margin below the provider's
     * limit), the limiter believes it until the provider's reset time. Reset times only place that
     * calibration in the window; they never pause admission. A retry-after pauses admission like
     * {@link #onRateLimited}, up to the limiter's cap.
     *
     * @param feedback the response's rate-limit headers
     */
    void onFeedback(RateLimitFeedback feedback);

    /**
     * Reports a 429: calibrates like {@link #onFeedback} and pauses all admission for the provider's
     * retry-after, capped, or, when it sent none, for an exponential back-off with jitter that grows
     * with consecutive 429s and starts again after a success.
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
