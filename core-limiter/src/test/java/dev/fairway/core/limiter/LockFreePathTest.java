package dev.fairway.core.limiter;

import dev.fairway.test.support.ManualClock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fairway.api.NanoClock;
import dev.fairway.api.SessionId;
import dev.fairway.api.limit.Permits;
import dev.fairway.api.limit.RateLimiterStats;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

/**
 * The limiter's lock-free paths: its packed head counts fill up and move into the rings, requests
 * too large for it take the locked path, refunds wait for the lock and charges go to the current
 * bucket, and under many threads on a moving clock, with both paths, refunds and contention mixed,
 * no window ever holds more than the limits.
 */
class LockFreePathTest {

    private static final SessionId A = SessionId.of("a");

    /** The fine tick a permit was charged to (its upper bits). */
    private static long tickOf(long permit) {
        return permit >>> 31;
    }

    @Test
    void headCountsBeyondWhatTheWordHoldsAreAllCountedInTheWindow() {
        ManualClock clock = ManualClock.wall();
        FairShareRateLimiter limiter = FairShareRateLimiter.builder().requestsPerMinute(1_000_000)
                .tokensPerMinute(Integer.MAX_VALUE).clock(clock).build();
        limiter.openSession(A, 1);
        // 200,000 admissions in one fine tick: three times the 65,535 requests the word holds.
        for (int i = 0; i < 200_000; i++) {
            assertTrue(Permits.isGranted(limiter.tryAcquire(A, 3)), "admission " + i);
        }
        RateLimiterStats stats = limiter.stats();
        assertEquals(200_000, stats.requestsLastMinute());
        assertEquals(600_000, stats.tokensLastMinute());
        assertEquals(200_000, stats.sessionStats().get(A).requestsLastMinute());
        assertEquals(600_000, stats.sessionStats().get(A).tokensLastMinute());
    }

    @Test
    void requestsLargerThanTheWordsTokenFieldAreAdmittedExactly() {
        ManualClock clock = ManualClock.wall();
        FairShareRateLimiter limiter = FairShareRateLimiter.builder().requestsPerMinute(1_000)
                .tokensPerMinute(100_000_000).clock(clock).build();
        limiter.openSession(A, 1);
        assertTrue(Permits.isGranted(limiter.tryAcquire(A, 1)));
        // 2^24 tokens and more go by the locked path; so does a small request once the head is full.
        assertTrue(Permits.isGranted(limiter.tryAcquire(A, 30_000_000)));
        assertTrue(Permits.isGranted(limiter.tryAcquire(A, 16_000_000)));
        assertTrue(Permits.isGranted(limiter.tryAcquire(A, 16_000_000)));
        assertTrue(Permits.isGranted(limiter.tryAcquire(A, 37_999_999)));
        assertTrue(!Permits.isGranted(limiter.tryAcquire(A, 1)), "the window holds exactly 100,000,000 tokens");
        assertEquals(100_000_000, limiter.stats().tokensLastMinute());
        assertEquals(5, limiter.stats().requestsLastMinute());
    }

    @Test
    void aPermitOfTheLockFreePathReconcilesInItsOwnBucket() {
        ManualClock clock = ManualClock.wall();
        FairShareRateLimiter limiter = FairShareRateLimiter.builder().requestsPerMinute(100)
                .tokensPerMinute(1_000).clock(clock).build();
        limiter.openSession(A, 1);
        limiter.cancel(A, limiter.tryAcquire(A, 1), false); // the session's ring exists from here on
        long permit = limiter.tryAcquire(A, 400);
        assertTrue(Permits.isGranted(permit));
        clock.advanceMillis(250); // the next lock-holder moves the head counts into the rings
        limiter.reconcile(A, permit, 100);
        assertEquals(100, limiter.stats().tokensLastMinute());
        assertEquals(100, limiter.stats().sessionStats().get(A).tokensLastMinute());
        clock.advanceMillis(60_000); // the bucket of the permit has left the window
        assertEquals(0, limiter.stats().tokensLastMinute());
    }

    @Test
    void aSessionsLockFreeAdmissionsStayInTheCoarseBucketsTheyWereMadeIn() {
        ManualClock clock = ManualClock.wall();
        SessionId b = SessionId.of("b");
        FairShareRateLimiter limiter = FairShareRateLimiter.builder().requestsPerMinute(1_000)
                .tokensPerMinute(100_000).clock(clock).build();
        limiter.openSession(A, 1);
        limiter.openSession(b, 1);
        limiter.cancel(A, limiter.tryAcquire(A, 1), false);
        limiter.cancel(b, limiter.tryAcquire(b, 1), false);
        clock.advanceMillis(1_000);
        assertTrue(Permits.isGranted(limiter.tryAcquire(A, 10))); // pending in A's word, coarse bucket 0
        assertTrue(Permits.isGranted(limiter.tryAcquire(A, 10)));
        clock.advanceMillis(3_000);
        assertTrue(Permits.isGranted(limiter.tryAcquire(b, 5))); // a new tick: the locked path
        assertTrue(Permits.isGranted(limiter.tryAcquire(A, 7))); // A's word is of an older tick: settled first
        assertEquals(3, limiter.stats().sessionStats().get(A).requestsLastMinute());
        assertEquals(27, limiter.stats().sessionStats().get(A).tokensLastMinute());
        // At 64 s the coarse bucket of the first two (0 - 3 s) has left the window; that of the third
        // (3 - 6 s) straddles its start and counts in part.
        clock.advanceMillis(60_000);
        assertEquals(1, limiter.stats().sessionStats().get(A).requestsLastMinute());
        long tokens = limiter.stats().sessionStats().get(A).tokensLastMinute();
        assertTrue(tokens > 0 && tokens <= 7, "tokens " + tokens);
        assertEquals(2, limiter.stats().requestsLastMinute());
    }

    @Test
    void aDeferredRefundIsAppliedBeforeAnyDecisionThatNeedsIt() {
        ManualClock clock = ManualClock.wall();
        FairShareRateLimiter limiter = FairShareRateLimiter.builder().requestsPerMinute(100)
                .tokensPerMinute(1_000).clock(clock).build();
        limiter.openSession(A, 1);
        limiter.cancel(A, limiter.tryAcquire(A, 1), false);
        long permit = limiter.tryAcquire(A, 900);
        assertTrue(Permits.isGranted(permit));
        limiter.reconcile(A, permit, 100); // a refund of 800, waiting for the lock
        assertTrue(Permits.isGranted(limiter.tryAcquire(A, 800)), "the refunded room is there");
        assertTrue(!Permits.isGranted(limiter.tryAcquire(A, 101)), "and no more");
        assertEquals(900, limiter.stats().tokensLastMinute());
        assertEquals(900, limiter.stats().sessionStats().get(A).tokensLastMinute());
    }

    @Test
    void refundsOfTwoBucketsForOneSessionAreBothApplied() {
        ManualClock clock = ManualClock.wall();
        FairShareRateLimiter limiter = FairShareRateLimiter.builder().requestsPerMinute(100)
                .tokensPerMinute(10_000).clock(clock).build();
        limiter.openSession(A, 1);
        limiter.cancel(A, limiter.tryAcquire(A, 1), false);
        long first = limiter.tryAcquire(A, 500);
        clock.advanceMillis(250);
        long second = limiter.tryAcquire(A, 700);
        limiter.reconcile(A, first, 200);  // waits in A's refund word
        limiter.reconcile(A, second, 300); // another bucket: the locked path, which applies the first too
        assertEquals(500, limiter.stats().tokensLastMinute());
        // Each refund went to its own bucket: the first leaves the window before the second.
        clock.advanceMillis(60_000 - 250 + 100);
        assertEquals(300, limiter.stats().tokensLastMinute());
        clock.advanceMillis(300);
        assertEquals(0, limiter.stats().tokensLastMinute());
    }

    @Test
    void usageAboveTheEstimateIsChargedForAtLeastAMinute() {
        ManualClock clock = ManualClock.wall();
        FairShareRateLimiter limiter = FairShareRateLimiter.builder().requestsPerMinute(100)
                .tokensPerMinute(10_000).clock(clock).build();
        limiter.openSession(A, 1);
        limiter.cancel(A, limiter.tryAcquire(A, 1), false);
        long permit = limiter.tryAcquire(A, 100);
        clock.advanceMillis(1_000);
        limiter.tryAcquire(A, 1); // a new bucket: the next charge goes to the current one
        limiter.reconcile(A, permit, 300);
        assertEquals(301, limiter.stats().tokensLastMinute());
        assertEquals(301, limiter.stats().sessionStats().get(A).tokensLastMinute());
        clock.advanceMillis(59_500); // the permit's own bucket has left; the charge has not
        assertEquals(201, limiter.stats().tokensLastMinute());
        clock.advanceMillis(1_000);
        assertEquals(0, limiter.stats().tokensLastMinute());
    }

    @Test
    void manyThreadsOnAMovingClockNeverOverfillAWindow() throws Exception {
        for (FairSharePolicy policy : FairSharePolicy.values()) {
            long seed = 20261127L + policy.ordinal();
            int requestsPerMinute = 400;
            int tokensPerMinute = 6_000;
            // Every reading of the clock moves it 0.5 ms: the window slides while the threads admit.
            AtomicLong time = new AtomicLong();
            NanoClock clock = () -> time.addAndGet(500_000);
            FairShareRateLimiter limiter = FairShareRateLimiter.builder().requestsPerMinute(requestsPerMinute)
                    .tokensPerMinute(tokensPerMinute).policy(policy).clock(clock).build();
            int threads = 8;
            List<List<long[]>> admitted = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                admitted.add(new ArrayList<>());
            }
            Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
            CountDownLatch start = new CountDownLatch(1);
            try (var executor = Executors.newFixedThreadPool(threads)) {
                for (int t = 0; t < threads; t++) {
                    int id = t;
                    executor.submit(() -> {
                        SplittableRandom random = new SplittableRandom(seed + id);
                        try {
                            start.await();
                            for (int i = 0; i < 20_000; i++) {
                                SessionId session = SessionId.of("s" + random.nextInt(12));
                                int tokens = 1 + random.nextInt(40);
                                long permit = limiter.tryAcquire(session, tokens);
                                if (Permits.isGranted(permit)) {
                                    // Half are reconciled with a smaller actual usage: refunds make room.
                                    int actual = random.nextBoolean() ? random.nextInt(tokens + 1) : tokens;
                                    if (actual != tokens) {
                                        limiter.reconcile(session, permit, actual);
                                    }
                                    admitted.get(id).add(new long[] {tickOf(permit), actual});
                                }
                            }
                        } catch (Throwable e) {
                            failures.add(e);
                        }
                    });
                }
                start.countDown();
            }
            assertTrue(failures.isEmpty(), failures.toString());
            // Per fine tick, then every run of 601 consecutive ticks (the ring: 600 buckets of 100 ms
            // and the one straddling the window start) against the limits.
            TreeMap<Long, long[]> perTick = new TreeMap<>();
            long total = 0;
            for (List<long[]> list : admitted) {
                for (long[] a : list) {
                    long[] sums = perTick.computeIfAbsent(a[0], k -> new long[2]);
                    sums[0]++;
                    sums[1] += a[1];
                    total++;
                }
            }
            assertTrue(total > requestsPerMinute, policy + " (seed " + seed + "): the run should fill a window, admitted " + total);
            for (long last : perTick.keySet()) {
                long requests = 0;
                long tokens = 0;
                for (long[] sums : perTick.subMap(last - 600, true, last, true).values()) {
                    requests += sums[0];
                    tokens += sums[1];
                }
                assertTrue(requests <= requestsPerMinute && tokens <= tokensPerMinute,
                        policy + " (seed " + seed + "): ticks " + (last - 600) + ".." + last + " hold " + requests
                                + " requests and " + tokens + " tokens");
            }
        }
    }
}
