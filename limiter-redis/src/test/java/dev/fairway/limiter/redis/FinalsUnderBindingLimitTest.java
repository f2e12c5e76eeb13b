package dev.fairway.limiter.redis;

import dev.fairway.test.support.ManualClock;
import dev.fairway.test.support.TestRedis;
import dev.fairway.api.SessionId;
import dev.fairway.api.limit.Permits;
import dev.fairway.api.limit.RateLimiter;
import dev.fairway.core.limiter.FairShareRateLimiter;
import dev.fairway.core.limiter.RateLimiterSettings;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Finals under a binding request limit, against the memory store, one node on the Redis store, and
 * three nodes sharing one Redis. Six sessions per node share 200 requests per minute per node; each
 * speaks a partial every 400 ms (150 a minute, far above its share of 33) and makes every eighth of
 * them a final. The sessions are driven as core-queue's scheduler drives them, on a fake clock in
 * steps of 10 ms: each node paces its dispatches at 60 s / RPM of the whole limit (the default, which
 * knows nothing of other nodes), a ring in which a session goes behind the others after a dispatch,
 * finals before partials within a session, at most one final and one partial in flight per session
 * (250 ms each), a newer partial superseding the pending one, a final superseding the pending
 * partial, partials asked for with {@code tryAcquirePartial} (the default headroom for finals, 20%),
 * and a session refused by the limiter left alone until the refusal's wait is over (a refused partial
 * holds back only the session's partials).
 *
 * <p>What a final may wait, from its arrival until its translation is back, with {@code N} sessions
 * sharing {@code R} requests per minute: its session's next turn in the paced ring (at most
 * {@code N × 60 s / R}, 1.8 s), its session's share freeing a request (one share interval,
 * {@code 60 s × N / R}, 1.8 s), the granularity of the share's window (coarse buckets of 3 s), the age
 * of a node's view of the other nodes' contention (one sync interval, 1 s) and the call itself
 * (250 ms): {@code 2 × 60 s × N / R + 3 s + 1 s + 250 ms} = 7.85 s. And a final is never slower, at
 * p95, than the partials of the same load, counted as a person reading the partials sees them: from
 * the first partial that no translation covered yet until a partial translation arrives.
 *
 * <p>Measured with this test (2026-12-08), finals p50/p95/max: memory 970/1,850/2,030 ms; Redis, one
 * node 970/1,850/2,030 ms; Redis, three nodes 450/1,830/2,110 ms; partials about 2,950 ms at p95 in all
 * three, but fewer of them translated (132 instead of 239 on memory): the limit binds at 78% of it.
 * Without the headroom (partials asked for as finals, 2026-12-07): memory 1,170/2,010/4,290 ms; Redis,
 * one node 1,230/2,230/3,690 ms; Redis, three nodes 1,240/2,130/7,040 ms. Before that: one node on
 * Redis 15,630/47,690/55,290 ms (a session that started to contend between two Redis calls had its
 * usage counted as satisfied until the next call, and so did the node's unused lease, so the others'
 * shares collapsed and their refusals said to wait up to 55 s); three nodes 16,330/38,490/42,080 ms
 * (each node paced at the whole limit, so the window filled in 20 s and then admitted nothing for
 * 40 s, and sessions spent their shares in bursts).
 */
class FinalsUnderBindingLimitTest {

    private static final int SESSIONS = 6;
    private static final long RPM = 200;
    private static final int TOKENS = 50;
    private static final long STEP_MS = 10;
    private static final long PACE_MS = 60_000 / RPM;
    private static final long PARTIAL_EVERY_MS = 400;
    private static final int PARTIALS_PER_FINAL = 8;
    private static final long LATENCY_MS = 250;
    private static final long STALE_AFTER_MS = 2_000;
    private static final long SPEAK_MS = 240_000;
    private static final long MEASURE_FROM_MS = 60_000;
    private static final long DRAIN_MS = 120_000;
    private static final long SYNC_MS = 1_000;
    /** The stores' default headroom for finals, which partials leave free. */
    private static final int HEADROOM = RateLimiterSettings.DEFAULT_FINAL_HEADROOM_PERCENT;
    private static final long BOUND_MS = 2 * 60_000 * SESSIONS / RPM + 3_000 + SYNC_MS + LATENCY_MS;
    private static final AtomicInteger PREFIXES = new AtomicInteger();

    private static TestRedis redis;

    /** Where the limits are kept: one node's memory, one node on Redis, three nodes sharing Redis. */
    enum Store {
        MEMORY(1), REDIS(1), REDIS_THREE_NODES(3);

        final int nodes;

        Store(int nodes) {
            this.nodes = nodes;
        }
    }

    @BeforeAll
    static void startRedis() {
        redis = TestRedis.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @ParameterizedTest
    @EnumSource(Store.class)
    void finalsWaitWithinTheBoundAndNoLongerThanPartials(Store store) {
        ManualClock clock = ManualClock.wall();
        long rpm = RPM * store.nodes;
        String prefix = "finals" + PREFIXES.incrementAndGet();
        List<Limiter> limiters = new ArrayList<>();
        Result r;
        try {
            List<Node> nodes = new ArrayList<>();
            for (int n = 0; n < store.nodes; n++) {
                Limiter limiter = limiter(store, clock, prefix, n, rpm);
                limiters.add(limiter);
                nodes.add(new Node(limiter.limiter(), n, 60_000 / rpm));
            }
            r = speak(nodes, clock);
        } finally {
            limiters.forEach(Limiter::close);
        }
        long finalP95 = percentile(r.finalWaits(), 95);
        long finalMax = percentile(r.finalWaits(), 100);
        long partialP95 = percentile(r.partialWaits(), 95);
        System.out.printf("%s: admitted %d in %d s; finals %d, wait p50/p95/max %d/%d/%d ms;"
                        + " partials translated %d, wait p95 %d ms%n",
                store, r.admitted(), (SPEAK_MS - MEASURE_FROM_MS) / 1000, r.finalWaits().size(),
                percentile(r.finalWaits(), 50), finalP95, finalMax, r.partialWaits().size(), partialP95);
        assertEquals(0, r.finalsLeft(), store + ": every final was admitted");
        // Partials leave the headroom for finals: the limit binds at the partials' part of it.
        assertTrue(r.admitted() >= (SPEAK_MS - MEASURE_FROM_MS) / 60_000 * rpm * (100 - HEADROOM) / 100 * 90 / 100,
                store + ": the limit binds and is used: " + r.admitted());
        assertTrue(finalMax <= BOUND_MS, store + ": a final waited " + finalMax + " ms, bound " + BOUND_MS + " ms");
        assertTrue(finalP95 <= partialP95,
                store + ": finals p95 " + finalP95 + " ms, slower than partials p95 " + partialP95 + " ms");
    }

    private record Limiter(RateLimiter limiter, AutoCloseable closer) implements AutoCloseable {
        @Override
        public void close() {
            try {
                closer.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static Limiter limiter(Store store, ManualClock clock, String prefix, int node, long rpm) {
        if (store == Store.MEMORY) {
            FairShareRateLimiter memory = FairShareRateLimiter.builder().requestsPerMinute(rpm)
                    .tokensPerMinute(10_000_000).clock(() -> clock.millis() * 1_000_000L).build();
            return new Limiter(memory, () -> { });
        }
        RedisRateLimiter shared = RedisRateLimiter.builder().uri(redis.uri()).keyPrefix(prefix)
                .nodeId("node-" + node).clock(clock).requestsPerMinute(rpm).tokensPerMinute(10_000_000)
                .lease(10).commandTimeout(Duration.ofSeconds(5)).build();
        return new Limiter(shared, shared);
    }

    private record Result(List<Long> finalWaits, List<Long> partialWaits, long admitted, int finalsLeft) {
    }

    /** One session as the scheduler drives it. */
    private static final class Speaker {
        final SessionId id;
        final long offset;
        /** Arrival times of the finals not yet dispatched. */
        final ArrayDeque<Long> finals = new ArrayDeque<>();
        /** Arrival of the pending partial, or -1. */
        long partialAt = -1;
        /** The first partial that no translation covered yet, or -1. */
        long uncoveredSince = -1;
        long finalInFlightUntil;
        long partialInFlightUntil;
        long refusedUntil;
        /** A refused partial leaves the session's finals free to ask: only its partials wait. */
        long partialRefusedUntil;
        int spoken;

        Speaker(int node, int i) {
            this.id = SessionId.of("node-" + node + "-speaker-" + i);
            this.offset = i * 60L;
        }

        void speak(long t) {
            if (t < offset || (t - offset) % PARTIAL_EVERY_MS != 0) {
                return;
            }
            spoken++;
            if (spoken % PARTIALS_PER_FINAL == 0) {
                finals.add(t);
                partialAt = -1;
                uncoveredSince = -1;
            } else {
                partialAt = t;
                if (uncoveredSince < 0) {
                    uncoveredSince = t;
                }
            }
        }
    }

    /** One node's scheduler: its sessions, its paced ring, and what it measured. */
    private static final class Node {
        private final RateLimiter limiter;
        private final long paceMs;
        private final List<Speaker> speakers = new ArrayList<>();
        private final List<Long> finalWaits = new ArrayList<>();
        private final List<Long> partialWaits = new ArrayList<>();
        private long admitted;
        private int head;
        private long nextDispatchAt;

        Node(RateLimiter limiter, int node, long paceMs) {
            this.limiter = limiter;
            this.paceMs = paceMs;
            for (int i = 0; i < SESSIONS; i++) {
                Speaker s = new Speaker(node, i);
                limiter.openSession(s.id, 1);
                speakers.add(s);
            }
        }

        /** Speech at time {@code t}; returns the finals not yet dispatched. */
        int speak(long t) {
            int finalsLeft = 0;
            for (Speaker s : speakers) {
                if (t < SPEAK_MS) {
                    s.speak(t);
                }
                if (s.partialAt >= 0 && t - s.partialAt > STALE_AFTER_MS) {
                    s.partialAt = -1; // dropped as stale
                }
                finalsLeft += s.finals.size();
            }
            return finalsLeft;
        }

        /** One pass over the ring, if the node's pacing (60 s / RPM, core-queue's default) allows a dispatch. */
        void dispatch(long t) {
            if (t < nextDispatchAt) {
                return;
            }
            for (int k = 0; k < SESSIONS; k++) {
                int index = (head + k) % SESSIONS;
                Speaker s = speakers.get(index);
                if (t < s.refusedUntil) {
                    continue;
                }
                boolean isFinal = !s.finals.isEmpty() && t >= s.finalInFlightUntil;
                if (!isFinal && (s.partialAt < 0 || t < s.partialInFlightUntil || t < s.partialRefusedUntil)) {
                    continue;
                }
                long permit = isFinal ? limiter.tryAcquire(s.id, TOKENS) : limiter.tryAcquirePartial(s.id, TOKENS);
                if (!Permits.isGranted(permit)) {
                    long until = t + Math.ceilDiv(Permits.waitNanos(permit), 1_000_000L);
                    if (isFinal) {
                        s.refusedUntil = until;
                    } else {
                        s.partialRefusedUntil = until;
                    }
                    continue;
                }
                limiter.reconcile(s.id, permit, TOKENS);
                nextDispatchAt = t + paceMs;
                head = (index + 1) % SESSIONS;
                long done = t + LATENCY_MS;
                long waited;
                if (isFinal) {
                    s.finalInFlightUntil = done;
                    waited = done - s.finals.poll();
                } else {
                    s.partialInFlightUntil = done;
                    waited = done - s.uncoveredSince;
                    s.partialAt = -1;
                    s.uncoveredSince = -1;
                }
                if (t >= MEASURE_FROM_MS && t < SPEAK_MS) {
                    admitted++;
                    (isFinal ? finalWaits : partialWaits).add(waited);
                }
                return;
            }
        }
    }

    /** Runs every node's sessions on the shared clock until the speech is over and every final is out. */
    private static Result speak(List<Node> nodes, ManualClock clock) {
        int finalsLeft = 0;
        for (long t = 0; t < SPEAK_MS + DRAIN_MS; t += STEP_MS) {
            finalsLeft = 0;
            for (Node node : nodes) {
                finalsLeft += node.speak(t);
            }
            if (t >= SPEAK_MS && finalsLeft == 0) {
                break;
            }
            for (Node node : nodes) {
                node.dispatch(t);
            }
            clock.advanceMillis(STEP_MS);
        }
        List<Long> finals = new ArrayList<>();
        List<Long> partials = new ArrayList<>();
        long admitted = 0;
        for (Node node : nodes) {
            finals.addAll(node.finalWaits);
            partials.addAll(node.partialWaits);
            admitted += node.admitted;
        }
        return new Result(finals, partials, admitted, finalsLeft);
    }

    private static long percentile(List<Long> values, int p) {
        if (values.isEmpty()) {
            return 0;
        }
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
    }
}
