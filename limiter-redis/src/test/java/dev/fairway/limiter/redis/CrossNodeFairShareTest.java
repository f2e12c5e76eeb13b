package dev.fairway.limiter.redis;

import dev.fairway.test.support.ManualClock;
import dev.fairway.test.support.TestRedis;
import dev.fairway.api.SessionId;
import dev.fairway.api.limit.Permits;
import dev.fairway.core.limiter.FairSharePolicy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two nodes, one greedy session each, sharing one Redis: each gets about half of the limit, although
 * node A always asks first. Weights count across nodes. The negative control: without fair share
 * (first come, first served) node A takes most of it.
 */
class CrossNodeFairShareTest {

    private static final long RPM = 600;
    private static final AtomicInteger PREFIXES = new AtomicInteger();
    private static TestRedis redis;

    @BeforeAll
    static void startRedis() {
        redis = TestRedis.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    /** Runs two greedy sessions for three minutes; returns what each got in the last minute. */
    private long[] greedyPair(FairSharePolicy policy, int weightA, int weightB) {
        ManualClock clock = ManualClock.wall();
        String prefix = "fair" + PREFIXES.incrementAndGet();
        try (RedisRateLimiter a = node(prefix, "a", clock, policy); RedisRateLimiter b = node(prefix, "b", clock, policy)) {
            SessionId sa = SessionId.of("session-on-a");
            SessionId sb = SessionId.of("session-on-b");
            a.openSession(sa, weightA);
            b.openSession(sb, weightB);
            long[] lastMinute = new long[2];
            // 3 minutes in steps of 10 ms: a session keeps to its share's pace while the other contends,
            // so a caller that looked only every 50 ms would lose the part of each interval it slept.
            for (int step = 0; step < 18_000; step++) {
                clock.advanceMillis(10);
                boolean measure = step >= 12_000;
                lastMinute[0] += askUntilRefused(a, sa, measure);
                lastMinute[1] += askUntilRefused(b, sb, measure);
            }
            assertTrue(!a.isDegraded() && !b.isDegraded());
            return lastMinute;
        }
    }

    private static long askUntilRefused(RedisRateLimiter node, SessionId session, boolean measure) {
        long admitted = 0;
        for (int i = 0; i < 1_000 && Permits.isGranted(node.tryAcquire(session, 100)); i++) {
            admitted++;
        }
        return measure ? admitted : 0;
    }

    private static RedisRateLimiter node(String prefix, String id, ManualClock clock, FairSharePolicy policy) {
        return RedisRateLimiter.builder().uri(redis.uri()).keyPrefix(prefix).nodeId(id).clock(clock).policy(policy)
                .lease(5).requestsPerMinute(RPM).tokensPerMinute(10_000_000).commandTimeout(Duration.ofSeconds(5))
                .build();
    }

    @Test
    void sessionsOnTwoNodesEachGetHalf() {
        long[] got = greedyPair(FairSharePolicy.MAX_MIN, 1, 1);
        System.out.printf("max-min, weights 1:1: a %d, b %d of %d%n", got[0], got[1], RPM);
        long total = got[0] + got[1];
        assertTrue(total >= RPM * 95 / 100 && total <= RPM + 10, "the limit is used: " + total);
        assertTrue(Math.abs(got[0] - got[1]) <= RPM / 10, "about half each: a " + got[0] + ", b " + got[1]);
    }

    @Test
    void weightsCountAcrossNodes() {
        long[] got = greedyPair(FairSharePolicy.MAX_MIN, 1, 3);
        System.out.printf("max-min, weights 1:3: a %d, b %d of %d%n", got[0], got[1], RPM);
        assertTrue(Math.abs(got[0] - RPM / 4) <= RPM / 20, "a gets a quarter: " + got[0]);
        assertTrue(Math.abs(got[1] - RPM * 3 / 4) <= RPM / 20, "b gets three quarters: " + got[1]);
    }

    @Test
    void withoutFairShareTheNodeThatAsksFirstTakesMost() {
        long[] got = greedyPair(FairSharePolicy.NONE, 1, 1);
        System.out.printf("none (first come, first served): a %d, b %d of %d%n", got[0], got[1], RPM);
        assertTrue(got[0] > 2 * got[1], "negative control: a " + got[0] + ", b " + got[1]);
    }
}
