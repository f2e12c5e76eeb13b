package dev.fairway.core.limiter;

import java.time.Duration;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * How long a provider's 429 pauses admission: its retry-after, at most a cap (the official OpenAI and
 * Anthropic SDKs cap it at 60 s), or, when it sent none, an exponential back-off with jitter: the
 * minimum after the first 429, doubling with each consecutive one up to the maximum, each less up to
 * a quarter at random (as those SDKs do), so that retries spread out. Reset headers play no part: they
 * say when a window is full again, not how long to wait.
 *
 * <p>Not thread-safe (the random source): the limiters call it under their lock.
 */
public final class RateLimitPause {

    /** The default cap of a retry-after. */
    public static final Duration DEFAULT_MAX_RETRY_AFTER = Duration.ofSeconds(60);
    /** The default first back-off. */
    public static final Duration DEFAULT_BACKOFF_MIN = Duration.ofMillis(500);
    /** The default longest back-off. */
    public static final Duration DEFAULT_BACKOFF_MAX = Duration.ofSeconds(8);
    /** The shortest cap of a retry-after the limiters accept. */
    public static final Duration MIN_MAX_RETRY_AFTER = Duration.ofMillis(1);
    /** The longest cap of a retry-after the limiters accept: longer would stall admission past any use. */
    public static final Duration MAX_MAX_RETRY_AFTER = Duration.ofHours(1);

    private final long maxRetryAfterNanos;
    private final long backoffMinNanos;
    private final long backoffMaxNanos;
    private final RandomGenerator random;

    private RateLimitPause(Duration maxRetryAfter, Duration backoffMin, Duration backoffMax, RandomGenerator random) {
        this.maxRetryAfterNanos = maxRetryAfter.toNanos();
        this.backoffMinNanos = backoffMin.toNanos();
        this.backoffMaxNanos = backoffMax.toNanos();
        this.random = random;
    }

    /**
     * A pause policy.
     *
     * @param maxRetryAfter the longest pause a retry-after can impose, {@link #MIN_MAX_RETRY_AFTER} to
     *     {@link #MAX_MAX_RETRY_AFTER}
     * @param backoffMin the back-off after the first 429 without a retry-after, > 0
     * @param backoffMax the longest back-off, >= the first
     * @param random the jitter's source
     * @return the policy
     * @throws IllegalArgumentException when a duration is out of range or an argument is null
     */
    public static RateLimitPause create(Duration maxRetryAfter, Duration backoffMin, Duration backoffMax,
            RandomGenerator random) {
        checkMaxRetryAfter(maxRetryAfter);
        checkBackoff(backoffMin, backoffMax);
        if (random == null) {
            throw new IllegalArgumentException("random must not be null");
        }
        return new RateLimitPause(maxRetryAfter, backoffMin, backoffMax, random);
    }

    /**
     * The pause for a provider's answer.
     *
     * @param retryAfter the retry-after it sent, if any
     * @param rateLimited whether it was a 429
     * @param rateLimitsInARow consecutive 429s including this one, >= 1 when {@code rateLimited}
     * @return the pause in nanoseconds, or -1 for none (an answer that is not a 429 and has no retry-after)
     */
    public long pauseNanos(Optional<Duration> retryAfter, boolean rateLimited, int rateLimitsInARow) {
        if (retryAfter.isPresent()) {
            return Math.min(cappedNanos(retryAfter.get()), maxRetryAfterNanos);
        }
        return rateLimited ? backoffNanos(rateLimitsInARow) : -1;
    }

    /**
     * The back-off after the {@code inARow}-th consecutive 429 without a retry-after.
     *
     * @param inARow consecutive 429s, >= 1
     * @return between three quarters of {@code min(backoffMin * 2^(inARow - 1), backoffMax)} and all of it,
     *     in nanoseconds
     */
    public long backoffNanos(int inARow) {
        long base = backoffMinNanos;
        for (int i = 1; i < inARow && base < backoffMaxNanos; i++) {
            base *= 2;
        }
        base = Math.min(base, backoffMaxNanos);
        return base - (long) (random.nextDouble() * (base / 4));
    }

    /**
     * The longest pause a retry-after can impose.
     *
     * @return the cap
     */
    public Duration maxRetryAfter() {
        return Duration.ofNanos(maxRetryAfterNanos);
    }

    private static long cappedNanos(Duration d) {
        return d.compareTo(Duration.ofDays(365)) > 0 ? Duration.ofDays(365).toNanos() : d.toNanos();
    }

    /**
     * Checks a cap of retry-after, for the builders of the limiters that use this policy.
     *
     * @param value the cap
     * @return the cap
     * @throws IllegalArgumentException when it is null or outside {@link #MIN_MAX_RETRY_AFTER} to
     *     {@link #MAX_MAX_RETRY_AFTER}
     */
    public static Duration checkMaxRetryAfter(Duration value) {
        if (value == null || value.compareTo(MIN_MAX_RETRY_AFTER) < 0 || value.compareTo(MAX_MAX_RETRY_AFTER) > 0) {
            throw new IllegalArgumentException("maxRetryAfter must be " + MIN_MAX_RETRY_AFTER + " to "
                    + MAX_MAX_RETRY_AFTER + ", was " + value);
        }
        return value;
    }

    /**
     * Checks a back-off range, for the builders of the limiters that use this policy.
     *
     * @param min the back-off after the first 429 without a retry-after
     * @param max the longest back-off
     * @throws IllegalArgumentException when either is null or not positive, or {@code max < min}
     */
    public static void checkBackoff(Duration min, Duration max) {
        positive("backoff min", min);
        positive("backoff max", max);
        if (max.compareTo(min) < 0) {
            throw new IllegalArgumentException("backoff max must be >= min, was " + max + " < " + min);
        }
    }

    private static void positive(String field, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(field + " must be positive, was " + value);
        }
    }
}
