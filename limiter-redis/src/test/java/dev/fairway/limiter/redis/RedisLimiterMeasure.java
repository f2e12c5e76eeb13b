package dev.fairway.limiter.redis;

import dev.fairway.test.support.ManualClock;
import dev.fairway.test.support.TestRedis;
import dev.fairway.api.SessionId;
import dev.fairway.api.limit.Permits;

import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Measures the targets against a real redis-server on loopback (not a test: nothing is
 * asserted). Run from the repository root:
 *
 * <pre>
 * mvn -q -pl limiter-redis test-compile exec:exec -Dexec.executable=java -Dexec.classpathScope=test \
 *     -Dexec.args="-cp %classpath dev.fairway.limiter.redis.RedisLimiterMeasure"
 * </pre>
 *
 * <ol>
 *   <li>Three nodes share 4,500 RPM for 5 simulated minutes (a fake clock, steps of 10 ms, one virtual
 *   thread per node per step), 20 sessions per node, at 80% and at 150% of the limit: Redis calls per
 *   admitted request, and the worst 60 s window found by an exact oracle (overshoot), with leases of 10
 *   and with leasing off.</li>
 *   <li>One node on the system clock, limits that never refuse: acquire latency percentiles over 200,000
 *   acquires after 50,000 of warm-up, with leases of 10 and with leasing off.</li>
 * </ol>
 */
public final class RedisLimiterMeasure {

    private static final long RPM = 4_500;

    private RedisLimiterMeasure() {
    }

    public static void main(String[] args) throws Exception {
        try (TestRedis redis = TestRedis.start()) {
            System.out.println("redis-server on " + redis.uri() + ", " + redis.admin().info("server").lines()
                    .filter(l -> l.startsWith("redis_version")).findFirst().orElse("?"));
            for (int lease : new int[] {10, 0}) {
                for (int demandPercent : new int[] {80, 150}) {
                    threeNodes(redis, lease, demandPercent);
                }
            }
            for (int lease : new int[] {10, 0}) {
                latency(redis, lease);
            }
        }
        System.exit(0);
    }

    private record Admission(long at) {
    }

    private static void threeNodes(TestRedis redis, int lease, int demandPercent) throws Exception {
        ManualClock clock = ManualClock.wall();
        String prefix = "measure-" + lease + "-" + demandPercent;
        List<RedisRateLimiter> nodes = new ArrayList<>();
        ConcurrentLinkedQueue<Admission> admissions = new ConcurrentLinkedQueue<>();
        Random random = new Random(7);
        // Requests per 10 ms step over all nodes: demand% of 4,500/min = 0.075 per 10 ms at 100%.
        double perStep = RPM * demandPercent / 100.0 / 6_000.0;
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int n = 0; n < 3; n++) {
                nodes.add(RedisRateLimiter.builder().uri(redis.uri()).keyPrefix(prefix).nodeId("n" + n).clock(clock)
                        .lease(lease).requestsPerMinute(RPM).tokensPerMinute(100_000_000)
                        .commandTimeout(Duration.ofSeconds(2)).build());
            }
            long steps = 5 * 6_000;
            double[] debt = new double[3];
            for (long step = 0; step < steps; step++) {
                clock.advanceMillis(10);
                long now = clock.millis();
                List<Future<?>> work = new ArrayList<>();
                for (int n = 0; n < 3; n++) {
                    debt[n] += perStep / 3 * (0.5 + random.nextDouble());
                    int asks = (int) debt[n];
                    debt[n] -= asks;
                    if (asks == 0) {
                        continue;
                    }
                    RedisRateLimiter node = nodes.get(n);
                    int sessionBase = random.nextInt(20);
                    int nodeIndex = n;
                    work.add(threads.submit(() -> {
                        for (int i = 0; i < asks; i++) {
                            SessionId s = SessionId.of("n" + nodeIndex + "-s" + (sessionBase + i) % 20);
                            if (Permits.isGranted(node.tryAcquire(s, 300))) {
                                admissions.add(new Admission(now));
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : work) {
                    f.get(60, TimeUnit.SECONDS);
                }
            }
            long calls = nodes.stream().mapToLong(RedisRateLimiter::redisCalls).sum();
            long[] times = admissions.stream().mapToLong(Admission::at).sorted().toArray();
            long worst = 0;
            int first = 0;
            for (int last = 0; last < times.length; last++) {
                while (times[first] <= times[last] - 60_000) {
                    first++;
                }
                int end = last;
                while (end + 1 < times.length && times[end + 1] == times[last]) {
                    end++;
                }
                worst = Math.max(worst, end - first + 1);
            }
            System.out.printf("3 nodes, lease %2d, demand %3d%% of %d RPM, 5 min: admitted %6d, Redis calls %6d,"
                    + " calls/admitted %.3f, worst 60 s window %d (overshoot %d = %.2f%%, bound 3 x lease = %d)%n",
                    lease, demandPercent, RPM, times.length, calls, (double) calls / times.length, worst,
                    Math.max(0, worst - RPM), 100.0 * Math.max(0, worst - RPM) / RPM, 3 * lease);
        } finally {
            for (RedisRateLimiter node : nodes) {
                node.close();
            }
        }
    }

    private static void latency(TestRedis redis, int lease) {
        try (RedisRateLimiter node = RedisRateLimiter.builder().uri(redis.uri()).keyPrefix("latency-" + lease)
                .clock(InstantSource.system()).lease(lease).requestsPerMinute(Integer.MAX_VALUE)
                .tokensPerMinute(Integer.MAX_VALUE).commandTimeout(Duration.ofSeconds(2)).build()) {
            SessionId[] sessions = new SessionId[100];
            for (int i = 0; i < sessions.length; i++) {
                sessions[i] = SessionId.of("latency-" + i);
            }
            int warmup = 50_000;
            int measured = 200_000;
            long[] nanos = new long[measured];
            for (int i = 0; i < warmup + measured; i++) {
                long start = System.nanoTime();
                long permit = node.tryAcquire(sessions[i % sessions.length], 10);
                long took = System.nanoTime() - start;
                if (!Permits.isGranted(permit)) {
                    throw new IllegalStateException("refused");
                }
                if (i >= warmup) {
                    nanos[i - warmup] = took;
                }
            }
            Arrays.sort(nanos);
            System.out.printf("1 node, lease %2d, acquire latency over %d: p50 %.1f us, p90 %.1f us, p99 %.1f us,"
                    + " p99.9 %.1f us, max %.1f us; Redis calls %d%n", lease, measured, nanos[measured / 2] / 1e3,
                    nanos[measured * 9 / 10] / 1e3, nanos[measured * 99 / 100] / 1e3,
                    nanos[measured * 999 / 1000] / 1e3, nanos[measured - 1] / 1e3, node.redisCalls());
        }
    }
}
