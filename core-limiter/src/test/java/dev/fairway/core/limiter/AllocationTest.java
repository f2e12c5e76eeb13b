package dev.fairway.core.limiter;

import dev.fairway.test.support.ManualClock;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.fairway.api.SessionId;
import dev.fairway.api.limit.ConcurrencyLimiter.Outcome;
import dev.fairway.api.limit.Permits;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

import org.junit.jupiter.api.Test;

/**
 * The hot paths allocate nothing once a session is registered: counted exactly by the JVM's
 * per-thread allocation counter, not timed.
 */
class AllocationTest {

    /** {@code com.sun.management.ThreadMXBean#getCurrentThreadAllocatedBytes}, looked up reflectively: this module does not read jdk.management. */
    private static final MethodHandle ALLOCATED = allocatedBytes();

    private static MethodHandle allocatedBytes() {
        try {
            Object bean = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean").invoke(null);
            return MethodHandles.publicLookup()
                    .findVirtual(Class.forName("com.sun.management.ThreadMXBean"), "getCurrentThreadAllocatedBytes",
                            MethodType.methodType(long.class))
                    .bindTo(bean);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long allocated() {
        try {
            return (long) ALLOCATED.invokeExact();
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void acquireReconcileAndCancelAllocateNothingInSteadyState() {
        for (FairSharePolicy policy : FairSharePolicy.values()) {
            ManualClock clock = ManualClock.wall();
            FairShareRateLimiter limiter = FairShareRateLimiter.builder().requestsPerMinute(1_000)
                    .tokensPerMinute(100_000).policy(policy).clock(clock).build();
            SessionId[] sessions = new SessionId[100];
            for (int i = 0; i < sessions.length; i++) {
                sessions[i] = SessionId.of("s" + i);
                limiter.openSession(sessions[i], 1 + i % 3);
            }
            // Warm up: every session admitted once (its ring allocated), the limit reached, refusals seen.
            loop(limiter, clock, sessions, 50_000);
            assertEquals(0, leastAllocated(() -> loop(limiter, clock, sessions, 20_000)),
                    policy + ": bytes allocated by 20,000 calls");
        }
    }

    private static void loop(FairShareRateLimiter limiter, ManualClock clock, SessionId[] sessions, int calls) {
        for (int i = 0; i < calls; i++) {
            SessionId s = sessions[i % sessions.length];
            long permit = limiter.tryAcquire(s, 50);
            if (Permits.isGranted(permit)) {
                if (i % 3 == 0) {
                    limiter.cancel(s, permit, false);
                } else {
                    limiter.reconcile(s, permit, 40 + i % 20);
                }
            }
            clock.advanceNanos(3_000_000);
        }
    }

    @Test
    void concurrencyAcquireAndReleaseAllocateNothing() {
        BoundedConcurrencyLimiter limiter = BoundedConcurrencyLimiter.builder().clock(ManualClock.wall()).build();
        cycle(limiter, 50_000);
        assertEquals(0, leastAllocated(() -> cycle(limiter, 10_000)));
    }

    /**
     * The fewest bytes allocated by one of five runs. The JIT may allocate once in a while as it
     * recompiles (materializing objects on deoptimization); an allocation per call would show in
     * every run.
     */
    private static long leastAllocated(Runnable run) {
        long least = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            long before = allocated();
            run.run();
            least = Math.min(least, allocated() - before);
        }
        return least;
    }

    private static void cycle(BoundedConcurrencyLimiter limiter, int calls) {
        for (int i = 0; i < calls; i++) {
            long permit = limiter.tryAcquire();
            limiter.release(permit, i % 50 == 0 ? Outcome.RATE_LIMITED : Outcome.SUCCESS);
        }
    }
}
