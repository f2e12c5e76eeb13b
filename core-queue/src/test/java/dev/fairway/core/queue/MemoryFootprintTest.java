package dev.fairway.core.queue;

import dev.fairway.api.RateLimitFeedback;
import dev.fairway.api.Session;
import dev.fairway.api.SessionId;
import dev.fairway.api.SessionListener;
import dev.fairway.api.SessionOptions;
import dev.fairway.api.SegmentFailure;
import dev.fairway.api.Translation;
import dev.fairway.api.limit.RateLimiter;
import dev.fairway.api.limit.RateLimiterStats;
import dev.fairway.core.limiter.FairShareRateLimiter;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Measures the heap that 10,000 idle sessions hold, their ids included (after a submit-and-deliver
 * each, so lazily made parts that stay are counted), with MemoryMXBean after GC. Prints the numbers (target: under 1 KiB a
 * session); asserts only a loose bound, since heap readings are not exact.
 */
class MemoryFootprintTest {

    private static final int SESSIONS = 10_000;

    @Test
    void tenThousandIdleSessionsStayUnderOneKibibyteEach() {
        long schedulerOnly = bytesPerSession(new NoopRateLimiter());
        long withLimiter = bytesPerSession(FairShareRateLimiter.builder().build());
        System.out.printf("memory per idle session (%d sessions): scheduler %d bytes, scheduler + FairShareRateLimiter"
                + " %d bytes%n", SESSIONS, schedulerOnly, withLimiter);
        assertTrue(schedulerOnly < 4096, "scheduler alone: " + schedulerOnly + " bytes per idle session");
    }

    private static long bytesPerSession(RateLimiter limiter) {
        ScriptedProvider provider = new ScriptedProvider();
        SessionListener listener = new SessionListener() {
            @Override
            public void onTranslation(Translation translation) {
            }

            @Override
            public void onFailure(SegmentFailure failure) {
            }
        };
        SessionOptions options = SessionOptions.of("en", "fr");
        try (FairScheduler scheduler = FairScheduler.builder().provider(provider).rateLimiter(limiter)
                .executor(Runnable::run).manualDispatch().build()) {
            List<Session> sessions = new ArrayList<>(SESSIONS);
            long before = usedAfterGc();
            for (int i = 0; i < SESSIONS; i++) {
                // The id is counted too: 17 characters, like a short transport-made id.
                Session s = scheduler.open(SessionId.of(String.format("session-%08d", i)), options, listener);
                s.submit(dev.fairway.api.SegmentKind.FINAL, 1, "warm up");
                sessions.add(s);
            }
            while (scheduler.pump() > 0) {
                provider.calls.clear();
            }
            provider.calls.clear();
            long after = usedAfterGc();
            assertEquals(SESSIONS, scheduler.status().activeSessions());
            long perSession = (after - before) / SESSIONS;
            // Keep everything reachable until measured.
            assertEquals(SESSIONS, sessions.size());
            return perSession;
        }
    }

    private static long usedAfterGc() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    /** Grants everything and keeps nothing per session. */
    private static final class NoopRateLimiter implements RateLimiter {
        @Override
        public void openSession(SessionId session, int weight) {
        }

        @Override
        public void closeSession(SessionId session) {
        }

        @Override
        public long tryAcquire(SessionId session, int estimatedTokens) {
            return 0;
        }

        @Override
        public void reconcile(SessionId session, long permit, int actualTokens) {
        }

        @Override
        public void cancel(SessionId session, long permit, boolean reachedProvider) {
        }

        @Override
        public void onFeedback(RateLimitFeedback feedback) {
        }

        @Override
        public void onRateLimited(RateLimitFeedback feedback) {
        }

        @Override
        public RateLimiterStats stats() {
            return new RateLimiterStats(0, 1, 0, 1, 0, false, Map.of());
        }
    }
}
