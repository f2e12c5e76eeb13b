package dev.fairway.core.limiter;

import dev.fairway.api.limit.RateLimiterStoreContext;
import dev.fairway.core.limiter.internal.PermitLayout;

import java.time.Duration;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * What every rate limiter store is configured with, whatever keeps its windows: the limits, the
 * fair-share policy, session expiry, the window's bucket width and the reaction to a 429. Immutable;
 * built by a store's builder, which extends {@link Builder} and so validates these options in one place.
 *
 * @param requestsPerMinute requests admitted in any 60 s window
 * @param tokensPerMinute tokens admitted in any 60 s window
 * @param inputTokensPerMinute input tokens in any 60 s window, 0 when not limited apart
 * @param outputTokensPerMinute output tokens in any 60 s window, 0 when not limited apart
 * @param policy how sessions share the limits
 * @param finalHeadroomPercent the part of each limit, and of each session's share, that partials leave
 *     free for finals, in percent (0: none)
 * @param idleTimeout how long a session that asks nothing stays registered
 * @param contentionTimeout how long after a refusal a session still contends under max-min
 * @param bucketWidth the width of the global window's buckets
 * @param maxRetryAfter the longest pause a retry-after imposes
 * @param backoffMin the first pause after a 429 without retry-after
 * @param backoffMax the longest such pause
 * @param random the source of the back-off's jitter
 */
public record RateLimiterSettings(long requestsPerMinute, long tokensPerMinute, long inputTokensPerMinute,
        long outputTokensPerMinute, FairSharePolicy policy, int finalHeadroomPercent, Duration idleTimeout,
        Duration contentionTimeout, Duration bucketWidth, Duration maxRetryAfter, Duration backoffMin,
        Duration backoffMax, RandomGenerator random) {

    /** The length of the sliding window. */
    public static final Duration WINDOW = Duration.ofMinutes(1);
    /** The fewest requests per minute a limiter accepts. */
    public static final int MIN_REQUESTS_PER_MINUTE = 1;
    /** The most requests per minute a limiter accepts: its windows count in ints. */
    public static final int MAX_REQUESTS_PER_MINUTE = Integer.MAX_VALUE;
    /** The fewest tokens per minute a limiter accepts (0 turns the input and output windows off). */
    public static final int MIN_TOKENS_PER_MINUTE = 1;
    /** The most tokens per minute, for the combined, the input and the output window alike. */
    public static final int MAX_TOKENS_PER_MINUTE = Integer.MAX_VALUE;
    /** The shortest idle time after which a session is forgotten: shorter would drop sessions between requests. */
    public static final Duration MIN_IDLE_TIMEOUT = Duration.ofSeconds(1);
    /** The longest idle time after which a session is forgotten: longer keeps gone sessions' shares a day. */
    public static final Duration MAX_IDLE_TIMEOUT = Duration.ofHours(24);

    /** The least headroom for finals: none, partials are admitted like finals. */
    public static final int MIN_FINAL_HEADROOM_PERCENT = 0;
    /** The most headroom for finals: partials keep at least a tenth of every limit and share. */
    public static final int MAX_FINAL_HEADROOM_PERCENT = 90;
    /** The default headroom for finals; the README of core-limiter says why. */
    public static final int DEFAULT_FINAL_HEADROOM_PERCENT = 20;

    /** Checks what a builder cannot leave wrong. */
    public RateLimiterSettings {
        if (policy == null || idleTimeout == null || contentionTimeout == null || bucketWidth == null
                || maxRetryAfter == null || backoffMin == null || backoffMax == null || random == null) {
            throw new IllegalArgumentException("every setting must be given");
        }
        checkFinalHeadroom(finalHeadroomPercent);
    }

    /**
     * What a partial may fill of a limit or a share: the limit less the headroom kept for finals
     * ({@code floor(limit * (100 - headroom) / 100)}, so the headroom is never rounded away).
     *
     * @param limit a window's limit or a session's share, >= 0
     * @return the partials' part of it
     */
    public long partialPart(long limit) {
        return limit * (100 - finalHeadroomPercent) / 100;
    }

    /**
     * Checks a headroom for finals.
     *
     * @param percent the headroom, in percent
     * @return the headroom
     * @throws IllegalArgumentException when it is outside {@link #MIN_FINAL_HEADROOM_PERCENT} to
     *     {@link #MAX_FINAL_HEADROOM_PERCENT}
     */
    public static int checkFinalHeadroom(int percent) {
        if (percent < MIN_FINAL_HEADROOM_PERCENT || percent > MAX_FINAL_HEADROOM_PERCENT) {
            throw new IllegalArgumentException("finalHeadroom must be " + MIN_FINAL_HEADROOM_PERCENT + " to "
                    + MAX_FINAL_HEADROOM_PERCENT + " percent, was " + percent);
        }
        return percent;
    }

    /**
     * Whether input or output tokens have windows of their own.
     *
     * @return {@code true} when either {@link #inputTokensPerMinute} or {@link #outputTokensPerMinute} is set
     */
    public boolean split() {
        return inputTokensPerMinute > 0 || outputTokensPerMinute > 0;
    }

    /**
     * Checks an estimate asked for without a split ({@code tryAcquire(session, tokens)}): 1 to the
     * tokens-per-minute limit and, with separate input and output windows, where the whole estimate
     * is reserved in each (as much of it as that window can ever hold), at most what a permit's part
     * holds and at most the larger of the two limits.
     *
     * @param estimatedTokens the estimate
     * @throws IllegalArgumentException when a store cannot admit it
     */
    public void checkEstimate(int estimatedTokens) {
        if (estimatedTokens <= 0 || estimatedTokens > tokensPerMinute) {
            throw new IllegalArgumentException("estimatedTokens must be 1 to the tokens-per-minute limit "
                    + tokensPerMinute + ", was " + estimatedTokens);
        }
        if (split()) {
            if (estimatedTokens > PermitLayout.PART_MAX) {
                throw new IllegalArgumentException("estimatedTokens must be at most " + PermitLayout.PART_MAX
                        + " with separate input and output budgets, was " + estimatedTokens);
            }
            if (Math.max(inputPart(estimatedTokens), outputPart(estimatedTokens)) != estimatedTokens) {
                throw new IllegalArgumentException("estimatedTokens must be at most the larger of the input and"
                        + " output tokens-per-minute limits, was " + estimatedTokens);
            }
        }
    }

    /**
     * The part of an estimate asked for without a split that the input window reserves.
     *
     * @param estimatedTokens the estimate, checked by {@link #checkEstimate(int)}
     * @return the estimate, at most the input limit
     */
    public int inputPart(int estimatedTokens) {
        return (int) Math.min(estimatedTokens, capOf(inputTokensPerMinute));
    }

    /**
     * The part of an estimate asked for without a split that the output window reserves.
     *
     * @param estimatedTokens the estimate, checked by {@link #checkEstimate(int)}
     * @return the estimate, at most the output limit
     */
    public int outputPart(int estimatedTokens) {
        return (int) Math.min(estimatedTokens, capOf(outputTokensPerMinute));
    }

    /**
     * Checks a split estimate ({@code tryAcquire(session, in, out)}) with separate input and output
     * windows: each part {@code >= 0} and at most its own limit and what a permit's part holds, their
     * sum 1 to the tokens-per-minute limit.
     *
     * @param estimatedInputTokens the input part
     * @param estimatedOutputTokens the output part
     * @throws IllegalArgumentException when a store cannot admit it
     */
    public void checkEstimate(int estimatedInputTokens, int estimatedOutputTokens) {
        long sum = (long) estimatedInputTokens + estimatedOutputTokens;
        if (estimatedInputTokens < 0 || estimatedOutputTokens < 0 || sum <= 0 || sum > tokensPerMinute
                || estimatedInputTokens > Math.min(PermitLayout.PART_MAX, capOf(inputTokensPerMinute))
                || estimatedOutputTokens > Math.min(PermitLayout.PART_MAX, capOf(outputTokensPerMinute))) {
            throw new IllegalArgumentException("estimated input and output tokens must be >= 0, each at most its"
                    + " own limit (input " + limitText(inputTokensPerMinute) + ", output "
                    + limitText(outputTokensPerMinute) + ", " + PermitLayout.PART_MAX + " at most), with a sum of 1"
                    + " to the tokens-per-minute limit " + tokensPerMinute + ", were " + estimatedInputTokens
                    + " and " + estimatedOutputTokens);
        }
    }

    private static long capOf(long limit) {
        return limit > 0 ? limit : PermitLayout.PART_MAX;
    }

    private static String limitText(long limit) {
        return limit > 0 ? Long.toString(limit) : "not limited apart";
    }

    /**
     * These settings with every limit divided by {@code parts} (at least 1 each): one node's local
     * share of limits that {@code parts} nodes share.
     *
     * @param parts the number of shares, >= 1
     * @return the share's settings
     */
    public RateLimiterSettings share(long parts) {
        if (parts < 1) {
            throw new IllegalArgumentException("parts must be >= 1, was " + parts);
        }
        return new RateLimiterSettings(Math.max(1, requestsPerMinute / parts), Math.max(1, tokensPerMinute / parts),
                inputTokensPerMinute == 0 ? 0 : Math.max(1, inputTokensPerMinute / parts),
                outputTokensPerMinute == 0 ? 0 : Math.max(1, outputTokensPerMinute / parts), policy,
                finalHeadroomPercent, idleTimeout, contentionTimeout, bucketWidth, maxRetryAfter, backoffMin,
                backoffMax, random);
    }

    /**
     * Checks an idle timeout.
     *
     * @param value the timeout
     * @return the timeout
     * @throws IllegalArgumentException when it is null or outside {@link #MIN_IDLE_TIMEOUT} to {@link #MAX_IDLE_TIMEOUT}
     */
    public static Duration checkIdleTimeout(Duration value) {
        if (value == null || value.compareTo(MIN_IDLE_TIMEOUT) < 0 || value.compareTo(MAX_IDLE_TIMEOUT) > 0) {
            throw new IllegalArgumentException("idleTimeout must be " + MIN_IDLE_TIMEOUT + " to " + MAX_IDLE_TIMEOUT
                    + ", was " + value);
        }
        return value;
    }

    /**
     * The options every store has, validated as they are set. A store's builder extends it, adds its
     * own options and checks the bucket widths its window can hold ({@link #checkBucketWidth}).
     *
     * @param <B> the store's builder
     */
    public abstract static class Builder<B extends Builder<B>> {
        private long requestsPerMinute = 4_500;
        private long tokensPerMinute = 1_800_000;
        private long inputTokensPerMinute;
        private long outputTokensPerMinute;
        private FairSharePolicy policy = FairSharePolicy.MAX_MIN;
        private int finalHeadroomPercent = DEFAULT_FINAL_HEADROOM_PERCENT;
        private Duration idleTimeout = Duration.ofMinutes(5);
        private Duration contentionTimeout = Duration.ofSeconds(5);
        private Duration bucketWidth = Duration.ofMillis(100);
        private Duration maxRetryAfter = RateLimitPause.DEFAULT_MAX_RETRY_AFTER;
        private Duration backoffMin = RateLimitPause.DEFAULT_BACKOFF_MIN;
        private Duration backoffMax = RateLimitPause.DEFAULT_BACKOFF_MAX;
        private RandomGenerator random;

        /** For subclasses. */
        protected Builder() {
        }

        /** @return this builder, as the store's type */
        @SuppressWarnings("unchecked")
        private B self() {
            return (B) this;
        }

        /**
         * Every option of these settings, as a store's builder starting from another store's settings.
         *
         * @param value the settings
         * @return this builder
         */
        public B settings(RateLimiterSettings value) {
            requestsPerMinute(value.requestsPerMinute());
            tokensPerMinute(value.tokensPerMinute());
            inputTokensPerMinute(value.inputTokensPerMinute());
            outputTokensPerMinute(value.outputTokensPerMinute());
            policy(value.policy());
            finalHeadroom(value.finalHeadroomPercent());
            idleTimeout(value.idleTimeout());
            contentionTimeout(value.contentionTimeout());
            bucketWidth(value.bucketWidth());
            maxRetryAfter(value.maxRetryAfter());
            backoff(value.backoffMin(), value.backoffMax());
            return random(value.random());
        }

        /**
         * The options every store reads from the application's configuration: {@code fairway.limiter.rpm},
         * {@code .tpm}, {@code .input-tpm}, {@code .output-tpm}, {@code .policy}, {@code .final-headroom},
         * {@code .max-retry-after} and {@code fairway.session.idle-timeout}.
         *
         * @param context the store's context
         * @return this builder
         */
        public B configure(RateLimiterStoreContext context) {
            context.apply("fairway.limiter.rpm", Integer.class, v -> requestsPerMinute(v));
            context.apply("fairway.limiter.tpm", Integer.class, v -> tokensPerMinute(v));
            context.apply("fairway.limiter.input-tpm", Integer.class, v -> inputTokensPerMinute(v));
            context.apply("fairway.limiter.output-tpm", Integer.class, v -> outputTokensPerMinute(v));
            context.apply("fairway.limiter.max-retry-after", Duration.class, this::maxRetryAfter);
            context.apply("fairway.session.idle-timeout", Duration.class, this::idleTimeout);
            context.apply("fairway.limiter.policy", String.class, v -> policy(FairSharePolicy.ofConfigName(v)));
            context.apply("fairway.limiter.final-headroom", Integer.class, v -> finalHeadroom(v));
            return self();
        }

        /**
         * @param value requests admitted in any 60 s window, 1 to {@link #MAX_REQUESTS_PER_MINUTE} (default 4,500)
         * @return this builder
         */
        public B requestsPerMinute(long value) {
            requestsPerMinute = limit("requestsPerMinute", value, MAX_REQUESTS_PER_MINUTE);
            return self();
        }

        /**
         * @param value tokens admitted in any 60 s window, 1 to {@link #MAX_TOKENS_PER_MINUTE} (default 1,800,000)
         * @return this builder
         */
        public B tokensPerMinute(long value) {
            tokensPerMinute = limit("tokensPerMinute", value, MAX_TOKENS_PER_MINUTE);
            return self();
        }

        /**
         * Sets both limits to the provider's limits less a safety margin, rounded down: the defaults
         * are {@code providerLimits(5_000, 2_000_000, 10)}.
         *
         * @param providerRequestsPerMinute the provider's requests per minute
         * @param providerTokensPerMinute the provider's tokens per minute
         * @param marginPercent the share kept unused, 0 to 99
         * @return this builder
         */
        public B providerLimits(long providerRequestsPerMinute, long providerTokensPerMinute, int marginPercent) {
            if (marginPercent < 0 || marginPercent > 99) {
                throw new IllegalArgumentException("marginPercent must be 0 to 99, was " + marginPercent);
            }
            limit("providerRequestsPerMinute", providerRequestsPerMinute, MAX_REQUESTS_PER_MINUTE);
            limit("providerTokensPerMinute", providerTokensPerMinute, MAX_TOKENS_PER_MINUTE);
            requestsPerMinute(Math.max(1, providerRequestsPerMinute * (100 - marginPercent) / 100));
            return tokensPerMinute(Math.max(1, providerTokensPerMinute * (100 - marginPercent) / 100));
        }

        /**
         * Input (prompt) tokens admitted in any 60 s window, for a provider that limits them apart from
         * output tokens (Anthropic); calibrated from the feedback's input-token fields.
         *
         * @param value 0 (default: not limited apart) to {@link #MAX_TOKENS_PER_MINUTE}
         * @return this builder
         */
        public B inputTokensPerMinute(long value) {
            inputTokensPerMinute = value == 0 ? 0 : limit("inputTokensPerMinute", value, MAX_TOKENS_PER_MINUTE);
            return self();
        }

        /**
         * Output (completion) tokens admitted in any 60 s window, for a provider that limits them apart
         * from input tokens (Anthropic); calibrated from the feedback's output-token fields.
         *
         * @param value 0 (default: not limited apart) to {@link #MAX_TOKENS_PER_MINUTE}
         * @return this builder
         */
        public B outputTokensPerMinute(long value) {
            outputTokensPerMinute = value == 0 ? 0 : limit("outputTokensPerMinute", value, MAX_TOKENS_PER_MINUTE);
            return self();
        }

        /**
         * @param value how the budget is divided between sessions (default {@link FairSharePolicy#MAX_MIN})
         * @return this builder
         */
        public B policy(FairSharePolicy value) {
            if (value == null) {
                throw new IllegalArgumentException("policy must not be null");
            }
            policy = value;
            return self();
        }

        /**
         * The part of every limit, and of every session's share, that partials leave free for finals
         * (default {@link #DEFAULT_FINAL_HEADROOM_PERCENT}): a partial is admitted only if, after it,
         * the window holds at most {@code (100 - percent)%} of each limit and, where the policy caps
         * the session, its usage is at most {@code (100 - percent)%} of its share; a final may use all of
         * both. So a session's final does not wait for its own partials' usage to slide out of the
         * window. 0 turns it off: partials are admitted like finals.
         *
         * @param percent {@link #MIN_FINAL_HEADROOM_PERCENT} to {@link #MAX_FINAL_HEADROOM_PERCENT}
         * @return this builder
         */
        public B finalHeadroom(int percent) {
            finalHeadroomPercent = checkFinalHeadroom(percent);
            return self();
        }

        /**
         * @param value how long a session that asks for nothing stays registered (default 5 minutes),
         *     {@link #MIN_IDLE_TIMEOUT} to {@link #MAX_IDLE_TIMEOUT}
         * @return this builder
         */
        public B idleTimeout(Duration value) {
            idleTimeout = checkIdleTimeout(value);
            return self();
        }

        /**
         * How long after its last refusal (and the wait it was told) a session still counts as
         * contending under {@link FairSharePolicy#MAX_MIN} (default 5 s). Shorter hands a quiet
         * session's share to the others sooner; longer keeps shares steadier.
         *
         * @param value the time, > 0
         * @return this builder
         */
        public B contentionTimeout(Duration value) {
            contentionTimeout = positive("contentionTimeout", value);
            return self();
        }

        /**
         * The width of the global window's buckets: usage is held at most this much longer than a
         * minute (default 100 ms). Each store says which widths its window can hold.
         *
         * @param value the width
         * @return this builder
         */
        public B bucketWidth(Duration value) {
            checkBucketWidth(value);
            bucketWidth = value;
            return self();
        }

        /**
         * Refuses a bucket width the store's window cannot hold.
         *
         * @param value the width, maybe null
         * @throws IllegalArgumentException when the store cannot use it
         */
        protected abstract void checkBucketWidth(Duration value);

        /**
         * The longest pause a provider's retry-after can impose (default 60 s, as the official SDKs cap it).
         *
         * @param value the cap, {@link RateLimitPause#MIN_MAX_RETRY_AFTER} to {@link RateLimitPause#MAX_MAX_RETRY_AFTER}
         * @return this builder
         */
        public B maxRetryAfter(Duration value) {
            maxRetryAfter = RateLimitPause.checkMaxRetryAfter(value);
            return self();
        }

        /**
         * The pause after a 429 without retry-after: {@code min} after the first, doubling per
         * consecutive 429 up to {@code max}, each less up to a quarter at random (default 500 ms, 8 s).
         *
         * @param min the first pause, > 0
         * @param max the longest pause, >= min
         * @return this builder
         */
        public B backoff(Duration min, Duration max) {
            RateLimitPause.checkBackoff(min, max);
            backoffMin = min;
            backoffMax = max;
            return self();
        }

        /**
         * @param value the source of the back-off's jitter, used under the limiter's lock (default a new
         *     {@link SplittableRandom}); tests give a seeded one
         * @return this builder
         */
        public B random(RandomGenerator value) {
            if (value == null) {
                throw new IllegalArgumentException("random must not be null");
            }
            random = value;
            return self();
        }

        /**
         * The settings as set so far (a store's constructor reads them once).
         *
         * @return the settings
         */
        public RateLimiterSettings toSettings() {
            return new RateLimiterSettings(requestsPerMinute, tokensPerMinute, inputTokensPerMinute,
                    outputTokensPerMinute, policy, finalHeadroomPercent, idleTimeout, contentionTimeout, bucketWidth,
                    maxRetryAfter, backoffMin, backoffMax, random != null ? random : new SplittableRandom());
        }

        private static long limit(String field, long value, int max) {
            // MIN_REQUESTS_PER_MINUTE and MIN_TOKENS_PER_MINUTE are both 1.
            if (value < MIN_TOKENS_PER_MINUTE || value > max) {
                throw new IllegalArgumentException(field + " must be " + MIN_TOKENS_PER_MINUTE + " to " + max
                        + ", was " + value);
            }
            return value;
        }

        /**
         * Checks a positive duration, for the stores' own options too.
         *
         * @param field the option's name, for the message
         * @param value the duration
         * @return the duration
         * @throws IllegalArgumentException when it is null, zero or negative
         */
        protected static Duration positive(String field, Duration value) {
            if (value == null || value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(field + " must be positive, was " + value);
            }
            return value;
        }
    }
}
