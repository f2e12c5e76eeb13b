package dev.fairway.core.limiter;

import dev.fairway.test.support.ManualClock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fairway.api.RateLimitFeedback;
import dev.fairway.api.SessionId;
import dev.fairway.api.TokenUsage;
import dev.fairway.api.limit.Permits;

import java.time.Duration;
import java.util.random.RandomGenerator;

import org.junit.jupiter.api.Test;

/**
 * How provider feedback moves the in-memory limiter: a 429 pauses for a capped retry-after or a
 * back-off, reset headers never pause, calibration keeps the safety margin, a usage of 0 is no
 * refund, and input and output tokens have budgets of their own: the cases peculiar to the in-memory
 * store. The cases every store shares are limiter-tck's {@code RateLimiterContract}.
 */
class ProviderFeedbackTest {

    private static final SessionId A = SessionId.of("a");
    private static final SessionId B = SessionId.of("b");
    /** Jitter that takes nothing off. */
    private static final RandomGenerator NO_JITTER = () -> 0L;
    /** Jitter that takes almost a quarter off. */
    private static final RandomGenerator MOST_JITTER = () -> -1L;

    private final ManualClock clock = ManualClock.wall();

    private FairShareRateLimiter.Builder limiter() {
        return FairShareRateLimiter.builder().clock(clock).random(NO_JITTER);
    }

    private static void assertGranted(long result) {
        assertTrue(Permits.isGranted(result), "expected a permit, was refused for " + Permits.waitTime(result));
    }

    private static void assertRefused(long result) {
        assertFalse(Permits.isGranted(result), "expected a refusal, got permit " + result);
    }

    @Test
    void retryAfterBelowTheCapIsHonouredExactly() {
        FairShareRateLimiter limiter = limiter().build();
        limiter.onRateLimited(RateLimitFeedback.builder().retryAfter(Duration.ofMillis(2_500))
                .requestsRemaining(0).requestsReset(Duration.ofMinutes(6)).build());
        assertEquals(Duration.ofMillis(2_500), Permits.waitTime(limiter.tryAcquire(A, 1)));
    }

    @Test
    void backOffJitterComesFromTheInjectedSource() {
        FairShareRateLimiter limiter = limiter().random(MOST_JITTER).build();
        limiter.onRateLimited(RateLimitFeedback.NONE);
        long wait = Permits.waitNanos(limiter.tryAcquire(A, 1));
        // A quarter of 500 ms off, within a nanosecond of rounding.
        assertTrue(Math.abs(wait - 375_000_000L) <= 1, Long.toString(wait));
        RateLimitPause pause = RateLimitPause.create(Duration.ofSeconds(60), Duration.ofMillis(500),
                Duration.ofSeconds(8), MOST_JITTER);
        assertEquals(6_000_000_000L, pause.backoffNanos(5), 1); // three quarters of 8 s
        assertEquals(-1, pause.pauseNanos(java.util.Optional.empty(), false, 0));
    }

    @Test
    void calibrationWithoutTheProvidersLimitTrustsItsRemaining() {
        FairShareRateLimiter limiter = limiter().tokensPerMinute(10_000).build();
        limiter.onFeedback(RateLimitFeedback.builder().tokensRemaining(500).build());
        assertEquals(9_500, limiter.stats().tokensLastMinute());
    }

    @Test
    void outputFeedbackIsIgnoredWhenOutputIsNotLimitedApart() {
        FairShareRateLimiter limiter = limiter().build();
        limiter.reconcile(A, limiter.tryAcquire(A, 82), 82);
        limiter.onFeedback(RateLimitFeedback.builder()
                .outputTokenLimit(400_000).outputTokensRemaining(80_000).build());
        assertEquals(82, limiter.stats().tokensLastMinute());
        assertGranted(limiter.tryAcquire(A, 1_000_000));
    }

    @Test
    void withoutASplitTheWholeEstimateIsReservedInEachSeparateBudgetUntilReconciled() {
        FairShareRateLimiter limiter = limiter().tokensPerMinute(10_000)
                .inputTokensPerMinute(1_000).outputTokensPerMinute(500).build();
        long permit = limiter.tryAcquire(A, 300);
        assertGranted(permit);
        assertRefused(limiter.tryAcquire(A, 0, 201)); // 300 of the output budget are held
        limiter.reconcile(A, permit, TokenUsage.of(250, 50));
        assertEquals(300, limiter.stats().tokensLastMinute());
        assertGranted(limiter.tryAcquire(A, 0, 450));
        long cancelled = limiter.tryAcquire(B, 700, 0);
        assertGranted(cancelled);
        limiter.cancel(B, cancelled, false);
        assertGranted(limiter.tryAcquire(B, 750, 0));
        assertEquals(1_500, limiter.stats().tokensLastMinute());
    }

    /** In memory a refusal holds back only what does not fit (the contract allows more). */
    @Test
    void aRefusalForOneSeparateBudgetLeavesARequestThatFitsAlone() {
        FairShareRateLimiter limiter = limiter().tokensPerMinute(1_000)
                .inputTokensPerMinute(600).outputTokensPerMinute(300).build();
        assertGranted(limiter.tryAcquire(A, 500, 100));
        assertRefused(limiter.tryAcquire(A, 200, 10)); // input: 700 > 600
        assertRefused(limiter.tryAcquire(A, 10, 250)); // output: 350 > 300
        assertGranted(limiter.tryAcquire(A, 100, 200));
        assertRefused(limiter.tryAcquire(A, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> limiter.tryAcquire(A, 601, 0));
        assertThrows(IllegalArgumentException.class, () -> limiter.tryAcquire(A, 0, 301));
        // The refusal says when room comes back: the first admissions leave the window at 60.1 s.
        clock.advanceMillis(60_100);
        assertGranted(limiter.tryAcquire(A, 600, 300));
    }
}
