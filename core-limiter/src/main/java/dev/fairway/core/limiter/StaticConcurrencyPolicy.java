package dev.fairway.core.limiter;

import dev.fairway.api.limit.ConcurrencyLimiter.Outcome;

import java.time.Duration;

/**
 * The original's policy: a fixed limit (5), lowered to another (2) for a while after a 429. Not
 * thread-safe on its own: {@link BoundedConcurrencyLimiter} calls it under its lock.
 */
public final class StaticConcurrencyPolicy implements ConcurrencyPolicy {

    private final int normal;
    private final int rateLimited;
    private final long cooldownNanos;
    private boolean limited;
    private long limitedUntil;

    private StaticConcurrencyPolicy(Builder b) {
        this.normal = b.normal;
        this.rateLimited = b.rateLimited;
        this.cooldownNanos = b.cooldown.toNanos();
    }

    /**
     * The original's values: 5 normally, 2 for 60 s after a 429.
     *
     * @return the policy
     */
    public static StaticConcurrencyPolicy create() {
        return builder().build();
    }

    /**
     * @return a builder with the original's values
     */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public int maxLimit() {
        return Math.max(normal, rateLimited);
    }

    @Override
    public int limit(long nowNanos) {
        if (limited && nowNanos - limitedUntil >= 0) {
            limited = false;
        }
        return limited ? rateLimited : normal;
    }

    @Override
    public void onSample(long startNanos, long endNanos, int inFlightAtStart, Outcome outcome) {
        if (outcome == Outcome.RATE_LIMITED) {
            limited = true;
            limitedUntil = endNanos + cooldownNanos;
        }
    }

    /** Builds a {@link StaticConcurrencyPolicy}. */
    public static final class Builder {
        private int normal = 5;
        private int rateLimited = 2;
        private Duration cooldown = Duration.ofSeconds(60);

        private Builder() {
        }

        /**
         * @param value the limit while not rate limited, 1 to {@value BoundedConcurrencyLimiter#MAX_SLOTS} (default 5)
         * @return this builder
         */
        public Builder normal(int value) {
            normal = BoundedConcurrencyLimiter.checkLimit("normal", value);
            return this;
        }

        /**
         * @param value the limit after a 429, 1 to {@value BoundedConcurrencyLimiter#MAX_SLOTS} (default 2)
         * @return this builder
         */
        public Builder rateLimited(int value) {
            rateLimited = BoundedConcurrencyLimiter.checkLimit("rateLimited", value);
            return this;
        }

        /**
         * @param value how long the lower limit holds after the last 429 (default 60 s, one window)
         * @return this builder
         */
        public Builder cooldown(Duration value) {
            if (value == null || value.isNegative()) {
                throw new IllegalArgumentException("cooldown must be >= 0, was " + value);
            }
            cooldown = value;
            return this;
        }

        /**
         * @return the policy
         */
        public StaticConcurrencyPolicy build() {
            return new StaticConcurrencyPolicy(this);
        }
    }
}
