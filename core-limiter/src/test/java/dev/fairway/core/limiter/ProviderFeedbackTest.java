package dev.fairway.core.limiter;

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
 * refund, and input and output tokens have budgets of their own. limiter-redis's
 * {@code RedisProviderFeedbackTest} runs the same cases against Redis.
 */
class ProviderFeedbackTest {

    private static final SessionId A = SessionId.of("a");
    private static final SessionId B = SessionId.of("b");
    /** Jitter that takes nothing off. */
    private static final RandomGenerator NO_JITTER = () -> 0L;
    /** Jitter that takes almost a quarter off. */
    private static final RandomGenerator MOST_JITTER = () -> -1L;

    private final FakeClock clock = new FakeClock();

    private FairShareRateLimiter.Builder limiter() {
        return FairShareRateLimiter.builder().clock(clock).random(NO_JITTER);
    }

    private static void assertGranted(long result) {
        assertTrue(Permits.isGranted(result), "expected a permit, was refused for " + Permits.waitTime(result));
    }

    private static void assertRefused(long result) {
        assertFalse(Permits.isGranted(result), "expected a refusal, got permit " + result);
    }

    /** The case: 6 minutes to a full refill is no reason to stop every session for 6 minutes. */
    @Test
    void rateLimitedWithExhaustedRequestsAndLongResetBacksOffInsteadOfPausingUntilTheReset() {
        FairShareRateLimiter limiter = limiter().build();
        limiter.onRateLimited(RateLimitFeedback.builder()
                .requestsRemaining(0).requestsReset(Duration.ofMinutes(6)).build());
        long refusal = limiter.tryAcquire(A, 10);
        assertRefused(refusal);
        assertTrue(Permits.waitTime(refusal).compareTo(Duration.ofSeconds(8)) <= 0, Permits.waitTime(refusal).toString());
        assertEquals(Duration.ofMillis(500), Permits.waitTime(refusal));
        clock.advanceNanos(Permits.waitNanos(refusal));
        // The window was calibrated (nothing left), but it refills as the provider does: a few
        // requests every second, not nothing for a minute.
        assertGranted(limiter.tryAcquire(A, 10));
        assertGranted(limiter.tryAcquire(B, 10));
        assertFalse(limiter.stats().rateLimited());
    }

    @Test
    void resetHeadersNeverPauseEvenWhenALimitIsExhausted() {
        FairShareRateLimiter limiter = limiter().build();
        limiter.onFeedback(RateLimitFeedback.builder()
                .requestLimit(5_000).requestsRemaining(0).requestsReset(Duration.ofMinutes(6))
                .tokenLimit(2_000_000).tokensRemaining(0).tokensReset(Duration.ofMinutes(6)).build());
        assertFalse(limiter.stats().rateLimited());
        long refusal = limiter.tryAcquire(A, 10);
        // Refused by the calibrated window (for a bucket), not by a pause of minutes.
        assertTrue(Permits.waitTime(refusal).compareTo(Duration.ofMillis(200)) <= 0, Permits.waitTime(refusal).toString());
        clock.advanceMillis(1_000);
        assertGranted(limiter.tryAcquire(A, 10));
    }

    @Test
    void retryAfterIsCappedAtTheMaximum() {
        FairShareRateLimiter limiter = limiter().build();
        limiter.onRateLimited(RateLimitFeedback.builder().retryAfter(Duration.ofHours(1)).build());
        assertEquals(Duration.ofSeconds(60), Permits.waitTime(limiter.tryAcquire(A, 1)));

        FairShareRateLimiter capped = limiter().maxRetryAfter(Duration.ofSeconds(5)).build();
        capped.onRateLimited(RateLimitFeedback.builder().retryAfter(Duration.ofSeconds(30)).build());
        assertEquals(Duration.ofSeconds(5), Permits.waitTime(capped.tryAcquire(A, 1)));
        clock.advanceMillis(5_000);
        assertGranted(capped.tryAcquire(A, 1));
    }

    @Test
    void retryAfterBelowTheCapIsHonouredExactly() {
        FairShareRateLimiter limiter = limiter().build();
        limiter.onRateLimited(RateLimitFeedback.builder().retryAfter(Duration.ofMillis(2_500))
                .requestsRemaining(0).requestsReset(Duration.ofMinutes(6)).build());
        assertEquals(Duration.ofMillis(2_500), Permits.waitTime(limiter.tryAcquire(A, 1)));
    }

    @Test
    void consecutiveRateLimitsBackOffExponentiallyUpToEightSecondsAndASuccessStartsAgain() {
        FairShareRateLimiter limiter = limiter().build();
        long[] expectedMillis = {500, 1_000, 2_000, 4_000, 8_000, 8_000, 8_000};
        for (long expected : expectedMillis) {
            limiter.onRateLimited(RateLimitFeedback.NONE);
            long refusal = limiter.tryAcquire(A, 1);
            assertEquals(Duration.ofMillis(expected), Permits.waitTime(refusal));
            clock.advanceNanos(Permits.waitNanos(refusal));
        }
        long permit = limiter.tryAcquire(A, 1);
        assertGranted(permit);
        limiter.reconcile(A, permit, 1); // a success
        limiter.onRateLimited(RateLimitFeedback.NONE);
        assertEquals(Duration.ofMillis(500), Permits.waitTime(limiter.tryAcquire(A, 1)));
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

    /** Our budget is 90% of the account: what the account used counts against our 90%, not the provider's 100%. */
    @Test
    void calibrationKeepsTheSafetyMargin() {
        FairShareRateLimiter limiter = limiter().requestsPerMinute(90).build();
        // The account (other clients too) used 50 of its 100; we admitted nothing yet.
        limiter.onFeedback(RateLimitFeedback.builder().requestLimit(100).requestsRemaining(50).build());
        int admitted = 0;
        while (Permits.isGranted(limiter.tryAcquire(A, 1))) {
            admitted++;
        }
        assertEquals(40, admitted); // 90 - 50, not the provider's 50
        assertEquals(90, limiter.stats().requestsLastMinute());
    }

    @Test
    void calibrationNeverRaisesTheBudgetAboveTheConfiguredLimit() {
        FairShareRateLimiter limiter = limiter().requestsPerMinute(10).build();
        for (int i = 0; i < 10; i++) {
            assertGranted(limiter.tryAcquire(A, 1));
        }
        limiter.onFeedback(RateLimitFeedback.builder().requestLimit(10_000).requestsRemaining(10_000).build());
        assertRefused(limiter.tryAcquire(A, 1));
        assertEquals(10, limiter.stats().requestsLastMinute());
    }

    @Test
    void calibrationWithoutTheProvidersLimitTrustsItsRemaining() {
        FairShareRateLimiter limiter = limiter().tokensPerMinute(10_000).build();
        limiter.onFeedback(RateLimitFeedback.builder().tokensRemaining(500).build());
        assertEquals(9_500, limiter.stats().tokensLastMinute());
    }

    @Test
    void zeroUsageIsNotARefund() {
        FairShareRateLimiter limiter = limiter().build();
        long permit = limiter.tryAcquire(A, 300);
        limiter.reconcile(A, permit, 0);
        assertEquals(300, limiter.stats().tokensLastMinute());
        long other = limiter.tryAcquire(A, 200);
        limiter.reconcile(A, other, TokenUsage.NONE);
        assertEquals(500, limiter.stats().tokensLastMinute());
        long third = limiter.tryAcquire(A, 100);
        limiter.reconcile(A, third, TokenUsage.of(30, 20)); // a real report still refunds
        assertEquals(550, limiter.stats().tokensLastMinute());
    }

    /**
     * The Anthropic case: 80,000 output tokens left says nothing about input or combined tokens.
     * Before separate budgets, the smaller one was applied to the combined budget: 1.72M of 1.8M after
     * 82 tokens.
     */
    @Test
    void outputTokensRemainingCutsOnlyTheOutputBudget() {
        FairShareRateLimiter limiter = limiter()
                .inputTokensPerMinute(1_800_000).outputTokensPerMinute(360_000).build();
        long permit = limiter.tryAcquire(A, 60, 22);
        assertGranted(permit);
        limiter.reconcile(A, permit, TokenUsage.of(60, 22));
        limiter.onFeedback(RateLimitFeedback.builder()
                .inputTokenLimit(2_000_000).inputTokensRemaining(1_999_940)
                .outputTokenLimit(400_000).outputTokensRemaining(80_000).build());
        assertEquals(82, limiter.stats().tokensLastMinute());
        // The account used 320,000 of its 400,000 output tokens: 40,000 are left to our 360,000.
        assertGranted(limiter.tryAcquire(A, 0, 40_000));
        assertRefused(limiter.tryAcquire(A, 10, 1));
        // Input is not cut: a large prompt without output still fits.
        assertGranted(limiter.tryAcquire(B, 1_000_000, 0));
        assertEquals(1_040_082, limiter.stats().tokensLastMinute());
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
    void admissionNeedsRoomInEverySeparateBudget() {
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

    @Test
    void separateBudgetsReconcileWithThePromptAndCompletionTokens() {
        FairShareRateLimiter limiter = limiter().tokensPerMinute(10_000)
                .inputTokensPerMinute(1_000).outputTokensPerMinute(500).build();
        long permit = limiter.tryAcquire(A, 400, 400);
        limiter.reconcile(A, permit, TokenUsage.of(350, 20));
        assertEquals(370, limiter.stats().tokensLastMinute());
        assertGranted(limiter.tryAcquire(A, 650, 480)); // 1,000 input and 500 output exactly
        assertRefused(limiter.tryAcquire(A, 1, 0));
        assertRefused(limiter.tryAcquire(B, 0, 1));
        // A part reported as 0 keeps its estimate.
        clock.advanceMillis(60_100);
        long kept = limiter.tryAcquire(A, 300, 200);
        limiter.reconcile(A, kept, new TokenUsage(300, 0, 300));
        assertGranted(limiter.tryAcquire(A, 0, 300));
        assertRefused(limiter.tryAcquire(A, 0, 1));
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
}
