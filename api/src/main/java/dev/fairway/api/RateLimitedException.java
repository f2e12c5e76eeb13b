package dev.fairway.api;

import java.time.Duration;
import java.util.Optional;

/**
 * The provider refused the call because a rate limit was reached (HTTP 429 with a rate-limit
 * reason, not an exhausted quota). The request reached the provider; providers such as OpenAI count
 * refused requests against their per-minute limits, so Fairway's limiter keeps counting it.
 */
public final class RateLimitedException extends ProviderException {

    private static final long serialVersionUID = 1L;

    private final transient RateLimitFeedback feedback;

    /**
     * @param message what the provider said
     * @param feedback the rate-limit headers of the refusal, including retry-after when sent
     */
    public RateLimitedException(String message, RateLimitFeedback feedback) {
        super(message, null);
        this.feedback = feedback == null ? RateLimitFeedback.NONE : feedback;
    }

    /**
     * How long the provider asked us to wait, when it said.
     *
     * @return the wait
     */
    public Optional<Duration> retryAfter() {
        return feedback.retryAfter();
    }

    /**
     * The rate-limit feedback of the refusal.
     *
     * @return the feedback
     */
    public RateLimitFeedback feedback() {
        return feedback;
    }

    @Override
    public boolean retryable() {
        return true;
    }
}
