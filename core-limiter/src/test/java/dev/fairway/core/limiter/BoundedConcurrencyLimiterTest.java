package dev.fairway.core.limiter;

import dev.fairway.test.support.ManualClock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fairway.api.limit.ConcurrencyLimiter;
import dev.fairway.api.limit.ConcurrencyLimiter.Outcome;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class BoundedConcurrencyLimiterTest {

    private final ManualClock clock = ManualClock.wall();

    private BoundedConcurrencyLimiter limiter(ConcurrencyPolicy policy) {
        return BoundedConcurrencyLimiter.builder().policy(policy).clock(clock).build();
    }

    @Test
    void defaultIsAdaptiveStartingAtTheOriginalsFive() {
        BoundedConcurrencyLimiter limiter = BoundedConcurrencyLimiter.create();
        assertEquals(5, limiter.limit());
    }

    @Test
    void noMoreThanTheLimitInFlight() {
        BoundedConcurrencyLimiter limiter = limiter(StaticConcurrencyPolicy.create());
        long[] permits = new long[5];
        for (int i = 0; i < 5; i++) {
            permits[i] = limiter.tryAcquire();
            assertNotEquals(ConcurrencyLimiter.NO_PERMIT, permits[i]);
        }
        assertEquals(ConcurrencyLimiter.NO_PERMIT, limiter.tryAcquire());
        assertEquals(5, limiter.inFlight());
        assertTrue(limiter.release(permits[2], Outcome.SUCCESS));
        assertNotEquals(ConcurrencyLimiter.NO_PERMIT, limiter.tryAcquire());
    }

    @Test
    void permitIsReleasedExactlyOnce() {
        BoundedConcurrencyLimiter limiter = limiter(StaticConcurrencyPolicy.create());
        long permit = limiter.tryAcquire();
        long other = limiter.tryAcquire();
        assertTrue(limiter.release(permit, Outcome.IGNORED));
        assertFalse(limiter.release(permit, Outcome.SUCCESS));
        assertFalse(limiter.release(permit, Outcome.RATE_LIMITED));
        assertEquals(1, limiter.inFlight());
        assertEquals(5, limiter.limit(), "the repeated 429 was not counted");
        assertTrue(limiter.release(other, Outcome.SUCCESS));
        assertEquals(0, limiter.inFlight());
    }

    @Test
    void stalePermitOfAReusedSlotIsNotReleased() {
        BoundedConcurrencyLimiter limiter = limiter(StaticConcurrencyPolicy.builder().normal(1).build());
        long first = limiter.tryAcquire();
        limiter.release(first, Outcome.SUCCESS);
        long second = limiter.tryAcquire();
        assertNotEquals(first, second);
        assertFalse(limiter.release(first, Outcome.SUCCESS));
        assertEquals(1, limiter.inFlight());
        assertTrue(limiter.release(second, Outcome.SUCCESS));
    }

    @Test
    void releaseAndTryAcquireIsARelease() {
        BoundedConcurrencyLimiter limiter = limiter(StaticConcurrencyPolicy.builder().normal(1).build());
        long first = limiter.tryAcquire();
        long second = limiter.releaseAndTryAcquire(first, Outcome.SUCCESS);
        assertNotEquals(ConcurrencyLimiter.NO_PERMIT, second, "the released slot is taken again");
        assertNotEquals(first, second);
        assertFalse(limiter.release(first, Outcome.SUCCESS), "the first permit was released");
        assertEquals(1, limiter.inFlight());
        assertEquals(ConcurrencyLimiter.NO_PERMIT, limiter.releaseAndTryAcquire(first, Outcome.SUCCESS),
                "a stale permit frees nothing, so the limit of 1 still holds");
        assertEquals(1, limiter.inFlight());
        assertEquals(ConcurrencyLimiter.NO_PERMIT, limiter.tryAcquire());
        long third = limiter.releaseAndTryAcquire(second, Outcome.IGNORED);
        assertNotEquals(ConcurrencyLimiter.NO_PERMIT, third);
        assertTrue(limiter.release(third, Outcome.SUCCESS));
        assertEquals(0, limiter.inFlight());
    }

    @Test
    void releaseAndTryAcquireReportsTheOutcomeBeforeAcquiring() {
        // A 429 drops the static policy to 2 at once: with 2 others still in flight, the slot freed by
        // the 429's own permit may not be taken again.
        BoundedConcurrencyLimiter limiter = limiter(StaticConcurrencyPolicy.builder().cooldown(Duration.ofSeconds(10)).build());
        long a = limiter.tryAcquire();
        limiter.tryAcquire();
        limiter.tryAcquire();
        assertEquals(ConcurrencyLimiter.NO_PERMIT, limiter.releaseAndTryAcquire(a, Outcome.RATE_LIMITED));
        assertEquals(2, limiter.inFlight());
    }

    @Test
    void valuesThatAreNoPermitAreIgnored() {
        BoundedConcurrencyLimiter limiter = limiter(StaticConcurrencyPolicy.create());
        assertFalse(limiter.release(ConcurrencyLimiter.NO_PERMIT, Outcome.SUCCESS));
        assertFalse(limiter.release(0, Outcome.SUCCESS));
        assertFalse(limiter.release(Long.MAX_VALUE, Outcome.SUCCESS));
        assertEquals(0, limiter.inFlight());
    }

    @Test
    void staticPolicyDropsToTwoAfterA429AndComesBack() {
        BoundedConcurrencyLimiter limiter = limiter(StaticConcurrencyPolicy.builder().cooldown(Duration.ofSeconds(10)).build());
        long permit = limiter.tryAcquire();
        limiter.release(permit, Outcome.RATE_LIMITED);
        assertEquals(2, limiter.limit());
        limiter.tryAcquire();
        limiter.tryAcquire();
        assertEquals(ConcurrencyLimiter.NO_PERMIT, limiter.tryAcquire());
        clock.advance(Duration.ofSeconds(10));
        assertNotEquals(ConcurrencyLimiter.NO_PERMIT, limiter.tryAcquire());
        assertEquals(5, limiter.limit());
    }

    @Test
    void shrunkenLimitAdmitsNothingUntilInFlightDrainsBelowIt() {
        BoundedConcurrencyLimiter limiter = limiter(AimdConcurrencyPolicy.builder().initial(4).floor(1).build());
        long[] permits = {limiter.tryAcquire(), limiter.tryAcquire(), limiter.tryAcquire(), limiter.tryAcquire()};
        limiter.release(permits[0], Outcome.RATE_LIMITED);
        assertEquals(2, limiter.limit());
        assertEquals(ConcurrencyLimiter.NO_PERMIT, limiter.tryAcquire(), "3 in flight, limit 2");
        limiter.release(permits[1], Outcome.IGNORED);
        assertEquals(ConcurrencyLimiter.NO_PERMIT, limiter.tryAcquire(), "2 in flight, limit 2");
        limiter.release(permits[2], Outcome.IGNORED);
        assertNotEquals(ConcurrencyLimiter.NO_PERMIT, limiter.tryAcquire());
    }

    @Test
    void adaptiveLimitGrowsWithCleanResponsesUnderLoad() {
        BoundedConcurrencyLimiter limiter = limiter(AimdConcurrencyPolicy.builder().initial(2).ceiling(4).build());
        for (int round = 0; round < 20; round++) {
            int limit = limiter.limit();
            long[] permits = new long[limit];
            for (int i = 0; i < limit; i++) {
                permits[i] = limiter.tryAcquire();
            }
            for (long p : permits) {
                limiter.release(p, Outcome.SUCCESS);
            }
        }
        assertEquals(4, limiter.limit(), "grew to the ceiling and stopped there");
    }
}
