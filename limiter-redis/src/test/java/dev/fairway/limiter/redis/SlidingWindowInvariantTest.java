package dev.fairway.limiter.redis;

import dev.fairway.api.SessionId;
import dev.fairway.api.limit.Permits;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three limiters share one Redis under concurrent load (one virtual thread per node per round, the
 * nodes racing each other): every admission is recorded with the time of the shared fake clock, and an
 * exact oracle slides a 60 s window over all of them. Without leases no window may exceed the limits;
 * with leases of L no window may exceed them by more than 3 * L requests (and 3 * L * the largest
 * estimate tokens).
 */
class SlidingWindowInvariantTest {

    private static final int NODES = 3;
    private static final long RPM = 200;
    private static final long TPM = 20_000;
    private static final int MAX_ESTIMATE = 200;
    private static final long SEED = 20260807L;
    private static TestRedis redis;

    @BeforeAll
    static void startRedis() {
        redis = TestRedis.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    /** One admission: when (the shared clock) and the tokens it finally counts for. */
    private record Admission(long at, long tokens) {
    }

    @ParameterizedTest(name = "lease {0}")
    @ValueSource(ints = {0, 5})
    void noSixtySecondWindowExceedsTheLimitAcrossThreeNodes(int lease) throws Exception {
        long[] worst = run(lease, true);
        long seed = SEED + lease;
        assertTrue(worst[0] <= RPM + (long) NODES * lease, "seed " + seed + ": " + worst[0] + " requests in 60 s");
        assertTrue(worst[1] <= TPM + (long) NODES * lease * MAX_ESTIMATE, "seed " + seed + ": " + worst[1] + " tokens");
        if (lease == 0) {
            assertEquals(Math.min(worst[0], RPM), worst[0], "seed " + seed + ": no overshoot without leases");
        }
        assertTrue(worst[0] >= RPM * 9 / 10 || worst[1] >= TPM * 9 / 10,
                "seed " + seed + ": the load never filled the window, so the test proves nothing");
    }

    @Test
    void negativeControlNodesWithSeparateWindowsOvershoot() throws Exception {
        long[] worst = run(0, false);
        assertTrue(worst[0] > RPM, "the oracle must catch three nodes that do not share their window: " + worst[0]);
    }

    /** Runs the load; returns the worst 60 s window's requests and tokens. */
    private long[] run(int lease, boolean shared) throws Exception {
        long seed = SEED + lease;
        Random random = new Random(seed);
        FakeClock clock = new FakeClock();
        List<RedisRateLimiter> nodes = new ArrayList<>();
        ConcurrentLinkedQueue<Admission> admissions = new ConcurrentLinkedQueue<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int n = 0; n < NODES; n++) {
                nodes.add(RedisRateLimiter.builder().uri(redis.uri())
                        .keyPrefix("inv" + lease + (shared ? "" : "-alone" + n)).nodeId("n" + n)
                        .clock(clock).lease(lease).requestsPerMinute(RPM).tokensPerMinute(TPM)
                        .commandTimeout(Duration.ofSeconds(5)).build());
            }
            int rounds = 2_000;
            for (int round = 0; round < rounds; round++) {
                // Mostly small steps; now and then a jump to just before or after a window edge.
                long step = random.nextInt(50) == 0 ? 59_900 + random.nextInt(200) : random.nextInt(400);
                clock.advance(step);
                long now = clock.millis();
                List<Future<?>> work = new ArrayList<>();
                for (int n = 0; n < NODES; n++) {
                    RedisRateLimiter node = nodes.get(n);
                    long nodeSeed = random.nextLong();
                    int nodeIndex = n;
                    work.add(threads.submit(() -> {
                        Random r = new Random(nodeSeed);
                        int attempts = 1 + r.nextInt(4);
                        for (int i = 0; i < attempts; i++) {
                            SessionId session = SessionId.of("n" + nodeIndex + "-s" + r.nextInt(3));
                            int estimate = 1 + r.nextInt(MAX_ESTIMATE);
                            long permit = node.tryAcquire(session, estimate);
                            if (!Permits.isGranted(permit)) {
                                continue;
                            }
                            int fate = r.nextInt(10);
                            if (fate == 0) {
                                node.cancel(session, permit, false);
                            } else if (fate < 4) {
                                int actual = r.nextInt(estimate + 1);
                                node.reconcile(session, permit, actual);
                                admissions.add(new Admission(now, actual));
                            } else {
                                admissions.add(new Admission(now, estimate));
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : work) {
                    f.get(60, TimeUnit.SECONDS);
                }
            }
            for (RedisRateLimiter node : nodes) {
                assertFalse(node.isDegraded(), "seed " + seed);
                node.close();
            }

            List<Admission> sorted = new ArrayList<>(admissions);
            sorted.sort(Comparator.comparingLong(Admission::at));
            long requestBound = RPM + (long) NODES * lease;
            long tokenBound = TPM + (long) NODES * lease * MAX_ESTIMATE;
            long worstRequests = 0;
            long worstTokens = 0;
            int first = 0;
            long tokens = 0;
            for (int last = 0; last < sorted.size(); last++) {
                tokens += sorted.get(last).tokens();
                // The window (t - 60 s, t] ending at this admission, with every admission at the same time.
                long t = sorted.get(last).at();
                while (sorted.get(first).at() <= t - 60_000) {
                    tokens -= sorted.get(first).tokens();
                    first++;
                }
                int endOfTie = last;
                long tieTokens = tokens;
                while (endOfTie + 1 < sorted.size() && sorted.get(endOfTie + 1).at() == t) {
                    endOfTie++;
                    tieTokens += sorted.get(endOfTie).tokens();
                }
                worstRequests = Math.max(worstRequests, endOfTie - first + 1);
                worstTokens = Math.max(worstTokens, tieTokens);
            }
            System.out.printf((shared ? "" : "separate windows, ") + "lease %d: %d rounds, %d admissions, worst 60 s window %d requests (limit %d, bound %d),"
                    + " %d tokens (limit %d, bound %d), %d Redis calls%n", lease, rounds, sorted.size(), worstRequests,
                    RPM, requestBound, worstTokens, TPM, tokenBound,
                    nodes.stream().mapToLong(RedisRateLimiter::redisCalls).sum());
            return new long[] {worstRequests, worstTokens};
        } finally {
            for (RedisRateLimiter node : nodes) {
                node.close();
            }
        }
    }
}
