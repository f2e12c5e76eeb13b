package dev.fairway.limiter.redis;

/**
 * Requests, tokens, input tokens and output tokens taken together: what a lease holds, what a call
 * returns, refunds or charges.
 */
record Amounts(long requests, long tokens, long input, long output) {

    static final Amounts ZERO = new Amounts(0, 0, 0, 0);

    boolean isZero() {
        return requests == 0 && tokens == 0 && input == 0 && output == 0;
    }

    /** Whether any part is above 0 (what a returned lease or a refund must have to be sent). */
    boolean anyPositive() {
        return requests > 0 || tokens > 0 || input > 0 || output > 0;
    }

    Amounts plus(Amounts other) {
        return new Amounts(requests + other.requests, tokens + other.tokens, input + other.input,
                output + other.output);
    }
}
