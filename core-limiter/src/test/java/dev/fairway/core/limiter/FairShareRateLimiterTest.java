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
import dev.fairway.api.limit.RateLimiterStats;
import dev.fairway.api.limit.SessionRateStats;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class FairShareRateLimiterTest {

    private static final SessionId A = SessionId.of("a");
    private static final SessionId B = SessionId.of("b");

    private final ManualClock clock = ManualClock.wall();

    private FairShareRateLimiter.Builder limiter() {
        return FairShareRateLimiter.builder().clock(clock);
    }

    private static void assertGranted(long result) {
        assertTrue(Permits.isGranted(result), "expected a permit, was refused for " + Permits.waitTime(result));
    }

    private static void assertRefused(long result) {
        assertFalse(Permits.isGranted(result), "expected a refusal, got permit " + result);
    }

    @Test
    void defaultsAreTheOriginalsLimitsWithTheirSafetyMargin() {
        FairShareRateLimiter limiter = FairShareRateLimiter.builder().build();
        assertEquals(4_500, limiter.requestsPerMinute());
        assertEquals(1_800_000, limiter.tokensPerMinute());
        assertEquals(FairSharePolicy.MAX_MIN, limiter.policy());
        FairShareRateLimiter margin = FairShareRateLimiter.builder().providerLimits(5_000, 2_000_000, 10).build();
        assertEquals(4_500, margin.requestsPerMinute());
        assertEquals(1_800_000, margin.tokensPerMinute());
    }

    @Test
    void refusalSaysExactlyWhenRoomComesBack() {
        FairShareRateLimiter limiter = limiter().requestsPerMinute(3).policy(FairSharePolicy.NONE).build();
        assertGranted(limiter.tryAcquire(A, 1));
        clock.advanceMillis(10_050);
        assertGranted(limiter.tryAcquire(A, 1));
        assertGranted(limiter.tryAcquire(A, 1));
        long refusal = limiter.tryAcquire(A, 1);
        assertRefused(refusal);
        // The first admission, in the bucket [0, 100 ms), leaves the window at 60.1 s.
        assertEquals(Duration.ofMillis(60_100 - 10_050), Permits.waitTime(refusal));
        clock.advanceNanos(Permits.waitNanos(refusal) - 1);
        assertRefused(limiter.tryAcquire(A, 1));
        clock.advanceNanos(1);
        assertGranted(limiter.tryAcquire(A, 1));
    }

    @Test
    void noFixedWindowBoundaryDoublesTheLimit() {
        FairShareRateLimiter limiter = limiter().requestsPerMinute(10).policy(FairSharePolicy.NONE).build();
        clock.advanceMillis(59_000);
        for (int i = 0; i < 10; i++) {
            assertGranted(limiter.tryAcquire(A, 1));
        }
        clock.advanceMillis(2_000); // across the minute mark of a fixed window
        assertRefused(limiter.tryAcquire(A, 1));
    }

    @Test
    void estimateOutOfRangeIsAnArgumentError() {
        FairShareRateLimiter limiter = limiter().tokensPerMinute(1_000).build();
        var e = assertThrows(IllegalArgumentException.class, () -> limiter.tryAcquire(A, 1_001));
        assertEquals("estimatedTokens must be 1 to the tokens-per-minute limit 1000, was 1001", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> limiter.tryAcquire(A, 0));
    }

    @Test
    void builderNamesTheBadValue() {
        var e = assertThrows(IllegalArgumentException.class, () -> FairShareRateLimiter.builder().requestsPerMinute(0));
        assertEquals("requestsPerMinute must be 1 to 2147483647, was 0", e.getMessage());
        var w = assertThrows(IllegalArgumentException.class,
                () -> FairShareRateLimiter.builder().bucketWidth(Duration.ofMillis(70)));
        assertTrue(w.getMessage().contains("PT0.07S"), w.getMessage());
        assertThrows(IllegalArgumentException.class, () -> FairShareRateLimiter.builder().idleTimeout(Duration.ZERO));
    }

    @Test
    void reconcileRefundsUnusedTokens() {
        FairShareRateLimiter limiter = limiter().tokensPerMinute(1_000).build();
        long permit = limiter.tryAcquire(A, 600);
        assertGranted(permit);
        assertRefused(limiter.tryAcquire(A, 600));
        limiter.reconcile(A, permit, TokenUsage.of(60, 40));
        assertEquals(100, limiter.stats().tokensLastMinute());
        assertGranted(limiter.tryAcquire(A, 600));
    }

    @Test
    void reconcileChargesUsageAboveTheEstimate() {
        FairShareRateLimiter limiter = limiter().tokensPerMinute(1_000).build();
        long permit = limiter.tryAcquire(A, 100);
        limiter.reconcile(A, permit, 900);
        assertEquals(900, limiter.stats().tokensLastMinute());
        assertEquals(900, limiter.stats().sessionStats().get(A).tokensLastMinute());
        assertRefused(limiter.tryAcquire(A, 200));
        assertGranted(limiter.tryAcquire(A, 100));
    }

    @Test
    void reconcileAfterThePermitsBucketLeftTheWindowChangesNothing() {
        FairShareRateLimiter limiter = limiter().tokensPerMinute(1_000).build();
        long permit = limiter.tryAcquire(A, 500);
        clock.advanceMillis(61_000);
        long later = limiter.tryAcquire(A, 500);
        limiter.reconcile(A, permit, 0);
        assertEquals(500, limiter.stats().tokensLastMinute());
        assertRefused(limiter.tryAcquire(A, 501));
        assertGranted(later);
    }

    @Test
    void cancelBeforeReachingTheProviderRefundsEverything() {
        FairShareRateLimiter limiter = limiter().requestsPerMinute(1).build();
        long permit = limiter.tryAcquire(A, 10);
        assertRefused(limiter.tryAcquire(A, 10));
        limiter.cancel(A, permit, false);
        assertEquals(0, limiter.stats().requestsLastMinute());
        assertEquals(0, limiter.stats().tokensLastMinute());
        assertGranted(limiter.tryAcquire(A, 10));
    }

    @Test
    void cancelAfterReachingTheProviderStillCounts() {
        FairShareRateLimiter limiter = limiter().requestsPerMinute(1).build();
        long permit = limiter.tryAcquire(A, 10);
        limiter.cancel(A, permit, true);
        assertEquals(1, limiter.stats().requestsLastMinute());
        assertEquals(10, limiter.stats().tokensLastMinute());
        assertRefused(limiter.tryAcquire(A, 10));
    }

    @Test
    void providerSayingFewerRemainIsBelievedAndRefillsOverItsReset() {
        FairShareRateLimiter limiter = limiter().requestsPerMinute(100).policy(FairSharePolicy.NONE).build();
        limiter.onFeedback(RateLimitFeedback.builder().requestsRemaining(3).requestsReset(Duration.ofSeconds(10)).build());
        for (int i = 0; i < 3; i++) {
            assertGranted(limiter.tryAcquire(A, 1));
        }
        long refusal = limiter.tryAcquire(A, 1);
        assertRefused(refusal);
        // The reset is the time to a full refill: the 97 missing come back in equal parts over 10 s.
        assertTrue(Permits.waitTime(refusal).compareTo(Duration.ofMillis(200)) <= 0, Permits.waitTime(refusal).toString());
        clock.advanceMillis(5_000);
        int half = 0;
        while (Permits.isGranted(limiter.tryAcquire(A, 1))) {
            half++;
        }
        assertTrue(half >= 45 && half <= 52, Integer.toString(half));
        clock.advanceMillis(5_100);
        int rest = 0;
        while (Permits.isGranted(limiter.tryAcquire(A, 1))) {
            rest++;
        }
        assertEquals(97, half + rest);
    }

    @Test
    void providerSayingMoreRemainDoesNotLoosenTheWindow() {
        FairShareRateLimiter limiter = limiter().requestsPerMinute(2).build();
        assertGranted(limiter.tryAcquire(A, 1));
        assertGranted(limiter.tryAcquire(A, 1));
        limiter.onFeedback(RateLimitFeedback.builder().requestLimit(5_000).requestsRemaining(4_998).build());
        assertRefused(limiter.tryAcquire(A, 1));
    }

    @Test
    void tokenCalibrationWithoutResetHoldsForAWindow() {
        FairShareRateLimiter limiter = limiter().tokensPerMinute(10_000).build();
        limiter.onFeedback(RateLimitFeedback.builder().tokensRemaining(500).build());
        assertEquals(9_500, limiter.stats().tokensLastMinute());
        assertGranted(limiter.tryAcquire(A, 500));
        assertRefused(limiter.tryAcquire(A, 1));
        clock.advanceMillis(60_100);
        assertGranted(limiter.tryAcquire(A, 9_000));
    }

    @Test
    void rateLimitedPausesAdmissionUntilRetryAfter() {
        FairShareRateLimiter limiter = limiter().build();
        limiter.onRateLimited(RateLimitFeedback.builder().retryAfter(Duration.ofSeconds(2)).build());
        assertTrue(limiter.stats().rateLimited());
        long refusal = limiter.tryAcquire(A, 1);
        assertEquals(Duration.ofSeconds(2), Permits.waitTime(refusal));
        clock.advanceMillis(1_999);
        assertRefused(limiter.tryAcquire(B, 1));
        clock.advanceMillis(1);
        assertGranted(limiter.tryAcquire(A, 1));
        assertFalse(limiter.stats().rateLimited());
    }

    @Test
    void rateLimitedWithNothingSaidBacksOff() {
        FairShareRateLimiter limiter = limiter().backoff(Duration.ofMillis(700), Duration.ofSeconds(2))
                .random(() -> 0L).build();
        limiter.onRateLimited(RateLimitFeedback.NONE);
        assertEquals(Duration.ofMillis(700), Permits.waitTime(limiter.tryAcquire(A, 1)));
    }

    @Test
    void idleSessionExpires() {
        FairShareRateLimiter limiter = limiter().idleTimeout(Duration.ofSeconds(30)).build();
        limiter.openSession(A, 1);
        assertGranted(limiter.tryAcquire(B, 1));
        clock.advanceMillis(20_000);
        assertGranted(limiter.tryAcquire(B, 1));
        clock.advanceMillis(13_000);
        RateLimiterStats stats = limiter.stats();
        assertEquals(1, stats.activeSessions(), stats.toString());
        assertTrue(stats.sessionStats().containsKey(B));
        // Expired, not forgotten by the window: its usage keeps counting.
        clock.advanceMillis(20_000);
        stats = limiter.stats();
        assertEquals(0, stats.activeSessions());
        assertEquals(2, stats.requestsLastMinute());
    }

    @Test
    void sessionBackAfterItsUsageLeftTheWindowIsCountedAfresh() {
        FairShareRateLimiter limiter = limiter().requestsPerMinute(10).build();
        for (int i = 0; i < 4; i++) {
            assertGranted(limiter.tryAcquire(A, 5));
        }
        clock.advanceMillis(70_000); // its usage slid out; its buckets are dropped
        assertEquals(new SessionRateStats(0, 0, 10, 1_800_000), limiter.stats().sessionStats().get(A));
        for (int i = 0; i < 10; i++) {
            assertGranted(limiter.tryAcquire(A, 5));
        }
        assertRefused(limiter.tryAcquire(A, 5));
        assertEquals(10, limiter.stats().sessionStats().get(A).requestsLastMinute());
    }

    @Test
    void expiredContendingSessionGivesItsShareBack() {
        FairShareRateLimiter limiter = limiter().requestsPerMinute(100).idleTimeout(Duration.ofSeconds(10)).build();
        while (Permits.isGranted(limiter.tryAcquire(A, 1))) {
            // A takes the whole window
        }
        assertRefused(limiter.tryAcquire(B, 1)); // B contends; A (refused above) contends too
        assertEquals(50, limiter.stats().sessionStats().get(B).fairShareRPM());
        clock.advanceMillis(61_000);
        // A asked nothing for a minute: expired; B is alone and may use the whole limit again.
        for (int i = 0; i < 100; i++) {
            assertGranted(limiter.tryAcquire(B, 1));
        }
    }

    @Test
    void closedSessionStopsCountingAsActive() {
        FairShareRateLimiter limiter = limiter().policy(FairSharePolicy.STATIC_SPLIT).requestsPerMinute(100).build();
        limiter.openSession(A, 1);
        limiter.openSession(B, 1);
        assertEquals(50, limiter.stats().sessionStats().get(A).fairShareRPM());
        limiter.closeSession(B);
        limiter.closeSession(SessionId.of("never-opened"));
        assertEquals(1, limiter.stats().activeSessions());
        assertEquals(100, limiter.stats().sessionStats().get(A).fairShareRPM());
    }

    @Test
    void statsHaveTheOriginalsContent() {
        FairShareRateLimiter limiter = limiter().policy(FairSharePolicy.STATIC_SPLIT).build();
        limiter.openSession(A, 1);
        limiter.openSession(B, 1);
        for (int i = 0; i < 50; i++) {
            limiter.tryAcquire(A, 5_000);
        }
        RateLimiterStats stats = limiter.stats();
        assertEquals(50, stats.requestsLastMinute());
        assertEquals(4_500, stats.requestsPerMinuteLimit());
        assertEquals(250_000, stats.tokensLastMinute());
        assertEquals(1_800_000, stats.tokensPerMinuteLimit());
        assertEquals(2, stats.activeSessions());
        assertFalse(stats.rateLimited());
        assertEquals(new SessionRateStats(50, 250_000, 2_250, 900_000), stats.sessionStats().get(A));
        assertEquals(new SessionRateStats(0, 0, 2_250, 900_000), stats.sessionStats().get(B));
    }

    @Test
    void weightOfAnOpenSessionCanChange() {
        FairShareRateLimiter limiter = limiter().policy(FairSharePolicy.STATIC_SPLIT).requestsPerMinute(100).build();
        limiter.openSession(A, 1);
        limiter.openSession(B, 1);
        limiter.openSession(B, 3);
        assertEquals(25, limiter.stats().sessionStats().get(A).fairShareRPM());
        assertEquals(75, limiter.stats().sessionStats().get(B).fairShareRPM());
    }

    @Test
    void staticSplitCapsASessionAtItsShareEvenWhenAlone() {
        FairShareRateLimiter limiter = limiter().policy(FairSharePolicy.STATIC_SPLIT).requestsPerMinute(100).build();
        limiter.openSession(A, 1);
        limiter.openSession(B, 1);
        int admitted = 0;
        while (Permits.isGranted(limiter.tryAcquire(A, 1))) {
            admitted++;
        }
        assertEquals(50, admitted);
    }

    @Test
    void newcomerIsServedBeforeTheSessionThatFilledTheWindow() {
        FairShareRateLimiter limiter = limiter().requestsPerMinute(100).build();
        for (int i = 0; i < 100; i++) {
            assertGranted(limiter.tryAcquire(A, 1));
            clock.advanceMillis(100);
        }
        // The window is full of A. B asks and waits; A asks too.
        assertRefused(limiter.tryAcquire(B, 1));
        assertRefused(limiter.tryAcquire(A, 1));
        // As A's old requests slide out (from 60.1 s on, one every 100 ms), the room goes to B, which is
        // under its level (half), not to A, which is over it, until both are at the level.
        clock.advanceMillis(60_050 - 10_000);
        int toA = 0;
        int toB = 0;
        for (int i = 0; i < 60; i++) {
            clock.advanceMillis(100);
            if (Permits.isGranted(limiter.tryAcquire(A, 1))) {
                toA++;
            }
            if (Permits.isGranted(limiter.tryAcquire(B, 1))) {
                toB++;
            }
        }
        assertTrue(toA <= 12, "A got " + toA + " of the room freed in 6 s");
        assertTrue(toB >= 45, "B got " + toB + " of the room freed in 6 s, A " + toA);
    }
}
