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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Finals first on Redis, beyond the contract's cases: the shared window keeps the headroom across
 * nodes, a lease serves partials only when it left the headroom free, and the local fallback keeps it.
 */
class RedisFinalHeadroomTest {

    private static final AtomicInteger PREFIXES = new AtomicInteger();
    private static TestRedis redis;

    private final ManualClock clock = ManualClock.wall();
    private final String prefix = "h" + PREFIXES.incrementAndGet();

    @BeforeAll
    static void startRedis() {
        redis = TestRedis.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    /** 100 RPM, 20% for finals, no fair share: only the window decides. */
    private RedisRateLimiter.Builder limiter(int lease) {
        return RedisRateLimiter.builder().uri(redis.uri()).keyPrefix(prefix).clock(clock).lease(lease)
                .pacingBurst(Duration.ZERO).policy(FairSharePolicy.NONE).finalHeadroom(20)
                .requestsPerMinute(100).tokensPerMinute(100_000).commandTimeout(Duration.ofSeconds(2));
    }

    private static int admitted(RedisRateLimiter limiter, SessionId session, boolean partial, int most) {
        int admitted = 0;
        while (admitted < most && Permits.isGranted(partial ? limiter.tryAcquirePartial(session, 10)
                : limiter.tryAcquire(session, 10))) {
            admitted++;
        }
        return admitted;
    }

    @Test
    void theSharedWindowKeepsTheHeadroomAcrossNodes() {
        try (RedisRateLimiter a = limiter(0).nodeId("a").build(); RedisRateLimiter b = limiter(0).nodeId("b").build()) {
            SessionId sa = SessionId.of("sa");
            SessionId sb = SessionId.of("sb");
            assertEquals(50, admitted(a, sa, true, 50));
            assertEquals(30, admitted(b, sb, true, 1_000));
            assertFalse(Permits.isGranted(a.tryAcquirePartial(sa, 10)));
            assertEquals(10, admitted(a, sa, false, 10));
            assertEquals(10, admitted(b, sb, false, 1_000));
        }
    }

    /** Partials refill the lease within the headroom; finals then lease the rest of the window. */
    @Test
    void partialsTakeFromALeaseOnlyWithinThePartialsPart() {
        try (RedisRateLimiter limiter = limiter(10).build()) {
            SessionId s = SessionId.of("s");
            assertEquals(80, admitted(limiter, s, true, 1_000));
            assertEquals(20, admitted(limiter, s, false, 1_000));
        }
    }

    /** A lease that finals took beyond the partials' part is left to finals: a partial asks Redis, and is refused. */
    @Test
    void aLeaseTakenBeyondThePartialsPartServesFinalsOnly() {
        try (RedisRateLimiter limiter = limiter(10).build()) {
            SessionId s = SessionId.of("s");
            assertEquals(85, admitted(limiter, s, false, 85)); // 90 charged: 5 left in the lease
            long calls = limiter.redisCalls();
            assertFalse(Permits.isGranted(limiter.tryAcquirePartial(s, 10)));
            assertEquals(calls + 1, limiter.redisCalls(), "the partial asked Redis for its own permit");
            assertEquals(5, admitted(limiter, s, false, 5));
            assertEquals(calls + 1, limiter.redisCalls(), "the finals took the lease's rest");
            // Redis said when the partials' part has room again: until then no partial calls.
            assertFalse(Permits.isGranted(limiter.tryAcquirePartial(s, 10)));
            assertEquals(calls + 1, limiter.redisCalls());
            assertEquals(10, admitted(limiter, s, false, 1_000));
        }
    }

    @Test
    void theLocalFallbackKeepsTheHeadroom() {
        int port = TestRedis.freePort();
        try (RedisRateLimiter limiter = limiter(0).uri("redis://127.0.0.1:" + port)
                .connectTimeout(Duration.ofMillis(200)).build()) {
            assertTrue(limiter.isDegraded());
            SessionId s = SessionId.of("s");
            assertEquals(80, admitted(limiter, s, true, 1_000));
            assertEquals(20, admitted(limiter, s, false, 1_000));
        }
    }
}
