package dev.fairway.api;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What a provider said about its rate limits in one response, read from headers such as OpenAI's
 * {@code x-ratelimit-limit-requests}, {@code x-ratelimit-remaining-tokens},
 * {@code x-ratelimit-reset-requests} and {@code Retry-After}. Every field is optional: providers
 * differ in what they send. The limiter uses it to calibrate its windows ("if the provider says
 * fewer remain than we think, believe the provider").
 *
 * @param requestLimit requests allowed per window
 * @param requestsRemaining requests left in the current window
 * @param requestsReset time until the request window is full again
 * @param tokenLimit tokens allowed per window
 * @param tokensRemaining tokens left in the current window
 * @param tokensReset time until the token window is full again
 * @param inputTokenLimit input (prompt) tokens allowed per window, where the provider limits input
 *     and output tokens separately (Anthropic's {@code anthropic-ratelimit-input-tokens-*})
 * @param inputTokensRemaining input tokens left in the current window
 * @param inputTokensReset time until the input-token window is full again
 * @param outputTokenLimit output (completion) tokens allowed per window, where limited separately
 * @param outputTokensRemaining output tokens left in the current window
 * @param outputTokensReset time until the output-token window is full again
 * @param retryAfter how long the provider asked us to wait before the next request (on a 429)
 */
public record RateLimitFeedback(
        OptionalLong requestLimit,
        OptionalLong requestsRemaining,
        Optional<Duration> requestsReset,
        OptionalLong tokenLimit,
        OptionalLong tokensRemaining,
        Optional<Duration> tokensReset,
        OptionalLong inputTokenLimit,
        OptionalLong inputTokensRemaining,
        Optional<Duration> inputTokensReset,
        OptionalLong outputTokenLimit,
        OptionalLong outputTokensRemaining,
        Optional<Duration> outputTokensReset,
        Optional<Duration> retryAfter) {

    /** Feedback that says nothing. */
    public static final RateLimitFeedback NONE = builder().build();

    /** Validates that no count or duration is negative. */
    public RateLimitFeedback {
        requestLimit = nonNegative("requestLimit", requestLimit);
        requestsRemaining = nonNegative("requestsRemaining", requestsRemaining);
        requestsReset = nonNegative("requestsReset", requestsReset);
        tokenLimit = nonNegative("tokenLimit", tokenLimit);
        tokensRemaining = nonNegative("tokensRemaining", tokensRemaining);
        tokensReset = nonNegative("tokensReset", tokensReset);
        inputTokenLimit = nonNegative("inputTokenLimit", inputTokenLimit);
        inputTokensRemaining = nonNegative("inputTokensRemaining", inputTokensRemaining);
        inputTokensReset = nonNegative("inputTokensReset", inputTokensReset);
        outputTokenLimit = nonNegative("outputTokenLimit", outputTokenLimit);
        outputTokensRemaining = nonNegative("outputTokensRemaining", outputTokensRemaining);
        outputTokensReset = nonNegative("outputTokensReset", outputTokensReset);
        retryAfter = nonNegative("retryAfter", retryAfter);
    }

    /**
     * Whether any field is present.
     *
     * @return {@code false} for {@link #NONE}
     */
    public boolean isPresent() {
        return requestLimit.isPresent() || requestsRemaining.isPresent() || requestsReset.isPresent()
                || tokenLimit.isPresent() || tokensRemaining.isPresent() || tokensReset.isPresent()
                || inputTokenLimit.isPresent() || inputTokensRemaining.isPresent() || inputTokensReset.isPresent()
                || outputTokenLimit.isPresent() || outputTokensRemaining.isPresent()
                || outputTokensReset.isPresent() || retryAfter.isPresent();
    }

    /**
     * A builder with every field absent.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    private static OptionalLong nonNegative(String field, OptionalLong value) {
        Checks.notNull(field, value);
        if (value.isPresent()) {
            Checks.notNegative(field, value.getAsLong());
        }
        return value;
    }

    private static Optional<Duration> nonNegative(String field, Optional<Duration> value) {
        Checks.notNull(field, value);
        if (value.isPresent() && value.get().isNegative()) {
            throw new IllegalArgumentException(field + " must not be negative, was " + value.get());
        }
        return value;
    }

    /** Builds {@link RateLimitFeedback}; unset fields stay absent. */
    public static final class Builder {
        private OptionalLong requestLimit = OptionalLong.empty();
        private OptionalLong requestsRemaining = OptionalLong.empty();
        private Optional<Duration> requestsReset = Optional.empty();
        private OptionalLong tokenLimit = OptionalLong.empty();
        private OptionalLong tokensRemaining = OptionalLong.empty();
        private Optional<Duration> tokensReset = Optional.empty();
        private OptionalLong inputTokenLimit = OptionalLong.empty();
        private OptionalLong inputTokensRemaining = OptionalLong.empty();
        private Optional<Duration> inputTokensReset = Optional.empty();
        private OptionalLong outputTokenLimit = OptionalLong.empty();
        private OptionalLong outputTokensRemaining = OptionalLong.empty();
        private Optional<Duration> outputTokensReset = Optional.empty();
        private Optional<Duration> retryAfter = Optional.empty();

        private Builder() {
        }

        /**
         * @param value requests allowed per window
         * @return this builder
         */
        public Builder requestLimit(long value) {
            requestLimit = OptionalLong.of(value);
            return this;
        }

        /**
         * @param value requests left in the window
         * @return this builder
         */
        public Builder requestsRemaining(long value) {
            requestsRemaining = OptionalLong.of(value);
            return this;
        }

        /**
         * @param value time until the request window is full again
         * @return this builder
         */
        public Builder requestsReset(Duration value) {
            requestsReset = Optional.of(value);
            return this;
        }

        /**
         * @param value tokens allowed per window
         * @return this builder
         */
        public Builder tokenLimit(long value) {
            tokenLimit = OptionalLong.of(value);
            return this;
        }

        /**
         * @param value tokens left in the window
         * @return this builder
         */
        public Builder tokensRemaining(long value) {
            tokensRemaining = OptionalLong.of(value);
            return this;
        }

        /**
         * @param value time until the token window is full again
         * @return this builder
         */
        public Builder tokensReset(Duration value) {
            tokensReset = Optional.of(value);
            return this;
        }

        /**
         * @param value input tokens allowed per window
         * @return this builder
         */
        public Builder inputTokenLimit(long value) {
            inputTokenLimit = OptionalLong.of(value);
            return this;
        }

        /**
         * @param value input tokens left in the window
         * @return this builder
         */
        public Builder inputTokensRemaining(long value) {
            inputTokensRemaining = OptionalLong.of(value);
            return this;
        }

        /**
         * @param value time until the input-token window is full again
         * @return this builder
         */
        public Builder inputTokensReset(Duration value) {
            inputTokensReset = Optional.of(value);
            return this;
        }

        /**
         * @param value output tokens allowed per window
         * @return this builder
         */
        public Builder outputTokenLimit(long value) {
            outputTokenLimit = OptionalLong.of(value);
            return this;
        }

        /**
         * @param value output tokens left in the window
         * @return this builder
         */
        public Builder outputTokensRemaining(long value) {
            outputTokensRemaining = OptionalLong.of(value);
            return this;
        }

        /**
         * @param value time until the output-token window is full again
         * @return this builder
         */
        public Builder outputTokensReset(Duration value) {
            outputTokensReset = Optional.of(value);
            return this;
        }

        /**
         * @param value how long the provider asked us to wait
         * @return this builder
         */
        public Builder retryAfter(Duration value) {
            retryAfter = Optional.of(value);
            return this;
        }

        /**
         * @return the feedback
         */
        public RateLimitFeedback build() {
            return new RateLimitFeedback(requestLimit, requestsRemaining, requestsReset, tokenLimit,
                    tokensRemaining, tokensReset, inputTokenLimit, inputTokensRemaining, inputTokensReset,
                    outputTokenLimit, outputTokensRemaining, outputTokensReset, retryAfter);
        }
    }
}
