package dev.fairway.limiter.redis;

import dev.fairway.test.support.ManualClock;
import dev.fairway.test.support.TestRedis;
import dev.fairway.api.RateLimitFeedback;
import dev.fairway.api.SessionId;
import dev.fairway.api.limit.Permits;
import dev.fairway.api.limit.RateLimiterStats;
import dev.fairway.core.limiter.FairSharePolicy;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RedisRateLimiterTest {

    private static final AtomicInteger PREFIXES = new AtomicInteger();
    private static TestRedis redis;

    private final ManualClock clock = ManualClock.wall();
    private final String prefix = "t" + PREFIXES.incrementAndGet();

    @BeforeAll
    static void startRedis() {
        redis = TestRedis.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    private RedisRateLimiter.Builder limiter(int lease) {
        return RedisRateLimiter.builder().uri(redis.uri()).keyPrefix(prefix).clock(clock).lease(lease)
                .pacingBurst(Duration.ZERO) // the window's own semantics; pacing has its own tests
                .requestsPerMinute(100).tokensPerMinute(100_000).commandTimeout(Duration.ofSeconds(2));
    }

    @Test
    void nodesTogetherTakeRequestsAtTheLimitsRateNotInABurst() {
        // Three nodes, each asking as fast as it can from an empty window: with the shared pacing
        // they get a second's burst and then one request per 60 s / RPM between them, instead of
        // the whole minute's budget at once and then nothing until it slides out.
        List<RedisRateLimiter> nodes = new ArrayList<>();
        try {
            for (int n = 0; n < 3; n++) {
                nodes.add(limiter(0).pacingBurst(Duration.ofSeconds(1)).nodeId("pace" + n).build());
            }
            long admitted = 0;
            long longestWait = 0;
            for (int step = 0; step < 1_000; step++) { // 10 s in steps of 10 ms
                clock.advanceMillis(10);
                for (int n = 0; n < nodes.size(); n++) {
                    long permit = nodes.get(n).tryAcquire(SessionId.of("s" + n), 10);
                    if (Permits.isGranted(permit)) {
                        admitted++;
                    } else {
                        longestWait = Math.max(longestWait, Permits.waitTime(permit).toMillis());
                    }
                }
            }
            // 100 RPM: the burst of 1 s (about 2) and one every 600 ms for 10 s (about 17). Once they
            // contend, each session keeps to its share's pace: one request per 60 s x 3 / 100 = 1.8 s.
            assertTrue(admitted >= 15 && admitted <= 21, "admitted " + admitted);
            assertTrue(longestWait <= 1_900, "a refusal said to wait " + longestWait + " ms");
        } finally {
            nodes.forEach(RedisRateLimiter::close);
        }
    }

    @Test
    void loneSessionGetsWholeLimitThenWaitsForTheWindowToSlide() {
        try (RedisRateLimiter limiter = limiter(0).build()) {
            SessionId s = SessionId.of("lone");
            for (int i = 0; i < 100; i++) {
                assertTrue(Permits.isGranted(limiter.tryAcquire(s, 10)), "request " + i);
            }
            long refusal = limiter.tryAcquire(s, 10);
            assertFalse(Permits.isGranted(refusal));
            // Everything was charged to one bucket: it leaves 60 s + one bucket later.
            assertEquals(Duration.ofMillis(60_100), Permits.waitTime(refusal));
            clock.advanceMillis(60_099);
            assertFalse(Permits.isGranted(limiter.tryAcquire(s, 10)));
            clock.advanceMillis(1);
            assertTrue(Permits.isGranted(limiter.tryAcquire(s, 10)));
            assertFalse(limiter.isDegraded());
        }
    }

    @Test
    void noFixedWindowDoublingAcrossAMinuteMark() {
        try (RedisRateLimiter limiter = limiter(0).build()) {
            SessionId s = SessionId.of("edge");
            clock.advanceMillis(59_000);
            for (int i = 0; i < 100; i++) {
                assertTrue(Permits.isGranted(limiter.tryAcquire(s, 1)));
            }
            clock.advanceMillis(2_000); // past a minute mark: a fixed window would admit 100 more
            assertFalse(Permits.isGranted(limiter.tryAcquire(s, 1)));
        }
    }

    @Test
    void leasedPermitsAreHandedOutLocallyAndTheRestReturnedOnClose() {
        RedisCommands<String, String> admin = redis.admin();
        String window = "{" + prefix + "}:window";
        try (RedisRateLimiter limiter = limiter(10).build()) {
            SessionId s = SessionId.of("leasing");
            for (int i = 0; i < 25; i++) {
                assertTrue(Permits.isGranted(limiter.tryAcquire(s, 10)));
            }
            assertEquals(4, limiter.redisCalls(), "a first sync, then 25 permits in leases of 10");
            assertEquals("30", admin.hget(window, "R"));
            assertEquals("300", admin.hget(window, "T"));
        }
        // close() gave the 5 unused permits (and their tokens) back.
        assertEquals("25", admin.hget(window, "R"));
        assertEquals("250", admin.hget(window, "T"));
    }

    @Test
    void cancelRefundsAndReconcileAdjustsWithTheNextCall() {
        RedisCommands<String, String> admin = redis.admin();
        String window = "{" + prefix + "}:window";
        try (RedisRateLimiter limiter = limiter(0).build()) {
            SessionId s = SessionId.of("refunds");
            long a = limiter.tryAcquire(s, 100);
            long b = limiter.tryAcquire(s, 100);
            long c = limiter.tryAcquire(s, 100);
            limiter.cancel(s, a, false);   // never reached the provider: refunded
            limiter.cancel(s, b, true);    // reached it: still counts
            limiter.reconcile(s, c, 40);   // used less than estimated: 60 refunded
            assertEquals("300", admin.hget(window, "T"), "batched: nothing sent yet");
            assertTrue(Permits.isGranted(limiter.tryAcquire(s, 100)));
            assertEquals("3", admin.hget(window, "R"));
            assertEquals("240", admin.hget(window, "T"));
            long d = limiter.tryAcquire(s, 100);
            limiter.reconcile(s, d, 150);  // used more: charged with the next call
            limiter.tryAcquire(s, 1);
            assertEquals("391", admin.hget(window, "T"), "240 + 100 + 50 more used + 1");
        }
    }

    @Test
    void everyKeyExpiresAndTheWindowStaysBounded() {
        RedisCommands<String, String> admin = redis.admin();
        try (RedisRateLimiter limiter = limiter(0).requestsPerMinute(100_000).build()) {
            SessionId s = SessionId.of("bounded");
            for (int i = 0; i < 3_000; i++) {
                limiter.tryAcquire(s, 1);
                clock.advanceMillis(50); // 150 s: the window slides over more than two minutes
            }
            List<String> keys = admin.keys("{" + prefix + "}:*");
            assertEquals(5, keys.size(), keys.toString());
            for (String key : keys) {
                long ttl = admin.pttl(key);
                assertTrue(ttl > 0 && ttl <= 5 * 60_000 + 10_000, key + " ttl " + ttl);
            }
            // Two fields per bucket of the last 60.1 s (four with input and output budgets), plus the
            // eight running fields.
            long fields = admin.hlen("{" + prefix + "}:window");
            assertTrue(fields <= 2 * 601 + 8, "window fields " + fields);
            long held = Long.parseLong(admin.hget("{" + prefix + "}:window", "R"));
            assertTrue(held >= 1_200 && held <= 1_202, "one per 50 ms in 60 to 60.1 s: " + held);
        }
    }

    @Test
    void registryCountsSessionsOfEveryNodeWithWeightsAndForgetsClosedAndIdleOnes() {
        RedisCommands<String, String> admin = redis.admin();
        String weights = "{" + prefix + "}:weights";
        try (RedisRateLimiter a = limiter(0).nodeId("a").idleTimeout(Duration.ofSeconds(30)).build();
                RedisRateLimiter b = limiter(0).nodeId("b").idleTimeout(Duration.ofSeconds(30)).build()) {
            a.openSession(SessionId.of("a1"), 1);
            b.openSession(SessionId.of("b1"), 3);
            a.tryAcquire(SessionId.of("a1"), 1);
            b.tryAcquire(SessionId.of("b1"), 1);
            assertEquals("4", admin.hget(weights, "#"));
            a.tryAcquire(SessionId.of("a1"), 1); // a learns of b's session with its next call
            assertEquals(2, a.stats().activeSessions());
            assertEquals(2L, admin.zcard("{" + prefix + "}:seen"), "two nodes");
            assertEquals(2, a.knownNodes());

            b.closeSession(SessionId.of("b1"));
            b.tryAcquire(SessionId.of("b2"), 1);
            assertEquals("2", admin.hget(weights, "#"), "b1 closed, b2 registered with weight 1");

            clock.advanceMillis(31_000);
            a.tryAcquire(SessionId.of("a2"), 1);
            assertEquals("1", admin.hget(weights, "#"), "a1 and b2 idle for 31 s: only a2 is left");
        }
        assertEquals(0L, admin.zcard("{" + prefix + "}:seen"), "closed nodes leave");
    }

    @Test
    void scriptIsLoadedAgainAfterRedisForgetsIt() {
        try (RedisRateLimiter limiter = limiter(0).build()) {
            SessionId s = SessionId.of("noscript");
            assertTrue(Permits.isGranted(limiter.tryAcquire(s, 1)));
            redis.admin().scriptFlush();
            assertTrue(Permits.isGranted(limiter.tryAcquire(s, 1)));
            assertFalse(limiter.isDegraded());
        }
    }

    @Test
    void rateLimitPausesEveryNode() {
        try (RedisRateLimiter a = limiter(0).nodeId("a").build(); RedisRateLimiter b = limiter(0).nodeId("b").build()) {
            SessionId sa = SessionId.of("pa");
            SessionId sb = SessionId.of("pb");
            assertTrue(Permits.isGranted(a.tryAcquire(sa, 1)));
            a.onRateLimited(RateLimitFeedback.builder().retryAfter(Duration.ofSeconds(3)).build());
            assertEquals(Duration.ofSeconds(3), Permits.waitTime(a.tryAcquire(sa, 1)));
            // The pause goes to Redis at once, without waiting for a's next call.
            String window = "{" + prefix + "}:window";
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!String.valueOf(clock.millis() + 3_000).equals(redis.admin().hget(window, "p"))) {
                assertTrue(System.nanoTime() < deadline, "the pause never reached Redis");
                Thread.onSpinWait();
            }
            clock.advanceMillis(1_000);
            assertTrue(a.stats().rateLimited());
            // b learns it with its next call.
            long first = b.tryAcquire(sb, 1);
            long second = b.tryAcquire(sb, 1);
            assertTrue(!Permits.isGranted(first) || !Permits.isGranted(second), "b is paused too");
            clock.advanceMillis(2_001);
            assertTrue(Permits.isGranted(b.tryAcquire(sb, 1)));
        }
    }

    @Test
    void staticSplitUsesTheWeightsOfEveryNode() {
        try (RedisRateLimiter a = limiter(0).nodeId("a").policy(FairSharePolicy.STATIC_SPLIT).build();
                RedisRateLimiter b = limiter(0).nodeId("b").policy(FairSharePolicy.STATIC_SPLIT).build()) {
            SessionId sa = SessionId.of("sa");
            SessionId sb = SessionId.of("sb");
            a.openSession(sa, 1);
            b.openSession(sb, 3);
            a.tryAcquire(sa, 1);
            b.tryAcquire(sb, 1);
            int admitted = 1;
            while (Permits.isGranted(a.tryAcquire(sa, 1))) {
                admitted++;
            }
            assertEquals(25, admitted, "a quarter of 100");
            RateLimiterStats stats = a.stats();
            assertEquals(25, stats.sessionStats().get(sa).fairShareRPM());
        }
    }

    @Test
    void badArgumentsAreRefusedWithTheirValue() {
        assertThrows(IllegalArgumentException.class, () -> RedisRateLimiter.builder().lease(-1));
        assertThrows(IllegalArgumentException.class, () -> RedisRateLimiter.builder().keyPrefix("a b"));
        assertThrows(IllegalArgumentException.class, () -> RedisRateLimiter.builder().bucketWidth(Duration.ofMillis(7)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RedisRateLimiter.builder().uri(" "));
        assertTrue(e.getMessage().contains("uri"), e.getMessage());
        try (RedisRateLimiter limiter = limiter(0).build()) {
            assertThrows(IllegalArgumentException.class, () -> limiter.tryAcquire(SessionId.of("x"), 0));
            assertThrows(IllegalArgumentException.class, () -> limiter.tryAcquire(SessionId.of("x"), 100_001));
        }
    }
}
