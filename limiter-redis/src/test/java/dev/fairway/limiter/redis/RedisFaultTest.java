package dev.fairway.limiter.redis;

import dev.fairway.test.support.ManualClock;
import dev.fairway.test.support.TestRedis;
import dev.fairway.api.SessionId;
import dev.fairway.api.limit.Permits;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Redis killed and restarted mid-run, slow, or absent at start: the node keeps admitting within its
 * local share (limit / known nodes), says it is degraded (method and gauge), calls Redis only through
 * the asynchronous probe, and goes back to Redis when it answers. Every acquire runs on a virtual
 * thread with a generous bound, so a stuck thread fails the test instead of hanging it.
 */
class RedisFaultTest {

    private static final long RPM = 600;

    private final ManualClock clock = ManualClock.wall();
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

    private RedisRateLimiter.Builder node(String uri, String id) {
        return RedisRateLimiter.builder().uri(uri).nodeId(id).keyPrefix("faults").clock(clock).lease(5)
                .pacingBurst(Duration.ZERO) // greedy bursts test the faults, not the pacing
                .requestsPerMinute(RPM).tokensPerMinute(10_000_000)
                .commandTimeout(Duration.ofMillis(500)).connectTimeout(Duration.ofMillis(1_000))
                .probeBackoff(Duration.ofMillis(50), Duration.ofMillis(200));
    }

    /** Asks until refused (at most 1,000 times) on a virtual thread; no exception may escape. */
    private long greedy(RedisRateLimiter node, SessionId session) throws Exception {
        Future<Long> admitted = threads.submit(() -> {
            long n = 0;
            for (int i = 0; i < 1_000 && Permits.isGranted(node.tryAcquire(session, 100)); i++) {
                n++;
            }
            return n;
        });
        return admitted.get(30, TimeUnit.SECONDS);
    }

    /** Probes (the fake clock past any backoff) until the node is back on Redis; bounded by 30 s. */
    private void awaitRecovery(RedisRateLimiter node) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!node.maybeProbe().get(10, TimeUnit.SECONDS)) {
            assertTrue(System.nanoTime() < deadline, "the node never went back to Redis");
            clock.advanceMillis(250);
            // Lettuce reconnects in the background (backoff up to 1 s): give it a moment between probes.
            LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
        }
        assertFalse(node.isDegraded());
    }

    private static long gauge(InMemoryMetricReader reader) {
        for (MetricData metric : reader.collectAllMetrics()) {
            if (metric.getName().equals("fairway.limiter.redis.degraded")) {
                return metric.getLongGaugeData().getPoints().stream().mapToLong(LongPointData::getValue).sum();
            }
        }
        throw new AssertionError("no fairway.limiter.redis.degraded gauge");
    }

    @Test
    void killedAndRestartedRedisDegradesToTheLocalShareAndRecovers() throws Exception {
        InMemoryMetricReader reader = InMemoryMetricReader.create();
        try (TestRedis redis = TestRedis.start();
                SdkMeterProvider meters = SdkMeterProvider.builder().registerMetricReader(reader).build();
                RedisRateLimiter a = node(redis.uri(), "a")
                        .openTelemetry(OpenTelemetrySdk.builder().setMeterProvider(meters).build()).build();
                RedisRateLimiter b = node(redis.uri(), "b").build()) {
            SessionId sa = SessionId.of("sa");
            SessionId sb = SessionId.of("sb");
            // Healthy: the two nodes share the limit.
            long shared = 0;
            for (int step = 0; step < 100; step++) {
                clock.advanceMillis(100);
                shared += greedy(a, sa) + greedy(b, sb);
            }
            assertTrue(shared >= RPM - 10 && shared <= RPM, "shared " + shared);
            assertEquals(0, gauge(reader));
            assertEquals(2, a.knownNodes());

            redis.kill();
            clock.advanceMillis(60_200); // the shared window would be empty again
            long callsBefore = a.redisCalls();
            long degradedA = 0;
            long degradedB = 0;
            for (int step = 0; step < 300; step++) { // 30 s without Redis
                clock.advanceMillis(100);
                degradedA += greedy(a, sa);
                degradedB += greedy(b, sb);
            }
            assertTrue(a.isDegraded() && b.isDegraded());
            assertEquals(1, gauge(reader));
            assertTrue(a.redisCalls() - callsBefore <= 1, "no Redis call while degraded, but the first that failed");
            // Each keeps admitting, within its local share: half the limit each (two nodes known).
            assertEquals(RPM / 2, degradedA);
            assertEquals(RPM / 2, degradedB);
            assertEquals(RPM / 2, a.stats().requestsPerMinuteLimit());

            redis.restart();
            awaitRecovery(a);
            awaitRecovery(b);
            assertEquals(0, gauge(reader));
            clock.advanceMillis(100);
            greedy(a, sa);
            greedy(b, sb);
            // What the fallbacks admitted in the last minute was charged to the (new, empty) shared window.
            long window = Long.parseLong(redis.admin().hget("{faults}:window", "R"));
            assertTrue(window >= RPM - 10 && window <= RPM, "window after recovery " + window);
            assertFalse(a.isDegraded());
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void slowRedisTimesOutDegradesAndRecovers() throws Exception {
        try (TestRedis redis = TestRedis.start(); RedisRateLimiter a = node(redis.uri(), "slow").build()) {
            SessionId s = SessionId.of("s");
            clock.advanceMillis(100);
            assertTrue(greedy(a, s) > 0);
            redis.freeze(3_000);
            clock.advanceMillis(61_000);
            // The call waits at most the command timeout, then the node serves locally.
            long calls = a.redisCalls();
            assertTrue(greedy(a, s) > 0);
            assertTrue(a.isDegraded(), "calls " + calls + " -> " + a.redisCalls());
            awaitRecovery(a);
            clock.advanceMillis(61_000);
            assertTrue(greedy(a, s) > 0);
            assertFalse(a.isDegraded());
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void unreachableAtStartServesTheConfiguredShareThenJoins() throws Exception {
        int port = TestRedis.freePort();
        try (RedisRateLimiter a = node("redis://127.0.0.1:" + port, "late").fallbackNodes(3).build()) {
            assertTrue(a.isDegraded());
            SessionId s = SessionId.of("s");
            clock.advanceMillis(100);
            assertEquals(RPM / 3, greedy(a, s), "a third of the limit until the others are known");
            try (TestRedis redis = TestRedis.notStarted(port)) {
                redis.restart();
                awaitRecovery(a);
                clock.advanceMillis(100);
                greedy(a, s);
                assertTrue(a.redisCalls() > 0);
                assertFalse(a.isDegraded());
            }
        } finally {
            threads.shutdownNow();
        }
    }
}
