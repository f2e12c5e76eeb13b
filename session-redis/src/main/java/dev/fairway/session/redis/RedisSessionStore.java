package dev.fairway.session.redis;

import dev.fairway.api.SessionId;
import dev.fairway.api.SessionOptions;
import dev.fairway.api.session.AcceptedFinal;
import dev.fairway.api.session.Journal;
import dev.fairway.api.session.JournaledOutcome;
import dev.fairway.api.session.SessionStore;
import dev.fairway.api.session.StoredSession;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The {@code redis} store. Per session three keys under the prefix: {@code :s:<id>} a hash (the record),
 * {@code :a:<id>} a hash of the unanswered finals (field = seq), {@code :o:<id>} a sorted set of outcomes
 * (score = seq, member = {@code seq:final:atNanos:frame}); and one sorted set {@code :seen} of every session
 * by its last-seen time (microseconds since the epoch) for {@link #prune} and the session count. Every change
 * is one Lua script, so that it checks the session exists and writes atomically; every write refreshes the
 * TTL of the session's keys. The epoch is the key {@code :epoch}, set with {@code SET NX}: a flushed Redis
 * gets a new one at the next {@link #epoch()} call.
 */
final class RedisSessionStore implements SessionStore {

    /** The scripts, each loaded once and called by its SHA (loaded again after a Redis restart). */
    private enum Script {
        CREATE("""
                if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
                redis.call('DEL', KEYS[2], KEYS[3])
                redis.call('HSET', KEYS[1], unpack(ARGV, 4))
                redis.call('EXPIRE', KEYS[1], ARGV[3])
                redis.call('ZADD', KEYS[4], ARGV[2], ARGV[1])
                return 1
                """),
        ACCEPTED("""
                if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
                redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
                for i = 1, 3 do redis.call('EXPIRE', KEYS[i], ARGV[3]) end
                return 1
                """),
        OUTCOME("""
                if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
                redis.call('ZREMRANGEBYSCORE', KEYS[3], ARGV[1], ARGV[1])
                redis.call('ZADD', KEYS[3], ARGV[1], ARGV[2])
                if ARGV[3] == '1' then redis.call('HDEL', KEYS[2], ARGV[1]) end
                for i = 1, 3 do redis.call('EXPIRE', KEYS[i], ARGV[4]) end
                return 1
                """),
        TOUCH("""
                if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
                redis.call('HSET', KEYS[1], 'seen', ARGV[2])
                redis.call('ZADD', KEYS[4], ARGV[3], ARGV[1])
                for i = 1, 3 do redis.call('EXPIRE', KEYS[i], ARGV[4]) end
                return 1
                """),
        TRIM("""
                if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
                return redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
                """),
        END("""
                redis.call('ZREM', KEYS[4], ARGV[1])
                return redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
                """),
        PRUNE("""
                local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
                local removed = 0
                for _, id in ipairs(ids) do
                  removed = removed + redis.call('DEL', ARGV[2] .. ':s:' .. id)
                  redis.call('DEL', ARGV[2] .. ':a:' .. id, ARGV[2] .. ':o:' .. id)
                  redis.call('ZREM', KEYS[1], id)
                end
                return {#ids, removed}
                """),
        READ("""
                local s = redis.call('HGETALL', KEYS[1])
                if #s == 0 then return false end
                return {s, redis.call('HGETALL', KEYS[2]), redis.call('ZRANGEBYSCORE', KEYS[3], '(' .. ARGV[1], '+inf')}
                """);

        final String lua;

        Script(String lua) {
            this.lua = lua;
        }
    }

    /** Sessions a prune removes per script call, so that one call never holds Redis long. */
    private static final int PRUNE_BATCH = 500;

    private final String prefix;
    private final long ttlSeconds;
    private final ClientResources resources;
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;
    private final RedisCommands<String, String> redis;
    private final Map<Script, String> shas = new ConcurrentHashMap<>();
    /** What the last Redis call that failed threw (its class), or null once a later call or probe answered. */
    private volatile String lastFailure;
    /** Whether a readiness probe (one {@code PING}) is on its way. */
    private final AtomicBoolean probing = new AtomicBoolean();

    private RedisSessionStore(String prefix, Duration ttl, ClientResources resources, RedisClient client,
            StatefulRedisConnection<String, String> connection) {
        this.prefix = prefix;
        this.ttlSeconds = ttl.toSeconds();
        this.resources = resources;
        this.client = client;
        this.connection = connection;
        this.redis = connection.sync();
    }

    static RedisSessionStore open(String uri, String prefix, Duration ttl, Duration timeout) {
        ClientResources resources = DefaultClientResources.builder()
                .ioThreadPoolSize(2).computationThreadPoolSize(2).build();
        RedisClient client = RedisClient.create(resources);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(timeout))
                .build());
        RedisURI redisUri = RedisURI.create(uri);
        redisUri.setTimeout(timeout);
        try {
            RedisSessionStore store = new RedisSessionStore(prefix, ttl, resources, client, client.connect(redisUri));
            store.epoch();
            return store;
        } catch (RedisException e) {
            client.shutdown(0, 2, TimeUnit.SECONDS);
            resources.shutdown(0, 2, TimeUnit.SECONDS);
            throw new RedisSessionStoreException("cannot open the session store at " + redisUri.toURI(), e);
        }
    }

    private String key(char kind, SessionId id) {
        return prefix + ":" + kind + ":" + id.value();
    }

    private String seenKey() {
        return prefix + ":seen";
    }

    private String[] journalKeys(SessionId id) {
        return new String[] {key('s', id), key('a', id), key('o', id), seenKey()};
    }

    private <T> T run(Script script, ScriptOutputType type, String[] keys, String... args) {
        try {
            String sha = shas.computeIfAbsent(script, s -> redis.scriptLoad(s.lua));
            T result;
            try {
                result = redis.evalsha(sha, type, keys, args);
            } catch (RedisNoScriptException e) {
                // Redis restarted and lost its script cache.
                shas.put(script, redis.scriptLoad(script.lua));
                result = redis.evalsha(shas.get(script), type, keys, args);
            }
            lastFailure = null;
            return result;
        } catch (RedisException e) {
            lastFailure = e.getClass().getSimpleName();
            throw e;
        }
    }

    @Override
    public String epoch() {
        String key = prefix + ":epoch";
        try {
            String epoch = redis.get(key);
            if (epoch == null) {
                redis.set(key, UUID.randomUUID().toString(), SetArgs.Builder.nx());
                epoch = redis.get(key);
            }
            return epoch;
        } catch (RedisException e) {
            throw new RedisSessionStoreException("cannot read the epoch", e);
        }
    }

    @Override
    public void create(StoredSession session) {
        Objects.requireNonNull(session, "session");
        SessionOptions options = session.options();
        Long created;
        try {
            created = run(Script.CREATE, ScriptOutputType.INTEGER, journalKeys(session.id()), session.id().value(),
                    Long.toString(micros(session.lastSeenAt())), Long.toString(ttlSeconds),
                    "src", options.sourceLanguage(), "tgt", options.targetLanguage(),
                    "w", Integer.toString(options.weight()), "label", options.label(),
                    "tok", Base64.getEncoder().encodeToString(session.tokenHash()), "epoch", session.epoch(),
                    "created", Long.toString(nanos(session.createdAt())),
                    "seen", Long.toString(nanos(session.lastSeenAt())));
        } catch (RedisException e) {
            throw new RedisSessionStoreException("cannot create session " + session.id(), e);
        }
        if (created == 0) {
            throw new IllegalStateException("session " + session.id() + " exists");
        }
    }

    private static StoredSession record(SessionId id, Map<String, String> hash) {
        SessionOptions options = new SessionOptions(hash.get("src"), hash.get("tgt"), Integer.parseInt(hash.get("w")),
                hash.get("label"));
        return new StoredSession(id, options, Base64.getDecoder().decode(hash.get("tok")), hash.get("epoch"),
                instant(Long.parseLong(hash.get("created"))), instant(Long.parseLong(hash.get("seen"))));
    }

    @Override
    public Optional<StoredSession> find(SessionId id) {
        Objects.requireNonNull(id, "id");
        Map<String, String> hash;
        try {
            hash = redis.hgetall(key('s', id));
        } catch (RedisException e) {
            lastFailure = e.getClass().getSimpleName();
            throw new RedisSessionStoreException("cannot find session " + id, e);
        }
        return hash.isEmpty() ? Optional.empty() : Optional.of(record(id, hash));
    }

    @Override
    public CompletionStage<Void> accepted(SessionId id, AcceptedFinal accepted) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(accepted, "accepted");
        return write(id, Script.ACCEPTED, Long.toString(accepted.seq()),
                nanos(accepted.acceptedAt()) + ":" + accepted.text(), Long.toString(ttlSeconds));
    }

    @Override
    public CompletionStage<Void> outcome(SessionId id, JournaledOutcome outcome) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(outcome, "outcome");
        String member = outcome.seq() + ":" + (outcome.isFinal() ? 1 : 0) + ":" + nanos(outcome.at()) + ":"
                + outcome.frame();
        return write(id, Script.OUTCOME, Long.toString(outcome.seq()), member, outcome.isFinal() ? "1" : "0",
                Long.toString(ttlSeconds));
    }

    /** One round trip: the caller (a virtual thread) waits for Redis's answer, so the stage is done at once. */
    private CompletionStage<Void> write(SessionId id, Script script, String... args) {
        try {
            Long written = run(script, ScriptOutputType.INTEGER, journalKeys(id), args);
            return written == 1 ? CompletableFuture.completedFuture(null)
                    : CompletableFuture.failedFuture(new IllegalStateException("unknown session " + id));
        } catch (RedisException e) {
            return CompletableFuture.failedFuture(new RedisSessionStoreException("cannot journal for " + id, e));
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public Optional<Journal> read(SessionId id, long afterSeq) {
        Objects.requireNonNull(id, "id");
        List<Object> reply;
        try {
            reply = run(Script.READ, ScriptOutputType.MULTI, journalKeys(id), Long.toString(afterSeq));
        } catch (RedisException e) {
            throw new RedisSessionStoreException("cannot read session " + id, e);
        }
        if (reply == null || reply.isEmpty() || reply.get(0) == null) {
            return Optional.empty();
        }
        StoredSession session = record(id, pairs((List<Object>) reply.get(0)));
        TreeMap<Long, AcceptedFinal> unanswered = new TreeMap<>();
        pairs((List<Object>) reply.get(1)).forEach((field, value) -> {
            int colon = value.indexOf(':');
            long seq = Long.parseLong(field);
            unanswered.put(seq, new AcceptedFinal(seq, value.substring(colon + 1),
                    instant(Long.parseLong(value.substring(0, colon)))));
        });
        List<JournaledOutcome> outcomes = new ArrayList<>();
        for (Object o : (List<Object>) reply.get(2)) {
            String member = (String) o;
            String[] parts = member.split(":", 4);
            outcomes.add(new JournaledOutcome(Long.parseLong(parts[0]), parts[1].equals("1"), parts[3],
                    instant(Long.parseLong(parts[2]))));
        }
        return Optional.of(new Journal(session, outcomes, List.copyOf(unanswered.values())));
    }

    private static Map<String, String> pairs(List<Object> flat) {
        Map<String, String> map = new HashMap<>();
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            map.put((String) flat.get(i), (String) flat.get(i + 1));
        }
        return map;
    }

    @Override
    public void touch(SessionId id, Instant at) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(at, "at");
        try {
            run(Script.TOUCH, ScriptOutputType.INTEGER, journalKeys(id), id.value(), Long.toString(nanos(at)),
                    Long.toString(micros(at)), Long.toString(ttlSeconds));
        } catch (RedisException e) {
            throw new RedisSessionStoreException("cannot touch session " + id, e);
        }
    }

    @Override
    public void trim(SessionId id, long throughSeq) {
        Objects.requireNonNull(id, "id");
        // A final's outcome already removed the final it settles: only the outcomes go.
        try {
            run(Script.TRIM, ScriptOutputType.INTEGER, new String[] {key('s', id), key('o', id)},
                    Long.toString(throughSeq));
        } catch (RedisException e) {
            throw new RedisSessionStoreException("cannot trim session " + id, e);
        }
    }

    @Override
    public void end(SessionId id) {
        Objects.requireNonNull(id, "id");
        try {
            run(Script.END, ScriptOutputType.INTEGER, journalKeys(id), id.value());
        } catch (RedisException e) {
            throw new RedisSessionStoreException("cannot end session " + id, e);
        }
    }

    /** Exact to the microsecond, never early: a session last seen in the cut-off's microsecond stays. */
    @Override
    public int prune(Instant lastSeenBefore) {
        Objects.requireNonNull(lastSeenBefore, "lastSeenBefore");
        int removed = 0;
        try {
            while (true) {
                List<Long> reply = run(Script.PRUNE, ScriptOutputType.MULTI, new String[] {seenKey()},
                        Long.toString(micros(lastSeenBefore)), prefix, Integer.toString(PRUNE_BATCH));
                removed += reply.get(1).intValue();
                if (reply.get(0) < PRUNE_BATCH) {
                    return removed;
                }
            }
        } catch (RedisException e) {
            throw new RedisSessionStoreException("cannot prune sessions", e);
        }
    }

    /**
     * Not ready while the connection is down (Lettuce reconnects in the background) or since a call failed
     * (a timeout: Redis is stuck or too slow). Reads the connection's state and the last call's outcome, never
     * waits for Redis: after a failure, asking starts one {@code PING} on Lettuce's threads (one at a time),
     * whose answer makes the store ready again, so that a node that takes no sessions while not ready still
     * notices that Redis is back.
     */
    @Override
    public Optional<String> notReadyReason() {
        if (!connection.isOpen()) {
            return Optional.of("the session store is disconnected from Redis; reconnecting");
        }
        String failure = lastFailure;
        if (failure == null) {
            return Optional.empty();
        }
        probe();
        return Optional.of("the last call to the session store's Redis failed (" + failure + "); probing");
    }

    private void probe() {
        if (!probing.compareAndSet(false, true)) {
            return;
        }
        try {
            connection.async().ping().whenComplete((pong, error) -> {
                if (error == null) {
                    lastFailure = null;
                }
                probing.set(false);
            });
        } catch (RuntimeException e) {
            probing.set(false);
        }
    }

    /** Sessions counts the {@code :seen} index: sessions the TTL expired are in it until the next prune. */
    @Override
    public Map<String, Object> status() {
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("store", RedisSessionStoreFactory.NAME);
        try {
            status.put("sessions", redis.zcard(seenKey()));
        } catch (RedisException e) {
            status.put("sessions", -1);
            status.put("error", String.valueOf(e.getMessage()));
        }
        status.put("keyPrefix", prefix);
        status.put("ttlSeconds", ttlSeconds);
        return status;
    }

    @Override
    public void close() {
        connection.close();
        client.shutdown(0, 2, TimeUnit.SECONDS);
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }

    private static long nanos(Instant instant) {
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000_000L), instant.getNano());
    }

    private static long micros(Instant instant) {
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000);
    }

    private static Instant instant(long nanos) {
        return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
    }
}
