package dev.fairway.limiter.redis;

import dev.fairway.test.support.ManualClock;
import dev.fairway.test.support.TestRedis;
import dev.fairway.api.SessionId;
import dev.fairway.api.TokenUsage;
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
 * estimate tokens). With separate input and output limits, the same holds for input and output tokens.
 * Half of the asks are partials (the default headroom for finals), and reconciled permits transfer
 * tokens between a node's sessions.
 */
class SlidingWindowInvariantTest {

    private static final int NODES = 3;
    private static final long RPM = 200;
    private static final long TPM = 20_000;
    private static final int MAX_ESTIMATE = 200;
    private static final long IPM = 12_000;
    private static final long OPM = 5_000;
    private static final int MAX_INPUT = 120;
    private static final int MAX_OUTPUT = 80;
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

    /** One admission: when (the shared clock) and the tokens (combined, input, output) it finally counts for. */
    private record Admission(long at, long tokens, long in, long out) {
    }

    @ParameterizedTest(name = "lease {0}")
    @ValueSource(ints = {0, 5})
    void noSixtySecondWindowExceedsTheLimitAcrossThreeNodes(int lease) throws Exception {
        long[] worst = run(lease, true, false);
        long seed = SEED + lease;
        assertTrue(worst[0] <= RPM + (long) NODES * lease, "seed " + seed + ": " + worst[0] + " requests in 60 s");
        assertTrue(worst[1] <= TPM + (long) NODES * lease * MAX_ESTIMATE, "seed " + seed + ": " + worst[1] + " tokens");
        if (lease == 0) {
            assertEquals(Math.min(worst[0], RPM), worst[0], "seed " + seed + ": no overshoot without leases");
        }
        assertTrue(worst[0] >= RPM * 9 / 10 || worst[1] >= TPM * 9 / 10,
                "seed " + seed + ": the load never filled the window, so the test proves nothing");
    }

    @ParameterizedTest(name = "lease {0}")
    @ValueSource(ints = {0, 5})
    void noSixtySecondWindowExceedsTheInputAndOutputLimitsAcrossThreeNodes(int lease) throws Exception {
        long[] worst = run(lease, true, true);
        long seed = SEED + lease;
        assertTrue(worst[0] <= RPM + (long) NODES * lease, "seed " + seed + ": " + worst[0] + " requests in 60 s");
        assertTrue(worst[2] <= IPM + (long) NODES * lease * MAX_INPUT, "seed " + seed + ": " + worst[2] + " input");
        assertTrue(worst[3] <= OPM + (long) NODES * lease * MAX_OUTPUT, "seed " + seed + ": " + worst[3] + " output");
        if (lease == 0) {
            assertTrue(worst[2] <= IPM && worst[3] <= OPM, "seed " + seed + ": no overshoot without leases");
        }
        assertTrue(worst[3] >= OPM * 9 / 10, "seed " + seed + ": the load never filled the output window");
    }

    @Test
    void negativeControlNodesWithSeparateWindowsOvershoot() throws Exception {
        long[] worst = run(0, false, false);
        assertTrue(worst[0] > RPM, "the oracle must catch three nodes that do not share their window: " + worst[0]);
    }

    /** Runs the load; returns the worst 60 s window's requests, tokens, input and output tokens. */
    private long[] run(int lease, boolean shared, boolean split) throws Exception {
        long seed = SEED + lease + (split ? 100 : 0);
        Random random = new Random(seed);
        ManualClock clock = ManualClock.wall();
        List<RedisRateLimiter> nodes = new ArrayList<>();
        ConcurrentLinkedQueue<Admission> admissions = new ConcurrentLinkedQueue<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int n = 0; n < NODES; n++) {
                nodes.add(RedisRateLimiter.builder().uri(redis.uri())
                        .keyPrefix("inv" + lease + (split ? "-split" : "") + (shared ? "" : "-alone" + n)).nodeId("n" + n)
                        .clock(clock).lease(lease).pacingBurst(Duration.ZERO).requestsPerMinute(RPM).tokensPerMinute(TPM)
                        .inputTokensPerMinute(split ? IPM : 0).outputTokensPerMinute(split ? OPM : 0)
                        .commandTimeout(Duration.ofSeconds(5)).build());
            }
            int rounds = 2_000;
            for (int round = 0; round < rounds; round++) {
                // Mostly small steps; now and then a jump to just before or after a window edge.
                long step = random.nextInt(50) == 0 ? 59_900 + random.nextInt(200) : random.nextInt(400);
                clock.advanceMillis(step);
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
                            int in = split ? r.nextInt(MAX_INPUT + 1) : 0;
                            int out = split ? 1 + r.nextInt(MAX_OUTPUT) : 0;
                            int estimate = split ? in + out : 1 + r.nextInt(MAX_ESTIMATE);
                            // Half of them partials, which leave the default headroom for finals free.
                            boolean partial = r.nextBoolean();
                            long permit;
                            if (split) {
                                permit = partial ? node.tryAcquirePartial(session, in, out)
                                        : node.tryAcquire(session, in, out);
                            } else {
                                permit = partial ? node.tryAcquirePartial(session, estimate)
                                        : node.tryAcquire(session, estimate);
                            }
                            if (!Permits.isGranted(permit)) {
                                continue;
                            }
                            int fate = r.nextInt(10);
                            if (fate == 0) {
                                node.cancel(session, permit, false);
                            } else if (fate < 4 && split) {
                                int prompt = r.nextInt(in + 1);
                                int completion = r.nextInt(out + 1);
                                node.reconcile(session, permit, TokenUsage.of(prompt, completion));
                                // A part reported as 0 keeps its estimate.
                                admissions.add(new Admission(now, prompt + completion == 0 ? estimate : prompt + completion,
                                        prompt == 0 ? in : prompt, completion == 0 ? out : completion));
                            } else if (fate < 4) {
                                int actual = r.nextInt(estimate + 1);
                                node.reconcile(session, permit, actual);
                                // A batch's tokens to another session of the node: no window changes.
                                node.transfer(session, permit, SessionId.of("n" + nodeIndex + "-s" + r.nextInt(3)),
                                        r.nextInt(estimate + 1));
                                admissions.add(new Admission(now, actual == 0 ? estimate : actual, 0, 0));
                            } else {
                                admissions.add(new Admission(now, estimate, in, out));
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
            long worstIn = 0;
            long worstOut = 0;
            int first = 0;
            long tokens = 0;
            long in = 0;
            long out = 0;
            for (int last = 0; last < sorted.size(); last++) {
                tokens += sorted.get(last).tokens();
                in += sorted.get(last).in();
                out += sorted.get(last).out();
                // The window (t - 60 s, t] ending at this admission, with every admission at the same time.
                long t = sorted.get(last).at();
                while (sorted.get(first).at() <= t - 60_000) {
                    tokens -= sorted.get(first).tokens();
                    in -= sorted.get(first).in();
                    out -= sorted.get(first).out();
                    first++;
                }
                int endOfTie = last;
                long tieTokens = tokens;
                long tieIn = in;
                long tieOut = out;
                while (endOfTie + 1 < sorted.size() && sorted.get(endOfTie + 1).at() == t) {
                    endOfTie++;
                    tieTokens += sorted.get(endOfTie).tokens();
                    tieIn += sorted.get(endOfTie).in();
                    tieOut += sorted.get(endOfTie).out();
                }
                worstRequests = Math.max(worstRequests, endOfTie - first + 1);
                worstTokens = Math.max(worstTokens, tieTokens);
                worstIn = Math.max(worstIn, tieIn);
                worstOut = Math.max(worstOut, tieOut);
            }
            System.out.printf((shared ? "" : "separate windows, ") + "lease %d: %d rounds, %d admissions, worst 60 s window %d requests (limit %d, bound %d),"
                    + " %d tokens (limit %d, bound %d), %d input (limit %d), %d output (limit %d), %d Redis calls%n",
                    lease, rounds, sorted.size(), worstRequests, RPM, requestBound, worstTokens, TPM, tokenBound,
                    worstIn, split ? IPM : 0, worstOut, split ? OPM : 0,
                    nodes.stream().mapToLong(RedisRateLimiter::redisCalls).sum());
            return new long[] {worstRequests, worstTokens, worstIn, worstOut};
        } finally {
            for (RedisRateLimiter node : nodes) {
                node.close();
            }
        }
    }
}
