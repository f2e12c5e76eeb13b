package dev.fairway.session.redis;

import dev.fairway.api.InvalidConfigurationException;
import dev.fairway.api.SessionId;
import dev.fairway.api.SessionOptions;
import dev.fairway.api.session.AcceptedFinal;
import dev.fairway.api.session.JournaledOutcome;
import dev.fairway.api.session.SessionStore;
import dev.fairway.api.session.SessionStoreContext;
import dev.fairway.api.session.StoredSession;
import dev.fairway.api.spi.PluginConfig;
import dev.fairway.test.support.TestRedis;
import io.opentelemetry.api.OpenTelemetry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the contract does not cover: a flushed Redis, the keys' TTL, what end and prune leave, the keys. */
class RedisSessionStoreTest {

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

    private static SessionStore open(Map<String, String> keys) {
        Map<String, String> all = new HashMap<>(Map.of("uri", redis.uri()));
        all.putAll(keys);
        return new RedisSessionStoreFactory().create(new SessionStoreContext(
                PluginConfig.of("fairway.session.redis", all), Path.of("."), Duration.ZERO, InstantSource.system(),
                OpenTelemetry.noop()));
    }

    private static String prefix() {
        return "unit" + PREFIXES.incrementAndGet();
    }

    private static StoredSession session(SessionStore store, String id, Instant at) {
        return new StoredSession(SessionId.of(id), SessionOptions.of("en", "de"), new byte[] {9}, store.epoch(), at, at);
    }

    private static void journal(SessionStore store, SessionId id) {
        Instant now = Instant.now();
        store.accepted(id, new AcceptedFinal(1, "one", now)).toCompletableFuture().join();
        store.accepted(id, new AcceptedFinal(2, "two", now)).toCompletableFuture().join();
        store.outcome(id, new JournaledOutcome(1, true, "{}", now)).toCompletableFuture().join();
    }

    @Test
    void flushedRedisHasANewEpoch() {
        try (SessionStore store = open(Map.of("key-prefix", prefix()))) {
            String before = store.epoch();

            redis.admin().flushall();

            String after = store.epoch();
            assertNotEquals(before, after);
            assertEquals(after, store.epoch());
        }
    }

    @Test
    void everySessionKeyHasTheTtl() {
        String prefix = prefix();
        try (SessionStore store = open(Map.of("key-prefix", prefix, "ttl", "10m"))) {
            SessionId id = SessionId.of("s1");
            store.create(session(store, "s1", Instant.now()));
            journal(store, id);

            for (String kind : List.of("s", "a", "o")) {
                long ttl = redis.admin().ttl(prefix + ":" + kind + ":s1");
                assertTrue(ttl > 0 && ttl <= 600, kind + " has ttl " + ttl);
            }
            assertEquals(-1L, redis.admin().ttl(prefix + ":epoch"), "the epoch never expires");
        }
    }

    @Test
    void endAndPruneLeaveNoKeysButTheEpoch() {
        String prefix = prefix();
        try (SessionStore store = open(Map.of("key-prefix", prefix))) {
            Instant old = Instant.parse("2027-01-01T00:00:00Z");
            for (int i = 0; i < 1_200; i++) {
                store.create(session(store, "p" + i, old));
                if (i % 100 == 0) {
                    journal(store, SessionId.of("p" + i));
                }
            }
            store.create(session(store, "ended", old.plusSeconds(3600)));
            journal(store, SessionId.of("ended"));

            store.end(SessionId.of("ended"));
            assertEquals(1_200, store.prune(old.plusSeconds(1)), "more than one batch of the prune script");

            assertEquals(List.of(prefix + ":epoch"), redis.admin().keys(prefix + ":*"));
        }
    }

    @Test
    void keyPrefixKeepsStoresApart() {
        try (SessionStore one = open(Map.of("key-prefix", prefix()));
                SessionStore two = open(Map.of("key-prefix", prefix()))) {
            one.create(session(one, "s1", Instant.now()));

            assertTrue(two.find(SessionId.of("s1")).isEmpty());
            assertNotEquals(one.epoch(), two.epoch());
        }
    }

    @Test
    void aStoreWhoseRedisDiedIsNotReadyUntilRedisAnswersAgain() throws Exception {
        try (TestRedis own = TestRedis.start();
                SessionStore store = open(Map.of("uri", own.uri(), "key-prefix", prefix()))) {
            assertEquals(Optional.empty(), store.notReadyReason());

            own.kill();
            assertThrows(RedisSessionStoreException.class, () -> store.touch(SessionId.of("s1"), Instant.now()));
            String why = store.notReadyReason().orElseThrow();
            assertTrue(why.contains("Redis"), why);
            assertFalse(why.contains(own.uri()), "no address in a readiness answer: " + why);

            own.restart();
            // Lettuce reconnects in the background (backoff up to a second or two), and the store's probe (one PING,
            // started by asking) then clears the failure: asked until ready, within a generous bound.
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (store.notReadyReason().isPresent()) {
                assertTrue(System.nanoTime() < deadline, "never ready again: " + store.notReadyReason());
                LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
            }
            store.touch(SessionId.of("s1"), Instant.now());
            assertEquals(Optional.empty(), store.notReadyReason());
        }
    }

    @Test
    void badUriNamesItsKey() {
        InvalidConfigurationException e = assertThrows(InvalidConfigurationException.class,
                () -> open(Map.of("uri", "http://nowhere")));
        assertTrue(e.getMessage().startsWith("fairway.session.redis.uri"), e.getMessage());
    }
}
