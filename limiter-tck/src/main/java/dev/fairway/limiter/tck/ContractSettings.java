package dev.fairway.limiter.tck;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * What a case of {@link RateLimiterContract} asks of the store's limiter; everything else stays at the
 * store's defaults. Immutable: the {@code with} methods return a copy.
 *
 * @param requestsPerMinute requests admitted in any 60 s window (default 4,500)
 * @param tokensPerMinute tokens admitted in any 60 s window (default 1,800,000)
 * @param inputTokensPerMinute input tokens, 0 (default) when not limited apart
 * @param outputTokensPerMinute output tokens, 0 (default) when not limited apart
 * @param policy how sessions share the limits (default max-min)
 * @param maxRetryAfter the longest pause a retry-after imposes (default 60 s)
 * @param random the back-off's jitter (default none: pauses are exact)
 * @param finalHeadroomPercent the part of every limit and share that partials leave free for finals
 *     ({@code fairway.limiter.final-headroom}), in percent (default 0: partials are admitted like finals;
 *     the cases about finals first set it)
 */
public record ContractSettings(long requestsPerMinute, long tokensPerMinute, long inputTokensPerMinute,
        long outputTokensPerMinute, Policy policy, Duration maxRetryAfter, RandomGenerator random,
        int finalHeadroomPercent) {

    /** The defaults, without jitter and without headroom for finals. */
    public static final ContractSettings DEFAULTS = new ContractSettings(4_500, 1_800_000, 0, 0, Policy.MAX_MIN,
            Duration.ofSeconds(60), () -> 0L, 0);

    /** The fair-share policies a store offers, by their configuration names. */
    public enum Policy {
        /** {@code max-min}: work-conserving fair share. */
        MAX_MIN("max-min"),
        /** {@code static-split}: the original's limit / active sessions. */
        STATIC_SPLIT("static-split"),
        /** {@code none}: arrival order, the negative control of fairness. */
        NONE("none");

        private final String configName;

        Policy(String configName) {
            this.configName = configName;
        }

        /**
         * The value of {@code fairway.limiter.policy}.
         *
         * @return the name
         */
        public String configName() {
            return configName;
        }
    }

    /**
     * @param value requests per minute
     * @return a copy
     */
    public ContractSettings requestsPerMinute(long value) {
        return new ContractSettings(value, tokensPerMinute, inputTokensPerMinute, outputTokensPerMinute, policy,
                maxRetryAfter, random, finalHeadroomPercent);
    }

    /**
     * @param value tokens per minute
     * @return a copy
     */
    public ContractSettings tokensPerMinute(long value) {
        return new ContractSettings(requestsPerMinute, value, inputTokensPerMinute, outputTokensPerMinute, policy,
                maxRetryAfter, random, finalHeadroomPercent);
    }

    /**
     * @param value input tokens per minute
     * @return a copy
     */
    public ContractSettings inputTokensPerMinute(long value) {
        return new ContractSettings(requestsPerMinute, tokensPerMinute, value, outputTokensPerMinute, policy,
                maxRetryAfter, random, finalHeadroomPercent);
    }

    /**
     * @param value output tokens per minute
     * @return a copy
     */
    public ContractSettings outputTokensPerMinute(long value) {
        return new ContractSettings(requestsPerMinute, tokensPerMinute, inputTokensPerMinute, value, policy,
                maxRetryAfter, random, finalHeadroomPercent);
    }

    /**
     * @param value the policy
     * @return a copy
     */
    public ContractSettings policy(Policy value) {
        return new ContractSettings(requestsPerMinute, tokensPerMinute, inputTokensPerMinute, outputTokensPerMinute,
                value, maxRetryAfter, random, finalHeadroomPercent);
    }

    /**
     * @param value the retry-after cap
     * @return a copy
     */
    public ContractSettings maxRetryAfter(Duration value) {
        return new ContractSettings(requestsPerMinute, tokensPerMinute, inputTokensPerMinute, outputTokensPerMinute,
                policy, value, random, finalHeadroomPercent);
    }

    /**
     * @param percent the headroom for finals, in percent
     * @return a copy
     */
    public ContractSettings finalHeadroomPercent(int percent) {
        return new ContractSettings(requestsPerMinute, tokensPerMinute, inputTokensPerMinute, outputTokensPerMinute,
                policy, maxRetryAfter, random, percent);
    }
}
