package dev.fairway.core.limiter;

import dev.fairway.test.support.ManualClock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fairway.api.SessionId;
import dev.fairway.api.limit.ConcurrencyLimiter;
import dev.fairway.api.limit.ConcurrencyLimiter.Outcome;
import dev.fairway.api.limit.Permits;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

/**
 * Many threads at once, on a clock that stands still: the budget is handed out exactly, never more
 * (a check-then-act race would overshoot) and never less.
 */
class ConcurrentAdmissionTest {

    private static final int THREADS = 16;
    private static final int ATTEMPTS = 2_000;

    @Test
    void manyPlatformThreadsOnManySessionsAdmitExactlyTheBudget() throws Exception {
        assertExactBudget(FairSharePolicy.NONE, THREADS, Thread.ofPlatform().factory());
    }

    @Test
    void manyVirtualThreadsOnOneSessionAdmitExactlyTheBudget() throws Exception {
        assertExactBudget(FairSharePolicy.MAX_MIN, 1, Thread.ofVirtual().factory());
    }

    private static void assertExactBudget(FairSharePolicy policy, int sessions, ThreadFactory threads) throws Exception {
        int tokenBudget = 10_007;
        int cost = 7;
        FairShareRateLimiter limiter = FairShareRateLimiter.builder().requestsPerMinute(1_000_000)
                .tokensPerMinute(tokenBudget).policy(policy).clock(ManualClock.wall()).build();
        AtomicLong admitted = new AtomicLong();
        run(threads, t -> {
            SessionId session = SessionId.of("s" + (t % sessions));
            for (int i = 0; i < ATTEMPTS; i++) {
                if (Permits.isGranted(limiter.tryAcquire(session, cost))) {
                    admitted.incrementAndGet();
                }
            }
        });
        assertEquals(tokenBudget / cost, admitted.get(), policy + " admitted");
        assertEquals((long) (tokenBudget / cost) * cost, limiter.stats().tokensLastMinute());
    }

    /**
     * Partials from many threads, most of them on the lock-free path: exactly the budget less the
     * headroom for finals (20% of 10,007: 8,005 tokens). Then finals get the rest (without fair share;
     * under max-min a session's finals are held to its level, which is never 0).
     */
    @Test
    void manyThreadsOfPartialsLeaveExactlyTheHeadroomToFinals() throws Exception {
        for (FairSharePolicy policy : new FairSharePolicy[] {FairSharePolicy.NONE, FairSharePolicy.MAX_MIN}) {
            int tokenBudget = 10_007;
            int cost = 7;
            FairShareRateLimiter limiter = FairShareRateLimiter.builder().requestsPerMinute(1_000_000)
                    .tokensPerMinute(tokenBudget).finalHeadroom(20).policy(policy).clock(ManualClock.wall()).build();
            AtomicLong admitted = new AtomicLong();
            run(Thread.ofPlatform().factory(), t -> {
                SessionId session = SessionId.of("s" + t);
                for (int i = 0; i < ATTEMPTS; i++) {
                    if (Permits.isGranted(limiter.tryAcquirePartial(session, cost))) {
                        admitted.incrementAndGet();
                    }
                }
            });
            assertEquals(8_005 / cost, admitted.get(), policy + " partials admitted");
            long finals = 0;
            while (Permits.isGranted(limiter.tryAcquire(SessionId.of("finals"), cost))) {
                finals++;
            }
            if (policy == FairSharePolicy.NONE) {
                assertEquals((tokenBudget - 8_005 / cost * cost) / cost, finals, "finals admitted");
            } else {
                assertTrue(finals > 0, "a final admitted");
            }
        }
    }

    @Test
    void concurrencyLimitHoldsUnderManyThreadsAndEveryPermitComesBack() throws Exception {
        ConcurrencyLimiter limiter = BoundedConcurrencyLimiter.builder()
                .policy(StaticConcurrencyPolicy.create()).clock(ManualClock.wall()).build();
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger highest = new AtomicInteger();
        AtomicInteger doubleReleases = new AtomicInteger();
        run(Thread.ofVirtual().factory(), t -> {
            for (int i = 0; i < ATTEMPTS; i++) {
                long permit = limiter.tryAcquire();
                if (permit == ConcurrencyLimiter.NO_PERMIT) {
                    continue;
                }
                int now = inFlight.incrementAndGet();
                highest.accumulateAndGet(now, Math::max);
                inFlight.decrementAndGet();
                limiter.release(permit, Outcome.SUCCESS);
                if (limiter.release(permit, Outcome.SUCCESS)) {
                    doubleReleases.incrementAndGet();
                }
            }
        });
        assertTrue(highest.get() <= 5, "in flight peaked at " + highest.get());
        assertEquals(0, doubleReleases.get());
        assertEquals(0, limiter.inFlight());
    }

    private interface Body {
        void run(int thread) throws Exception;
    }

    private static void run(ThreadFactory factory, Body body) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
        try (var executor = Executors.newThreadPerTaskExecutor(factory)) {
            for (int t = 0; t < THREADS; t++) {
                int id = t;
                executor.submit(() -> {
                    try {
                        start.await();
                        body.run(id);
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                    return null;
                });
            }
            start.countDown();
        }
        assertTrue(failures.isEmpty(), failures.toString());
    }
}
