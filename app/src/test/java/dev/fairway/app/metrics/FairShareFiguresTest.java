package dev.fairway.app.metrics;

import dev.fairway.api.SessionId;
import dev.fairway.api.limit.RateLimiterStats;
import dev.fairway.api.limit.SessionRateStats;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FairShareFiguresTest {

    private static final long RPM = 600;
    private static final long TPM = 1_000_000;

    /**
     * A limiter's stats: {@code used} maps session ids to the requests they used, each with a share of
     * {@code share} requests, and the window holds {@code window} requests of every node.
     */
    private static RateLimiterStats stats(Map<String, Long> used, long share, long window) {
        Map<SessionId, SessionRateStats> perSession = new HashMap<>();
        for (Map.Entry<String, Long> e : used.entrySet()) {
            perSession.put(SessionId.of(e.getKey()), new SessionRateStats(e.getValue(), e.getValue() * 10, share, TPM));
        }
        return new RateLimiterStats(window, RPM, window * 10, TPM, perSession.size(), false, perSession);
    }

    /** The window 95% full: the limit binds. */
    private static final long FULL = RPM * 95 / 100;

    private static final long OLD = TimeUnit.MINUTES.toNanos(5);

    @Test
    void heldBackSessionsGivenTheirShareAreFair() {
        // 4 sessions at a 150 RPM share each, the limit full: each used its share.
        RateLimiterStats s = stats(Map.of("a", 150L, "b", 150L, "c", 148L, "d", 150L), 150, FULL);

        FairShareFigures f = FairShareFigures.of(s, id -> true, id -> OLD);

        assertTrue(f.binding());
        assertEquals(4, f.heldBack());
        assertEquals(0, f.starved());
        assertEquals(4, f.within());
        assertTrue(f.jain() > 0.999, "jain " + f.jain());
        assertEquals(150, f.maxRequests());
        assertEquals(1500, f.maxTokens());
    }

    @Test
    void heldBackSessionGivenLessThanHalfItsShareIsStarved() {
        RateLimiterStats s = stats(Map.of("a", 150L, "b", 150L, "c", 150L, "d", 40L), 150, FULL);

        FairShareFigures f = FairShareFigures.of(s, id -> true, id -> OLD);

        assertEquals(1, f.starved());
        assertEquals(3, f.within());
        assertTrue(f.jain() < 0.9, "jain " + f.jain());
    }

    @Test
    void nobodyIsHeldBackWhileTheLimitDoesNotBind() {
        // Negative control of the test above: the same shortfall with the window half full (other nodes idle).
        RateLimiterStats s = stats(Map.of("a", 150L, "b", 150L, "c", 150L, "d", 40L), 150, RPM / 2);

        FairShareFigures f = FairShareFigures.of(s, id -> true, id -> OLD);

        assertTrue(!f.binding());
        assertEquals(0, f.heldBack());
        assertEquals(0, f.starved());
        assertEquals(4, f.within());
        assertEquals(1.0, f.jain());
    }

    @Test
    void sessionWithNothingWaitingWantsLessAndIsNotStarved() {
        RateLimiterStats s = stats(Map.of("a", 280L, "b", 280L, "quiet", 5L), 200, FULL);
        Set<SessionId> waiting = Set.of(SessionId.of("a"), SessionId.of("b"));

        FairShareFigures f = FairShareFigures.of(s, waiting::contains, id -> OLD);

        assertEquals(2, f.over(), "a and b used more than the 200 share");
        assertEquals(0, f.starved());
        assertEquals(1, f.within());
    }

    @Test
    void youngSessionIsJudgedOnTheShareItCouldHaveUsedSinceItOpened() {
        // "new" opened 15 s ago: a quarter of its 150 share is 37.5; it used 25, more than half of that.
        RateLimiterStats s = stats(Map.of("a", 150L, "b", 150L, "c", 150L, "new", 25L), 150, FULL);

        FairShareFigures f = FairShareFigures.of(s, id -> true,
                id -> id.value().equals("new") ? TimeUnit.SECONDS.toNanos(15) : OLD);

        assertEquals(0, f.starved());
        // The same 25 after a whole window is starvation.
        assertEquals(1, FairShareFigures.of(s, id -> true, id -> OLD).starved());
    }

    @Test
    void aPauseAfterA429HoldsEveryoneBackAlikeAndStarvesNobody() {
        // Admission paused, the window nearly empty: every session waits, none is treated worse than another.
        RateLimiterStats open = stats(Map.of("a", 10L, "b", 1L), 2_000, 11);
        RateLimiterStats paused = new RateLimiterStats(11, RPM, 110, TPM, 2, true, open.sessionStats());

        FairShareFigures f = FairShareFigures.of(paused, id -> true, id -> OLD);

        assertTrue(!f.binding());
        assertEquals(0, f.starved());
        assertEquals(1.0, f.jain());
    }

    @Test
    void oneHeldBackSessionIsFairToItself() {
        Map<SessionId, SessionRateStats> one = Map.of(SessionId.of("a"), new SessionRateStats(0, 0, 600, TPM));
        RateLimiterStats s = new RateLimiterStats(FULL, RPM, 0, TPM, 1, false, one);

        FairShareFigures f = FairShareFigures.of(s, id -> true, id -> OLD);

        assertTrue(f.binding());
        assertEquals(1, f.starved(), "the other nodes' sessions used the window");
        assertEquals(1.0, f.jain());
    }

    @Test
    void countsAddUpAndJainStaysInItsRange() {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        for (int run = 0; run < 2_000; run++) {
            int n = random.nextInt(30);
            Map<SessionId, SessionRateStats> perSession = new HashMap<>();
            long total = 0;
            for (int i = 0; i < n; i++) {
                long used = random.nextInt(300);
                long share = random.nextInt(300);
                perSession.put(SessionId.of("s" + i), new SessionRateStats(used, random.nextInt(50_000), share,
                        random.nextInt(100_000)));
                total += used;
            }
            RateLimiterStats s = new RateLimiterStats(Math.min(total, 10_000), RPM, random.nextInt(2_000_000), TPM,
                    n, random.nextBoolean(), perSession);
            FairShareFigures f = FairShareFigures.of(s, id -> random.nextBoolean(),
                    id -> random.nextInt(3) == 0 ? -1 : (long) (random.nextDouble() * OLD));
            String where = "seed " + seed + ", run " + run + ": " + f;
            assertEquals(n, f.over() + f.starved() + f.within(), where);
            assertTrue(f.starved() <= f.heldBack(), where);
            assertTrue(f.jain() > 0 && f.jain() <= 1.0, where);
            assertTrue(f.heldBack() < 2 || f.jain() >= 1.0 / f.heldBack() - 1e-9, where);
        }
    }
}
