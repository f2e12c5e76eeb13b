package dev.fairway.limiter.redis;

import dev.fairway.test.support.ManualClock;
import dev.fairway.test.support.TestRedis;
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

    private final ManualClock clock = ManualClock.wall();
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
            clock.advanceMillis(60_100);
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

}
