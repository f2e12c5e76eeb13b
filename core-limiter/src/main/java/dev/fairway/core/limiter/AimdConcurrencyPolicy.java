package dev.fairway.core.limiter;

import dev.fairway.api.limit.ConcurrencyLimiter.Outcome;

/**
 * Additive increase, multiplicative decrease (the default). After as many clean responses as the
 * current limit, from requests that started while at least half the limit was in use, the limit
 * grows by one; a 429 multiplies it by {@code backoffPercent / 100}, at most once per congestion
 * event (429s of requests that started before the last decrease are the same event). The limit stays
 * between a floor and a ceiling. With {@link Builder#slowStart(boolean) slow start} the limit doubles
 * instead of growing by one until the first 429, as TCP does, so a busy node reaches the concurrency it
 * needs in a few round trips instead of hundreds. Integer arithmetic only. Not thread-safe on its own:
 * {@link BoundedConcurrencyLimiter} calls it under its lock.
 */
public final class AimdConcurrencyPolicy implements ConcurrencyPolicy {

    private final int floor;
    private final int ceiling;
    private final int backoffPercent;
    private final boolean slowStart;
    private int limit;
    private int cleanSinceIncrease;
    private boolean decreased;
    private long lastDecrease;

    private AimdConcurrencyPolicy(Builder b) {
        if (b.floor > b.ceiling) {
            throw new IllegalArgumentException("floor must be <= ceiling, was " + b.floor + " > " + b.ceiling);
        }
        if (b.initial < b.floor || b.initial > b.ceiling) {
            throw new IllegalArgumentException("initial must be from floor " + b.floor + " to ceiling " + b.ceiling
                    + ", was " + b.initial);
        }
        this.floor = b.floor;
        this.ceiling = b.ceiling;
        this.backoffPercent = b.backoffPercent;
        this.slowStart = b.slowStart;
        this.limit = b.initial;
    }

    /**
     * The defaults: start at 5 (the original's limit), floor 2 (its rate-limited limit), ceiling 64,
     * halve on a 429.
     *
     * @return the policy
     */
    public static AimdConcurrencyPolicy create() {
        return builder().build();
    }

    /**
     * @return a builder with the defaults
     */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public int maxLimit() {
        return ceiling;
    }

    @Override
    public int limit(long nowNanos) {
        return limit;
    }

    @Override
    public void onSample(long startNanos, long endNanos, int inFlightAtStart, Outcome outcome) {
        switch (outcome) {
            case SUCCESS -> {
                // Only a limit that was actually in use is evidence that it can grow.
                if (2 * inFlightAtStart >= limit && ++cleanSinceIncrease >= limit) {
                    cleanSinceIncrease = 0;
                    // Slow start doubles until the first 429 (the first congestion event); then additive.
                    limit = slowStart && !decreased
                            ? (int) Math.min(ceiling, 2L * limit)
                            : Math.min(ceiling, limit + 1);
                }
            }
            case RATE_LIMITED -> {
                if (decreased && startNanos - lastDecrease < 0) {
                    return;
                }
                decreased = true;
                lastDecrease = endNanos;
                cleanSinceIncrease = 0;
                limit = Math.max(floor, limit * backoffPercent / 100);
            }
            default -> {
                // No signal.
            }
        }
    }

    /** Builds an {@link AimdConcurrencyPolicy}. */
    public static final class Builder {
        private int initial = 5;
        private int floor = 2;
        private int ceiling = 64;
        private int backoffPercent = 50;
        private boolean slowStart;

        private Builder() {
        }

        /**
         * @param value the starting limit (default 5)
         * @return this builder
         */
        public Builder initial(int value) {
            initial = BoundedConcurrencyLimiter.checkLimit("initial", value);
            return this;
        }

        /**
         * @param value the lowest limit (default 2)
         * @return this builder
         */
        public Builder floor(int value) {
            floor = BoundedConcurrencyLimiter.checkLimit("floor", value);
            return this;
        }

        /**
         * @param value the highest limit (default 64)
         * @return this builder
         */
        public Builder ceiling(int value) {
            ceiling = BoundedConcurrencyLimiter.checkLimit("ceiling", value);
            return this;
        }

        /**
         * @param value the percentage of the limit kept after a 429, 1 to 99 (default 50)
         * @return this builder
         */
        public Builder backoffPercent(int value) {
            if (value < 1 || value > 99) {
                throw new IllegalArgumentException("backoffPercent must be 1 to 99, was " + value);
            }
            backoffPercent = value;
            return this;
        }

        /**
         * @param value whether the limit doubles (instead of growing by one) until the first 429
         *     (default false)
         * @return this builder
         */
        public Builder slowStart(boolean value) {
            slowStart = value;
            return this;
        }

        /**
         * @return the policy
         * @throws IllegalArgumentException when floor, initial and ceiling are out of order
         */
        public AimdConcurrencyPolicy build() {
            return new AimdConcurrencyPolicy(this);
        }
    }
}
