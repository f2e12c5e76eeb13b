package dev.fairway.session.redis;

import dev.fairway.api.SessionId;
import dev.fairway.api.SessionOptions;
import dev.fairway.api.session.AcceptedFinal;
import dev.fairway.api.session.JournaledOutcome;
import dev.fairway.api.session.StoredSession;
import dev.fairway.test.support.TestRedis;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

/**
 * Measures the redis store against a real redis-server on loopback (not a test: nothing is asserted; not run
 * by {@code mvn verify}). From the repository root, on JDK 21 or later:
 *
 * <pre>
 * (the commands are in docs/performance/session-stores.md: test-compile, then java -cp ... dev.fairway.session.redis.RedisSessionMeasure)
 * </pre>
 *
 * <ol>
 *   <li>Redis memory per session: 1,000 sessions, each with 10 accepted finals and their 10 outcomes
 *   ({@code used_memory} of INFO memory before and after), and MEMORY USAGE of one session's keys; the same
 *   with the 10 finals unanswered.</li>
 *   <li>The cost of {@code accepted()} on loopback: one writer, mean wait per final.</li>
 * </ol>
 */
public final class RedisSessionMeasure {

    private static final String TEXT = "I would like two tickets to the evening show, please, near the aisle.";
    private static final String FRAME = "{\"type\":\"translation\",\"seq\":%d,\"final\":true,\"text\":"
            + "\"Quisiera dos entradas para la función de la noche, por favor, cerca del pasillo.\",\"latencyMs\":412}";

    private RedisSessionMeasure() {
    }

    public static void main(String[] args) {
        try (TestRedis redis = TestRedis.start()) {
            System.out.println("redis-server " + redis.admin().info("server").lines()
                    .filter(l -> l.startsWith("redis_version")).findFirst().orElse("?"));
            memory(redis, true);
            memory(redis, false);
            try (RedisSessionStore store = RedisSessionStore.open(redis.uri(), "cost", Duration.ofDays(1),
                    Duration.ofSeconds(2))) {
                Instant now = Instant.now();
                SessionId id = SessionId.of("writer");
                store.create(new StoredSession(id, SessionOptions.of("en", "es"), new byte[32], store.epoch(), now, now));
                for (long seq = 1; seq <= 500; seq++) {
                    store.accepted(id, new AcceptedFinal(seq, TEXT, now)).toCompletableFuture().join();
                }
                int n = 5_000;
                long start = System.nanoTime();
                for (long seq = 501; seq <= 500 + n; seq++) {
                    store.accepted(id, new AcceptedFinal(seq, TEXT, now)).toCompletableFuture().join();
                }
                long elapsed = System.nanoTime() - start;
                System.out.printf("accepted() 1 writer on loopback: mean wait %.3f ms (%,d finals)%n",
                        elapsed / 1e6 / n, n);
            }
        }
        System.exit(0);
    }

    private static long usedMemory(TestRedis redis) {
        return redis.admin().info("memory").lines().filter(l -> l.startsWith("used_memory:"))
                .map(l -> Long.parseLong(l.substring("used_memory:".length()).trim())).findFirst().orElseThrow();
    }

    private static void memory(TestRedis redis, boolean settled) {
        int sessions = 1_000;
        String prefix = settled ? "settled" : "unanswered";
        try (RedisSessionStore store = RedisSessionStore.open(redis.uri(), prefix, Duration.ofDays(1),
                Duration.ofSeconds(2))) {
            long before = usedMemory(redis);
            Instant now = Instant.now();
            String last = null;
            for (int s = 0; s < sessions; s++) {
                SessionId id = SessionId.of("s-" + UUID.randomUUID());
                last = id.value();
                store.create(new StoredSession(id, SessionOptions.of("en", "es"), new byte[32], store.epoch(), now, now));
                for (long seq = 1; seq <= 10; seq++) {
                    store.accepted(id, new AcceptedFinal(seq, TEXT, now)).toCompletableFuture().join();
                    if (settled) {
                        store.outcome(id, new JournaledOutcome(seq, true, FRAME.formatted(seq), now))
                                .toCompletableFuture().join();
                    }
                }
            }
            long after = usedMemory(redis);
            long keys = 0;
            for (String kind : new String[] {"s", "a", "o"}) {
                Long usage = redis.admin().memoryUsage(prefix + ":" + kind + ":" + last);
                keys += usage == null ? 0 : usage;
            }
            System.out.printf("Redis memory per session, 10 finals %s: %,d bytes (INFO used_memory delta over %,d"
                    + " sessions, :seen index included); MEMORY USAGE of one session's keys: %,d bytes%n",
                    settled ? "and their 10 outcomes" : "unanswered", (after - before) / sessions, sessions, keys);
        }
    }
}
