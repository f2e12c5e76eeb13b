package dev.fairway.core.limiter.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class BucketRingTest {

    @Test
    void bucketsLeaveAsTheHeadAdvances() {
        BucketRing ring = new BucketRing(3, 0);
        ring.add(0, 1, 10);
        ring.advanceTo(2);
        ring.add(2, 2, 20);
        assertEquals(3, ring.requests());
        ring.advanceTo(3);
        assertEquals(3, ring.requests(), "tick 0 straddles the window of ticks 1..3 and still counts");
        ring.advanceTo(4);
        assertEquals(2, ring.requests());
        assertEquals(20, ring.tokens());
        ring.advanceTo(100);
        assertEquals(0, ring.requests());
    }

    @Test
    void refundNeverEmptiesABucketBelowZero() {
        BucketRing ring = new BucketRing(3, 0);
        ring.add(0, 1, 10);
        ring.add(0, -5, -50);
        assertEquals(0, ring.requests());
        assertEquals(0, ring.tokens());
    }

    @Test
    void addOutsideTheRingIsIgnored() {
        BucketRing ring = new BucketRing(3, 10);
        ring.add(6, 1, 1);
        ring.add(11, 1, 1);
        assertEquals(0, ring.requests());
    }

    @Test
    void ticksUntilFitsCountsBucketsFromTheOldest() {
        BucketRing ring = new BucketRing(3, 3);
        ring.add(0, 2, 0);
        ring.add(1, 0, 0);
        ring.add(2, 3, 0);
        assertEquals(0, ring.ticksUntilFits(1, 0, 6, 100));
        assertEquals(1, ring.ticksUntilFits(2, 0, 6, 100));
        assertEquals(3, ring.ticksUntilFits(5, 0, 6, 100));
        assertEquals(1, ring.ticksUntilFits(7, 0, 6, 100), "never fits: look again soon");
    }

    @Test
    void interpolationCountsThePartOfTheOldestBucketStillInside() {
        BucketRing ring = new BucketRing(2, 2);
        ring.add(0, 30, 300);
        ring.add(2, 10, 100);
        assertEquals(40, ring.requestsInterpolated(0, 30));
        assertEquals(30, ring.requestsInterpolated(10, 30));
        assertEquals(300, ring.tokensInterpolated(10, 30));
    }

    @Test
    void interpolatedWaitFollowsTheLinearDecay() {
        BucketRing ring = new BucketRing(2, 2);
        ring.add(0, 30, 0);
        ring.add(2, 10, 0);
        // 40 now; cap 31 with a need of 1 means the oldest must fall to 20 of 30: 10 of 30 fine ticks.
        assertEquals(10, ring.fineTicksUntilFitsInterpolated(1, 0, 31, 100, 0, 30));
        assertEquals(4, ring.fineTicksUntilFitsInterpolated(1, 0, 31, 100, 6, 30));
        // Cap 10: the oldest must go entirely (30 ticks) and then the next, empty one, costs nothing.
        assertEquals(30, ring.fineTicksUntilFitsInterpolated(0, 0, 10, 100, 0, 30));
        assertEquals(-1, ring.fineTicksUntilFitsInterpolated(2, 0, 1, 100, 0, 30));
    }
}
