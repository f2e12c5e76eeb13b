package dev.fairway.limiter.redis;

import dev.fairway.api.RateLimitFeedback;
import dev.fairway.api.SessionId;
import dev.fairway.api.TokenUsage;
import dev.fairway.api.limit.Permits;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cases of core-limiter's {@code ProviderFeedbackTest} against a real Redis: a 429 pauses for a
 * capped retry-after or a back-off, reset headers never pause, calibration keeps the safety margin, a
 * usage of 0 is no refund, and input and output tokens have shared windows of their own (leases too).
 */
class RedisProviderFeedbackTest {

    private static final AtomicInteger PREFIXES = new AtomicInteger();
    private static final SessionId A = SessionId.of("a");
    private static final SessionId B = SessionId.of("b");
    /** Jitter that takes nothing off. */
    private static final RandomGenerator NO_JITTER = () -> 0L;
    private static TestRedis redis;

    private final FakeClock clock = new FakeClock();
    private final String prefix = "f" + PREFIXES.incrementAndGet();

    @BeforeAll
    static void startRedis() {
        redis = TestRedis.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    /** Leasing off: every acquire is a call, so the shared window is exact after each. */
    private RedisRateLimiter.Builder limiter() {
        return RedisRateLimiter.builder().uri(redis.uri()).keyPrefix(prefix).clock(clock).lease(0)
                .pacingBurst(Duration.ZERO) // the window alone: what the feedback does to it
                .random(NO_JITTER).commandTimeout(Duration.ofSeconds(2));
    }

    private String window(String field) {
        return redis.admin().hget("{" + prefix + "}:window", field);
    }

    private static void assertGranted(long result) {
        assertTrue(Permits.isGranted(result), "expected a permit, was refused for " + Permits.waitTime(result));
    }

    private static void assertRefused(long result) {
        assertFalse(Permits.isGranted(result), "expected a refusal, got permit " + result);
    }

    /** The issue's case: 6 minutes to a full refill is no reason to stop every node for 6 minutes. */
    @Test
    void rateLimitedWithExhaustedRequestsAndLongResetBacksOffInsteadOfPausingUntilTheReset() {
        try (RedisRateLimiter limiter = limiter().build()) {
            limiter.onRateLimited(RateLimitFeedback.builder()
                    .requestsRemaining(0).requestsReset(Duration.ofMinutes(6)).build());
            long refusal = limiter.tryAcquire(A, 10);
            assertRefused(refusal);
            assertTrue(Permits.waitTime(refusal).compareTo(Duration.ofSeconds(8)) <= 0, Permits.waitTime(refusal).toString());
            assertEquals(Duration.ofMillis(500), Permits.waitTime(refusal));
            clock.advance(500);
            // The window is calibrated (nothing left) but refills as the provider does.
            assertGranted(limiter.tryAcquire(A, 10));
            assertGranted(limiter.tryAcquire(B, 10));
            assertFalse(limiter.stats().rateLimited());
        }
    }

    @Test
    void resetHeadersNeverPauseEvenWhenALimitIsExhausted() {
        try (RedisRateLimiter limiter = limiter().build()) {
            limiter.onFeedback(RateLimitFeedback.builder()
                    .requestLimit(5_000).requestsRemaining(0).requestsReset(Duration.ofMinutes(6))
                    .tokenLimit(2_000_000).tokensRemaining(0).tokensReset(Duration.ofMinutes(6)).build());
            long refusal = limiter.tryAcquire(A, 10);
            assertFalse(limiter.stats().rateLimited());
            assertTrue(Permits.waitTime(refusal).compareTo(Duration.ofMillis(200)) <= 0, Permits.waitTime(refusal).toString());
            clock.advance(1_000);
            assertGranted(limiter.tryAcquire(A, 10));
        }
    }

    @Test
    void retryAfterIsCappedAtTheMaximum() {
        try (RedisRateLimiter limiter = limiter().build();
                RedisRateLimiter capped = limiter().keyPrefix(prefix + "c").maxRetryAfter(Duration.ofSeconds(5)).build()) {
            limiter.onRateLimited(RateLimitFeedback.builder().retryAfter(Duration.ofHours(1)).build());
            assertEquals(Duration.ofSeconds(60), Permits.waitTime(limiter.tryAcquire(A, 1)));
            capped.onRateLimited(RateLimitFeedback.builder().retryAfter(Duration.ofSeconds(30)).build());
            assertEquals(Duration.ofSeconds(5), Permits.waitTime(capped.tryAcquire(A, 1)));
            clock.advance(5_000);
            assertGranted(capped.tryAcquire(A, 1));
        }
    }

    @Test
    void consecutiveRateLimitsBackOffExponentiallyUpToEightSecondsAndASuccessStartsAgain() {
        try (RedisRateLimiter limiter = limiter().build()) {
            long[] expectedMillis = {500, 1_000, 2_000, 4_000, 8_000, 8_000};
            for (long expected : expectedMillis) {
                limiter.onRateLimited(RateLimitFeedback.NONE);
                long refusal = limiter.tryAcquire(A, 1);
                assertEquals(Duration.ofMillis(expected), Permits.waitTime(refusal));
                clock.advance(expected);
            }
            long permit = limiter.tryAcquire(A, 1);
            assertGranted(permit);
            limiter.reconcile(A, permit, 1); // a success
            limiter.onRateLimited(RateLimitFeedback.NONE);
            assertEquals(Duration.ofMillis(500), Permits.waitTime(limiter.tryAcquire(A, 1)));
        }
    }

    @Test
    void calibrationKeepsTheSafetyMargin() {
        try (RedisRateLimiter limiter = limiter().requestsPerMinute(90).build()) {
            limiter.onFeedback(RateLimitFeedback.builder().requestLimit(100).requestsRemaining(50).build());
            int admitted = 0;
            while (Permits.isGranted(limiter.tryAcquire(A, 1))) {
                admitted++;
            }
            assertEquals(40, admitted); // 90 - 50, not the provider's 50
            assertEquals("90", window("R"));
        }
    }

    @Test
    void calibrationNeverRaisesTheBudgetAboveTheConfiguredLimit() {
        try (RedisRateLimiter limiter = limiter().requestsPerMinute(10).build()) {
            for (int i = 0; i < 10; i++) {
                assertGranted(limiter.tryAcquire(A, 1));
            }
            limiter.onFeedback(RateLimitFeedback.builder().requestLimit(10_000).requestsRemaining(10_000).build());
            assertRefused(limiter.tryAcquire(A, 1));
            assertEquals("10", window("R"));
        }
    }

    @Test
    void zeroUsageIsNotARefund() {
        try (RedisRateLimiter limiter = limiter().build()) {
            limiter.reconcile(A, limiter.tryAcquire(A, 300), 0);
            limiter.reconcile(A, limiter.tryAcquire(A, 200), TokenUsage.NONE);
            limiter.reconcile(A, limiter.tryAcquire(A, 100), TokenUsage.of(30, 20)); // a real report refunds
            assertGranted(limiter.tryAcquire(A, 1)); // carries the reconciles to Redis
            assertEquals("551", window("T"));
        }
    }

    /** The issue's Anthropic case: 80,000 output tokens left says nothing about input or combined tokens. */
    @Test
    void outputTokensRemainingCutsOnlyTheOutputBudget() {
        try (RedisRateLimiter limiter = limiter().tokensPerMinute(1_800_000)
                .inputTokensPerMinute(1_800_000).outputTokensPerMinute(360_000).build()) {
            long permit = limiter.tryAcquire(A, 60, 22);
            assertGranted(permit);
            limiter.reconcile(A, permit, TokenUsage.of(60, 22));
            limiter.onFeedback(RateLimitFeedback.builder()
                    .inputTokenLimit(2_000_000).inputTokensRemaining(1_999_940)
                    .outputTokenLimit(400_000).outputTokensRemaining(80_000).build());
            // The account used 320,000 of its 400,000 output tokens: 40,000 are left to our 360,000.
            assertGranted(limiter.tryAcquire(A, 0, 40_000));
            assertEquals(40_082, limiter.stats().tokensLastMinute());
            assertRefused(limiter.tryAcquire(A, 10, 1));
            // Input is not cut (A now contends under max-min: B asks for less than half the limit; the
            // node asks Redis again once its sync interval has passed since the refusal).
            clock.advance(1_000);
            assertGranted(limiter.tryAcquire(B, 800_000, 0));
            assertEquals("840082", window("T"));
            assertEquals("800060", window("I"));
            assertEquals("360000", window("O"));
        }
    }

    @Test
    void admissionNeedsRoomInEverySeparateBudgetAndLeasesHoldThemToo() {
        try (RedisRateLimiter limiter = limiter().lease(5).tokensPerMinute(100_000)
                .inputTokensPerMinute(1_000).outputTokensPerMinute(500).build()) {
            int admitted = 0;
            while (Permits.isGranted(limiter.tryAcquire(A, 100, 50))) {
                admitted++;
            }
            assertEquals(10, admitted); // 1,000 input tokens
            assertRefused(limiter.tryAcquire(A, 0, 1)); // and 500 output tokens
            assertThrows(IllegalArgumentException.class, () -> limiter.tryAcquire(A, 1_001, 0));
            assertEquals("1000", window("I"));
            assertEquals("500", window("O"));
            clock.advance(60_100);
            assertGranted(limiter.tryAcquire(A, 900, 400));
        }
    }

    @Test
    void withoutRedisTheLocalShareHoldsTheSeparateBudgetsToo() throws Exception {
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            port = free.getLocalPort(); // closed again: nothing listens there
        }
        try (RedisRateLimiter limiter = limiter().uri("redis://127.0.0.1:" + port).fallbackNodes(2)
                .tokensPerMinute(10_000).inputTokensPerMinute(2_000).outputTokensPerMinute(1_000).build()) {
            assertTrue(limiter.isDegraded());
            long permit = limiter.tryAcquire(A, 300, 500); // the local share: 1,000 input, 500 output
            assertGranted(permit);
            assertRefused(limiter.tryAcquire(A, 0, 1));
            limiter.reconcile(A, permit, TokenUsage.of(300, 100));
            assertGranted(limiter.tryAcquire(A, 0, 400));
            assertRefused(limiter.tryAcquire(A, 701, 0));
            assertGranted(limiter.tryAcquire(A, 700, 0));
        }
    }

    @Test
    void separateBudgetsReconcileWithThePromptAndCompletionTokens() {
        try (RedisRateLimiter limiter = limiter().tokensPerMinute(10_000)
                .inputTokensPerMinute(1_000).outputTokensPerMinute(500).build()) {
            long permit = limiter.tryAcquire(A, 400, 400);
            limiter.reconcile(A, permit, TokenUsage.of(350, 20));
            assertGranted(limiter.tryAcquire(A, 650, 480)); // 1,000 input and 500 output exactly
            assertRefused(limiter.tryAcquire(A, 1, 0));
            assertRefused(limiter.tryAcquire(B, 0, 1));
            assertEquals("1500", window("T"));
            // Without a split the whole estimate is held in each separate window until reconciled.
            clock.advance(60_100);
            long whole = limiter.tryAcquire(A, 300);
            assertGranted(whole);
            assertRefused(limiter.tryAcquire(A, 0, 201));
            limiter.reconcile(A, whole, TokenUsage.of(250, 50));
            clock.advance(1_000); // a node refused by Redis learns of the refund with its next sync
            assertGranted(limiter.tryAcquire(A, 0, 450));
            clock.advance(1_000);
            long cancelled = limiter.tryAcquire(B, 700, 0);
            assertGranted(cancelled);
            limiter.cancel(B, cancelled, false);
            clock.advance(1_000);
            assertGranted(limiter.tryAcquire(B, 750, 0));
            assertEquals("1000", window("I"));
            assertEquals("500", window("O"));
        }
    }
}
