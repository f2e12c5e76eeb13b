package dev.fairway.core.limiter;

import dev.fairway.test.support.ManualClock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fairway.api.SessionId;
import dev.fairway.api.TokenUsage;
import dev.fairway.api.limit.Permits;
import dev.fairway.api.limit.RateLimiterStats;

import org.junit.jupiter.api.Test;

/**
 * Batches: {@code transfer} moves tokens charged under one session's permit to another session's usage
 * for fair share, and changes no window (combined, input or output).
 */
class TransferTest {

    private static final SessionId A = SessionId.of("a");
    private static final SessionId B = SessionId.of("b");
    private static final SessionId C = SessionId.of("c");

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

    private static void assertUsage(RateLimiterStats stats, SessionId session, long requests, long tokens) {
        assertEquals(requests, stats.sessionStats().get(session).requestsLastMinute(), session + "'s requests");
        assertEquals(tokens, stats.sessionStats().get(session).tokensLastMinute(), session + "'s tokens");
    }

    @Test
    void transferMovesTheSessionsUsageAndKeepsTheWindow() {
        for (FairSharePolicy policy : FairSharePolicy.values()) {
            FairShareRateLimiter limiter = limiter().policy(policy).build();
            limiter.openSession(A, 1);
            limiter.openSession(B, 1);
            long permit = limiter.tryAcquire(A, 300);
            limiter.reconcile(A, permit, 300);
            limiter.transfer(A, permit, B, 100);
            RateLimiterStats stats = limiter.stats();
            assertEquals(1, stats.requestsLastMinute(), policy.toString());
            assertEquals(300, stats.tokensLastMinute(), policy.toString());
            assertUsage(stats, A, 1, 200);
            assertUsage(stats, B, 0, 100);
        }
    }

    /** Static split of 1,000 tokens: what A's permit paid for B counts in B's share, not A's. */
    @Test
    void transferredTokensCountInTheReceiversShare() {
        FairShareRateLimiter limiter = limiter().tokensPerMinute(1_000).policy(FairSharePolicy.STATIC_SPLIT).build();
        limiter.openSession(A, 1);
        limiter.openSession(B, 1);
        long permit = limiter.tryAcquire(A, 500);
        assertGranted(permit);
        assertRefused(limiter.tryAcquire(A, 1));
        limiter.reconcile(A, permit, 500);
        limiter.transfer(A, permit, B, 200);
        assertGranted(limiter.tryAcquire(A, 200));
        assertRefused(limiter.tryAcquire(A, 1));
        assertGranted(limiter.tryAcquire(B, 300));
        assertRefused(limiter.tryAcquire(B, 1));
    }

    /** Max-min: both contend; the move changes their usage, not their levels or the window. */
    @Test
    void transferBetweenContendingSessionsKeepsTheLevels() {
        FairShareRateLimiter limiter = limiter().tokensPerMinute(1_000).build();
        limiter.openSession(A, 1);
        limiter.openSession(B, 1);
        long permit = limiter.tryAcquire(A, 500);
        assertGranted(limiter.tryAcquire(B, 500));
        assertRefused(limiter.tryAcquire(A, 1));
        assertRefused(limiter.tryAcquire(B, 1));
        limiter.reconcile(A, permit, 500);
        limiter.transfer(A, permit, B, 200);
        RateLimiterStats stats = limiter.stats();
        assertEquals(1_000, stats.tokensLastMinute());
        assertUsage(stats, A, 1, 300);
        assertUsage(stats, B, 1, 700);
        assertEquals(500, stats.sessionStats().get(A).fairShareTPM());
        assertEquals(500, stats.sessionStats().get(B).fairShareTPM());
    }

    /** A reconcile above the estimate charged the newest bucket: the transfer takes it from there. */
    @Test
    void transferTakesWhatAReconcileChargedAboveTheEstimate() {
        FairShareRateLimiter limiter = limiter().build();
        limiter.openSession(A, 1);
        limiter.openSession(B, 1);
        long permit = limiter.tryAcquire(A, 100);
        clock.advanceMillis(5_000);
        limiter.reconcile(A, permit, 400);
        limiter.transfer(A, permit, B, 400);
        RateLimiterStats stats = limiter.stats();
        assertEquals(400, stats.tokensLastMinute());
        assertUsage(stats, A, 1, 0);
        assertUsage(stats, B, 0, 400);
    }

    @Test
    void transferNeverMovesMoreThanTheSenderHoldsNorAfterThePermitLeftTheWindow() {
        FairShareRateLimiter limiter = limiter().build();
        limiter.openSession(A, 1);
        limiter.openSession(B, 1);
        long permit = limiter.tryAcquire(A, 300);
        limiter.reconcile(A, permit, 300);
        limiter.transfer(A, permit, B, 1_000);
        assertUsage(limiter.stats(), A, 1, 0);
        assertUsage(limiter.stats(), B, 0, 300);

        long old = limiter.tryAcquire(A, 300);
        limiter.reconcile(A, old, 300);
        clock.advanceMillis(63_000);
        limiter.reconcile(A, limiter.tryAcquire(A, 500), 500);
        limiter.transfer(A, old, B, 300);
        assertUsage(limiter.stats(), A, 1, 500);
        assertUsage(limiter.stats(), B, 0, 0);
    }

    /** A receiver that is not registered is not registered again: the tokens count in the window only. */
    @Test
    void transferToAClosedSessionLeavesTheTokensToNobody() {
        FairShareRateLimiter limiter = limiter().build();
        limiter.openSession(A, 1);
        long permit = limiter.tryAcquire(A, 300);
        limiter.reconcile(A, permit, 300);
        limiter.transfer(A, permit, C, 100);
        RateLimiterStats stats = limiter.stats();
        assertEquals(300, stats.tokensLastMinute());
        assertEquals(1, stats.activeSessions());
        assertUsage(stats, A, 1, 200);
    }

    /** Fair share divides combined tokens only: the input and output windows stay as they were. */
    @Test
    void transferWithSeparateInputAndOutputWindowsMovesCombinedTokensOnly() {
        FairShareRateLimiter limiter = limiter().tokensPerMinute(10_000).inputTokensPerMinute(1_000)
                .outputTokensPerMinute(500).build();
        limiter.openSession(A, 1);
        limiter.openSession(B, 1);
        long permit = limiter.tryAcquire(A, 300, 100);
        limiter.reconcile(A, permit, TokenUsage.of(300, 100));
        limiter.transfer(A, permit, B, 150);
        RateLimiterStats stats = limiter.stats();
        assertEquals(400, stats.tokensLastMinute());
        assertUsage(stats, A, 1, 250);
        assertUsage(stats, B, 0, 150);
        // Still 300 input and 100 output tokens in their windows.
        assertGranted(limiter.tryAcquire(B, 700, 400));
        assertRefused(limiter.tryAcquire(B, 1, 0));
        assertRefused(limiter.tryAcquire(B, 0, 1));
    }

    @Test
    void transferOfNothingOrToItselfChangesNothingAndBadArgumentsAreNamed() {
        FairShareRateLimiter limiter = limiter().build();
        long permit = limiter.tryAcquire(A, 300);
        limiter.transfer(A, permit, A, 100);
        limiter.transfer(A, permit, B, 0);
        limiter.transfer(C, permit, B, 100); // C was never seen: nothing is counted for it
        assertUsage(limiter.stats(), A, 1, 300);
        var e = assertThrows(IllegalArgumentException.class, () -> limiter.transfer(A, permit, B, -1));
        assertEquals("tokens must be >= 0, was -1", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> limiter.transfer(A, -5, B, 1));
        assertThrows(IllegalArgumentException.class, () -> limiter.transfer(null, permit, B, 1));
        assertThrows(IllegalArgumentException.class, () -> limiter.transfer(A, permit, null, 1));
    }
}
