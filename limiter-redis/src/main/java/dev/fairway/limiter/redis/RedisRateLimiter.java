package dev.fairway.limiter.redis;

import dev.fairway.api.RateLimitFeedback;
import dev.fairway.api.SessionId;
import dev.fairway.api.SessionOptions;
import dev.fairway.api.TokenUsage;
import dev.fairway.api.limit.Permits;
import dev.fairway.api.limit.RateLimiter;
import dev.fairway.api.limit.RateLimiterStats;
import dev.fairway.api.limit.SessionRateStats;
import dev.fairway.core.limiter.FairSharePolicy;
import dev.fairway.core.limiter.FairShareRateLimiter;
import dev.fairway.core.limiter.RateLimitPause;
import dev.fairway.core.limiter.RateLimiterSettings;
import dev.fairway.core.limiter.internal.BucketRing;
import dev.fairway.core.limiter.internal.Calibration;
import dev.fairway.core.limiter.internal.PermitLayout;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.metrics.ObservableLongGauge;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link RateLimiter} whose global sliding windows of requests and tokens and whose registry of
 * active sessions live in Redis, so that several Fairway nodes share one provider budget: in any
 * 60 s window the requests admitted by all nodes together stay within the requests-per-minute limit
 * (plus at most the permits leased and not yet handed out, see below), and fair share counts the
 * sessions of every node.
 *
 * <p><b>One script, one round trip.</b> Every decision that needs the shared state is one
 * {@code EVALSHA} of a Lua script (loaded once, loaded again on {@code NOSCRIPT} after a Redis
 * restart), which slides the global window, applies this node's pending refunds and charges,
 * refreshes the heartbeats of its sessions, expires idle sessions and silent nodes, and grants a lease.
 * Time is this node's clock passed as an argument, never Redis {@code TIME}, so that a test can drive
 * it; nodes are assumed to keep their clocks in step (NTP), and a node behind the latest time seen is
 * treated as at that time.
 *
 * <p><b>Leases.</b> With a lease size {@code L > 0}, a call takes up to {@code L} requests (and
 * {@code L} times the request's token estimate) at once, charged to the current bucket of the global
 * window, and the node hands them out locally (no Redis call per request). At any moment a node holds
 * at most one lease, so a 60 s window can admit at most {@code RPM + nodes * L} requests: the permits
 * leased before the window started and handed out inside it. With {@code L = 0} each permit is one
 * call and the window holds exactly. The unused rest of a lease goes back to its bucket with the
 * node's next call (or at {@link #close()}); a lease expires after {@code leaseTtl}.
 *
 * <p><b>Fair share.</b> Each node keeps its own sessions' usage and decides their shares locally from
 * what Redis returned with its last call: the active weight of every node's sessions, and the
 * contending weight and usage of the other nodes (max-min: sessions refused recently share what the
 * others leave, in proportion to their weights; {@link FairSharePolicy#STATIC_SPLIT} and
 * {@link FairSharePolicy#NONE} as in core-limiter).
 *
 * <p><b>Faults.</b> A call that fails or takes longer than {@code commandTimeout} turns the limiter
 * <em>degraded</em>: it then serves from an in-process {@link FairShareRateLimiter} limited to
 * {@code limit / known nodes}, makes no Redis call except an asynchronous probe with exponential
 * backoff, reports {@link #isDegraded()} and the gauge {@code fairway.limiter.redis.degraded}, and
 * goes back to Redis when the probe succeeds, charging what it admitted meanwhile. No method waits for
 * Redis longer than the command timeout, and nothing runs under {@code synchronized}.
 *
 * <p><b>Input and output tokens.</b> With {@link Builder#inputTokensPerMinute} or
 * {@link Builder#outputTokensPerMinute}, the shared window holds input and output tokens beside requests
 * and combined tokens, and an admission (and a lease) needs room in each, as in core-limiter's
 * {@link FairShareRateLimiter}.
 *
 * <p><b>Provider feedback.</b> As in core-limiter: a 429 pauses every node for the provider's
 * retry-after capped at {@link Builder#maxRetryAfter} (60 s), or for this node's exponential back-off
 * with jitter (0.5 s to 8 s, started again by a success on this node); reset headers never pause; a
 * calibration keeps the safety margin and leaves the window as the provider refills over its reset.
 *
 * <p>Build one with {@link #builder()}; close it when the node stops.
 */
public final class RedisRateLimiter implements RateLimiter, AutoCloseable {

    private static final System.Logger LOG = System.getLogger(RedisRateLimiter.class.getName());

    /** Fewest permits a node takes per Redis call ({@link Builder#lease}): 0 is no leasing. */
    public static final int MIN_LEASE = 0;
    /** Most permits a node takes per Redis call ({@link Builder#lease}). */
    public static final int MAX_LEASE = 1_000;
    /** Shortest wait for a Redis call ({@link Builder#commandTimeout}): shorter than a round trip on a busy host. */
    public static final Duration MIN_COMMAND_TIMEOUT = Duration.ofMillis(5);
    /** Longest wait for a Redis call ({@link Builder#commandTimeout}): every admission may wait this long. */
    public static final Duration MAX_COMMAND_TIMEOUT = Duration.ofSeconds(10);
    /** Fewest nodes assumed before the others are seen ({@link Builder#fallbackNodes}). */
    public static final int MIN_FALLBACK_NODES = 1;
    /** Most nodes assumed before the others are seen ({@link Builder#fallbackNodes}). */
    public static final int MAX_FALLBACK_NODES = 1_000;

    private static final long WINDOW_MS = 60_000;
    private static final int COARSE_BUCKETS = 20;
    private static final long COARSE_MS = WINDOW_MS / COARSE_BUCKETS;
    private static final long REDIS_PERMIT = 1L << 62;
    /** The bits of the tick a permit without a split keeps: bit 62 stays clear for {@link #REDIS_PERMIT}. */
    private static final long PERMIT_TICK_MASK = (1L << 31) - 1;
    private static final int MAX_SESSION_OPS = 256;
    private static final int MAX_PENDING_CLOSES = 100_000;
    private static final int FIXED_ARGS = 49;
    private static final long NONE = Long.MIN_VALUE;
    private static final Duration FALLBACK_BUCKET_WIDTH = Duration.ofMillis(100);

    private final long requestsPerMinute;
    private final long tokensPerMinute;
    private final long inputTokensPerMinute;
    private final long outputTokensPerMinute;
    private final boolean split;
    private final FairSharePolicy policy;
    private final int lease;
    private final long leaseTtlMs;
    private final long pacingBurstMs;
    private final long timeoutMs;
    private final long connectTimeoutMs;
    private final long idleMs;
    private final long heartbeatMs;
    private final long contentionMs;
    private final long syncMs;
    private final long nodeTtlMs;
    private final long keyTtlMs;
    private final long bucketMs;
    private final long buckets;
    /** The shared options; the fallback is built from a share of them (its jitter source is called under the lock). */
    private final RateLimiterSettings settings;
    /** How long a 429 pauses; under the lock (its jitter source is not thread-safe). */
    private final RateLimitPause pauses;
    private final long probeMinMs;
    private final long probeMaxMs;
    private final int fallbackNodesMin;
    private final String nodeId;
    private final String keyPrefix;
    private final InstantSource clock;
    private final String[] keys;
    private final String script;

    private final RedisClient client;
    private final RedisURI uri;
    private final boolean ownsClient;
    private final ClientResources ownedResources;
    private volatile StatefulRedisConnection<String, String> connection;
    private volatile String sha;

    private final ReentrantLock lock = new ReentrantLock();
    private final AtomicBoolean probing = new AtomicBoolean();
    private final LongAdder redisCalls = new LongAdder();
    private final LongAdder grants = new LongAdder();
    private final LongCounter callCounter;
    private final LongCounter degradationCounter;
    private final ObservableLongGauge degradedGauge;
    private final Attributes attributes;

    // Everything below is guarded by lock.
    private final Map<SessionId, LocalSession> sessions = new HashMap<>();
    private final ArrayDeque<LocalSession> heartbeats = new ArrayDeque<>();
    private final ArrayDeque<String> closes = new ArrayDeque<>();
    private final ArrayList<LocalSession> contenders = new ArrayList<>();
    private long localContendingWeight;
    /**
     * The usage of this node's contending sessions, kept current at every change (a session starting
     * or stopping to contend, an admission, a reconcile), so that a share decided between two Redis
     * calls never counts a contender's usage as satisfied.
     */
    private BucketRing contendingUsage = new BucketRing(COARSE_BUCKETS, 0);
    private long localContendingRequests;
    private long localContendingTokens;
    private long lastNow;
    private long lastSweep;
    private boolean closed;

    private long leaseRequests;
    private long leaseTokens;
    private long leaseInput;
    private long leaseOutput;
    private long leaseTick;
    private long leaseUntil;
    private boolean refilling;
    private long fullUntil;

    private long refundRequests;
    private long refundTokens;
    private long refundInput;
    private long refundOutput;
    private long refundTick = Long.MAX_VALUE;
    private long chargeRequests;
    private long chargeTokens;
    private long chargeInput;
    private long chargeOutput;
    private long pendingPauseUntil;
    /** What is left to this node's budget by the provider's feedback since the last call (-1: nothing said). */
    private long remainingRequests = -1;
    private long requestsResetMs = -1;
    private long remainingTokens = -1;
    private long tokensResetMs = -1;
    private long remainingInput = -1;
    private long inputResetMs = -1;
    private long remainingOutput = -1;
    private long outputResetMs = -1;
    /** 429s since this node's last success. */
    private int rateLimitedInARow;
    /** Whether {@link #rateLimitedInARow} is not 0: read by a success without the lock. */
    private volatile boolean backingOff;

    private long globalRequests;
    private long globalTokens;
    private long globalInput;
    private long globalOutput;
    private long globalWeight;
    private long globalSessions;
    private long othersContendingWeight;
    private long othersContendingRequests;
    private long othersContendingTokens;
    private long knownNodes;
    private long pausedUntil;
    private long lastCall = NONE;

    private volatile boolean degraded;
    private long degradedSince;
    private FairShareRateLimiter fallback;
    private long fallbackNodes;
    private BucketRing fallbackUsage;
    /** Input tokens (as requests) and output tokens (as tokens) the fallback admitted. */
    private BucketRing fallbackIo;
    private long nextProbeAt;
    private long probeBackoffMs;
    private long recoveredUntil = NONE;
    private long carryRequests;
    private long carryTokens;
    private long carryInput;
    private long carryOutput;
    private long carryUntil = NONE;

    private RedisRateLimiter(Builder b) {
        this.settings = b.toSettings();
        this.requestsPerMinute = settings.requestsPerMinute();
        this.tokensPerMinute = settings.tokensPerMinute();
        this.inputTokensPerMinute = settings.inputTokensPerMinute();
        this.outputTokensPerMinute = settings.outputTokensPerMinute();
        this.split = settings.split();
        this.policy = settings.policy();
        this.lease = b.lease;
        this.leaseTtlMs = b.leaseTtl.toMillis();
        this.pacingBurstMs = b.pacingBurst.toMillis();
        this.timeoutMs = b.commandTimeout.toMillis();
        this.connectTimeoutMs = b.connectTimeout.toMillis();
        this.idleMs = settings.idleTimeout().toMillis();
        this.heartbeatMs = Math.max(1, idleMs / 4);
        this.contentionMs = settings.contentionTimeout().toMillis();
        this.syncMs = b.syncInterval.toMillis();
        this.nodeTtlMs = Math.max(5_000, 10 * syncMs);
        this.bucketMs = settings.bucketWidth().toMillis();
        this.buckets = WINDOW_MS / bucketMs;
        this.keyTtlMs = Math.max(WINDOW_MS + bucketMs, Math.max(idleMs, nodeTtlMs)) + 10_000;
        this.pauses = RateLimitPause.create(settings.maxRetryAfter(), settings.backoffMin(), settings.backoffMax(),
                settings.random());
        this.probeMinMs = b.probeBackoffMin.toMillis();
        this.probeMaxMs = b.probeBackoffMax.toMillis();
        this.fallbackNodesMin = b.fallbackNodes;
        this.nodeId = b.nodeId != null ? b.nodeId : "n-" + UUID.randomUUID().toString().substring(0, 8);
        this.keyPrefix = b.keyPrefix;
        this.clock = b.clock;
        String tag = "{" + keyPrefix + "}";
        this.keys = new String[] {tag + ":window", tag + ":sessions", tag + ":weights", tag + ":nodes", tag + ":seen"};
        this.script = loadScript();
        this.lastNow = clock.millis();
        this.knownNodes = fallbackNodesMin;

        if (b.client != null) {
            this.client = b.client;
            this.ownsClient = false;
            this.ownedResources = null;
        } else {
            this.ownedResources = DefaultClientResources.builder()
                    .ioThreadPoolSize(2)
                    .computationThreadPoolSize(2)
                    .reconnectDelay(Delay.exponential(Duration.ofMillis(20), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS))
                    .build();
            this.client = RedisClient.create(ownedResources);
            this.ownsClient = true;
        }
        this.client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(b.commandTimeout))
                .socketOptions(SocketOptions.builder().connectTimeout(b.connectTimeout).build())
                .build());
        this.uri = RedisURI.create(b.uri);
        this.uri.setTimeout(b.commandTimeout);

        OpenTelemetry otel = b.openTelemetry;
        Meter meter = otel.getMeter("dev.fairway.limiter.redis");
        this.attributes = Attributes.of(AttributeKey.stringKey("fairway.node"), nodeId);
        this.callCounter = meter.counterBuilder("fairway.limiter.redis.calls")
                .setDescription("Round trips to Redis (script calls) made by the rate limiter")
                .setUnit("{call}").build();
        this.degradationCounter = meter.counterBuilder("fairway.limiter.redis.degradations")
                .setDescription("Times the rate limiter lost Redis and fell back to its local share")
                .setUnit("{event}").build();
        this.degradedGauge = meter.gaugeBuilder("fairway.limiter.redis.degraded").ofLongs()
                .setDescription("1 while the rate limiter serves from its local fallback share, 0 on Redis")
                .buildWithCallback(m -> m.record(degraded ? 1 : 0, attributes));

        connectAtStart();
    }

    /**
     * A builder: Redis at {@code redis://127.0.0.1:6379}, 4,500 requests and 1,800,000 tokens per
     * minute, max-min fair share, leases of 10 permits, a 100 ms command timeout.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    // ---- RateLimiter ----

    @Override
    public void openSession(SessionId session, int weight) {
        requireSession(session);
        if (weight < 1 || weight > SessionOptions.MAX_WEIGHT) {
            throw new IllegalArgumentException("weight must be 1 to " + SessionOptions.MAX_WEIGHT + ", was " + weight);
        }
        lock.lock();
        try {
            long now = now();
            LocalSession s = sessions.get(session);
            if (s == null) {
                s = register(session, weight, now);
            } else if (s.weight != weight) {
                if (s.contending) {
                    localContendingWeight += weight - s.weight;
                }
                s.weight = weight;
                queueHeartbeat(s);
            }
            s.lastSeen = now;
            if (fallback != null) {
                fallback.openSession(session, weight);
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void closeSession(SessionId session) {
        requireSession(session);
        lock.lock();
        try {
            LocalSession s = sessions.remove(session);
            if (s != null) {
                forget(s);
                if (closes.size() >= MAX_PENDING_CLOSES) {
                    // A long outage: the oldest closes are dropped; Redis expires those sessions when idle.
                    closes.poll();
                }
                closes.add(session.value());
            }
            if (fallback != null) {
                fallback.closeSession(session);
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long tryAcquire(SessionId session, int estimatedTokens) {
        requireSession(session);
        settings.checkEstimate(estimatedTokens);
        if (split) {
            // Without a split, the whole estimate is reserved in each separate window (as much of it as
            // that window can ever hold); the reconcile corrects each with the usage's parts.
            return acquireAndProbe(session, estimatedTokens, settings.inputPart(estimatedTokens),
                    settings.outputPart(estimatedTokens), true);
        }
        return acquireAndProbe(session, estimatedTokens, 0, 0, false);
    }

    /**
     * {@inheritDoc} With separate input and output budgets, each part is reserved in its own shared
     * window and their sum in the combined one; otherwise the sum is reserved as by
     * {@link #tryAcquire(SessionId, int)}.
     */
    @Override
    public long tryAcquire(SessionId session, int estimatedInputTokens, int estimatedOutputTokens) {
        if (!split) {
            return RateLimiter.super.tryAcquire(session, estimatedInputTokens, estimatedOutputTokens);
        }
        requireSession(session);
        settings.checkEstimate(estimatedInputTokens, estimatedOutputTokens);
        return acquireAndProbe(session, estimatedInputTokens + estimatedOutputTokens, estimatedInputTokens,
                estimatedOutputTokens, false);
    }

    private long acquireAndProbe(SessionId session, int tokens, int in, int out, boolean whole) {
        long result = acquire(session, tokens, in, out, whole);
        if (degraded) {
            maybeProbe();
        }
        return result;
    }

    /**
     * One admission. {@code in} and {@code out} are the parts for the separate windows (0 without them),
     * {@code whole} that they are not a split of the estimate.
     */
    private long acquire(SessionId session, int estimatedTokens, int in, int out, boolean whole) {
        // What the shared windows are asked for: nothing in a window that is not configured.
        long needIn = inputTokensPerMinute > 0 ? in : 0;
        long needOut = outputTokensPerMinute > 0 ? out : 0;
        boolean synced = false;
        long gate = -1;
        // However many calls one acquire makes (a sync, then a lease), together they wait at most this.
        long deadline = System.nanoTime() + timeoutMs * 1_000_000;
        while (true) {
            Call call;
            long now;
            lock.lock();
            try {
                if (closed) {
                    throw new IllegalStateException("the Redis rate limiter is closed");
                }
                now = now();
                LocalSession s = touch(session, now);
                if (degraded) {
                    return fallbackAcquire(session, estimatedTokens, in, out, whole, now);
                }
                boolean syncDue = !synced && (lastCall == NONE || (now - lastCall >= syncMs && needsSync()));
                if (syncDue && (pendingPauseUntil != 0 || lastCall == NONE)) {
                    // A pause must reach the others now; a node that knows nothing yet learns first.
                    call = prepare(now, false, false, 0, 0, 0, 0, 0);
                } else if (now < pausedUntil) {
                    return Permits.refusal(millisToNanos(pausedUntil - now));
                } else {
                    long shareRefusal = shareRefusal(s, estimatedTokens, now);
                    if (shareRefusal != 0 && syncDue) {
                        // Decided on old news: learn what the others did, then decide again.
                        call = prepare(now, false, false, 0, 0, 0, 0, 0);
                    } else if (shareRefusal != 0) {
                        contend(s, now, Permits.waitNanos(shareRefusal) / 1_000_000);
                        return shareRefusal;
                    } else if (gate < 0 && now < recoveredUntil
                            && !Permits.isGranted(gate = fallbackTry(session, estimatedTokens, in, out, whole))) {
                        // Just back from degraded: what this node admitted locally still counts for a
                        // minute, and the others' local admissions may not have reached Redis yet, so the
                        // node stays within its local share as well until then.
                        return gate;
                    } else if (leaseRequests > 0 && leaseTokens >= estimatedTokens && leaseInput >= needIn
                            && leaseOutput >= needOut && now < leaseUntil && !syncDue) {
                        leaseRequests--;
                        leaseTokens -= estimatedTokens;
                        leaseInput -= needIn;
                        leaseOutput -= needOut;
                        return admitted(s, leaseTick, estimatedTokens, in, out, whole);
                    } else if (now < fullUntil && !syncDue) {
                        contend(s, now, fullUntil - now);
                        ungate(session, gate);
                        return Permits.refusal(millisToNanos(fullUntil - now));
                    } else {
                        boolean refill = lease > 0 && !refilling;
                        if (refill) {
                            refilling = true;
                        }
                        call = prepare(now, refill, refill, 1, estimatedTokens, needIn, needOut, refill ? lease : 1);
                    }
                }
            } finally {
                lock.unlock();
            }
            List<Object> reply = await(call, deadline - System.nanoTime());
            lock.lock();
            try {
                if (call.refill) {
                    refilling = false;
                }
                if (reply == null) {
                    restore(call);
                    if (call.interrupted || closed) {
                        return Permits.refusal(millisToNanos(Math.max(1, timeoutMs)));
                    }
                    degrade(now);
                    if (gate >= 0) {
                        fallbackCharged(now, 1, estimatedTokens, fallback.permitInputTokens(gate),
                                fallback.permitOutputTokens(gate));
                        grants.increment();
                        return gate;
                    }
                    return fallbackAcquire(session, estimatedTokens, in, out, whole, now);
                }
                apply(reply, now);
                if (call.syncOnly) {
                    synced = true;
                    continue;
                }
                LocalSession s = touch(session, now);
                long grantedRequests = (Long) reply.get(0);
                long grantedTokens = (Long) reply.get(1);
                if (grantedRequests > 0) {
                    long tick = (Long) reply.get(3);
                    if (call.refill) {
                        leaseRequests = grantedRequests - 1;
                        leaseTokens = grantedTokens - estimatedTokens;
                        leaseInput = Math.max(0, (Long) reply.get(16) - needIn);
                        leaseOutput = Math.max(0, (Long) reply.get(17) - needOut);
                        leaseTick = tick;
                        leaseUntil = now + leaseTtlMs;
                    }
                    return admitted(s, tick, estimatedTokens, in, out, whole);
                }
                long wait = Math.max(1, (Long) reply.get(2));
                fullUntil = Math.max(fullUntil, now + wait);
                contend(s, now, wait);
                ungate(session, gate);
                return Permits.refusal(millisToNanos(wait));
            } finally {
                lock.unlock();
            }
        }
    }

    /** Gives back the fallback permit of an acquire that Redis refused after all. */
    private void ungate(SessionId session, long gate) {
        if (gate >= 0) {
            fallback.cancel(session, gate, false);
        }
    }

    @Override
    public void reconcile(SessionId session, long permit, int actualTokens) {
        requirePermit(permit);
        if (actualTokens < 0) {
            throw new IllegalArgumentException("actualTokens must be >= 0, was " + actualTokens);
        }
        succeeded();
        if (actualTokens == 0) {
            // Nothing reported (or 0 for an answer) is not a refund: the estimate stays charged.
            return;
        }
        adjust(session, permit, actualTokens, -1, -1);
    }

    /**
     * {@inheritDoc} With separate input and output budgets, the prompt tokens reconcile the input
     * window and the completion tokens the output window; a part reported as 0 keeps its estimate.
     */
    @Override
    public void reconcile(SessionId session, long permit, TokenUsage usage) {
        if (!split) {
            reconcile(session, permit, usage.totalTokens());
            return;
        }
        requirePermit(permit);
        succeeded();
        adjust(session, permit, usage.totalTokens() == 0 ? -1 : usage.totalTokens(),
                usage.promptTokens() == 0 ? -1 : usage.promptTokens(),
                usage.completionTokens() == 0 ? -1 : usage.completionTokens());
    }

    /** Replaces a permit's estimates with the actual counts ({@code -1}: keep that estimate). */
    private void adjust(SessionId session, long permit, long actualTokens, long actualIn, long actualOut) {
        lock.lock();
        try {
            long now = now();
            if ((permit & REDIS_PERMIT) == 0) {
                if (fallback != null) {
                    long tokens = fallback.permitTokens(permit);
                    long in = fallback.permitInputTokens(permit);
                    long out = fallback.permitOutputTokens(permit);
                    if (split) {
                        fallback.reconcile(session, permit, new TokenUsage((int) Math.max(0, actualIn),
                                (int) Math.max(0, actualOut), (int) Math.max(0, actualTokens)));
                    } else if (actualTokens >= 0) {
                        fallback.reconcile(session, permit, (int) actualTokens);
                    }
                    fallbackCharged(now, 0, actualTokens < 0 ? 0 : actualTokens - tokens,
                            actualIn < 0 ? 0 : actualIn - in, actualOut < 0 ? 0 : actualOut - out);
                }
                return;
            }
            long tick = permitTick(permit, now);
            long delta = actualTokens < 0 ? 0 : actualTokens - permitTokens(permit);
            long deltaIn = actualIn < 0 || inputTokensPerMinute == 0 ? 0 : actualIn - permitInput(permit);
            long deltaOut = actualOut < 0 || outputTokensPerMinute == 0 ? 0 : actualOut - permitOutput(permit);
            if (delta > 0) {
                chargeTokens += delta;
            }
            if (deltaIn > 0) {
                chargeInput += deltaIn;
            }
            if (deltaOut > 0) {
                chargeOutput += deltaOut;
            }
            if (delta < 0 || deltaIn < 0 || deltaOut < 0) {
                refundTokens -= Math.min(0, delta);
                refundInput -= Math.min(0, deltaIn);
                refundOutput -= Math.min(0, deltaOut);
                refundTick = Math.min(refundTick, tick);
            }
            if (delta != 0) {
                adjustSession(session, tick, 0, delta, now);
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void cancel(SessionId session, long permit, boolean reachedProvider) {
        requirePermit(permit);
        if (reachedProvider) {
            return;
        }
        lock.lock();
        try {
            long now = now();
            if ((permit & REDIS_PERMIT) == 0) {
                if (fallback != null) {
                    long tokens = fallback.permitTokens(permit);
                    long in = fallback.permitInputTokens(permit);
                    long out = fallback.permitOutputTokens(permit);
                    fallback.cancel(session, permit, false);
                    fallbackCharged(now, -1, -tokens, -in, -out);
                }
                return;
            }
            long tokens = permitTokens(permit);
            long tick = permitTick(permit, now);
            refundRequests += 1;
            refundTokens += tokens;
            refundInput += inputTokensPerMinute > 0 ? permitInput(permit) : 0;
            refundOutput += outputTokensPerMinute > 0 ? permitOutput(permit) : 0;
            refundTick = Math.min(refundTick, tick);
            adjustSession(session, tick, -1, -tokens, now);
        } finally {
            lock.unlock();
        }
    }

    /** A success starts the back-off after 429s again; costs a volatile read otherwise. */
    private void succeeded() {
        if (backingOff) {
            lock.lock();
            try {
                rateLimitedInARow = 0;
                backingOff = false;
            } finally {
                lock.unlock();
            }
        }
    }

    /** The combined tokens a Redis permit reserved. */
    private long permitTokens(long permit) {
        return PermitLayout.tokens(permit, split);
    }

    private long permitInput(long permit) {
        return PermitLayout.inputTokens(permit, split);
    }

    private long permitOutput(long permit) {
        return PermitLayout.outputTokens(permit, split);
    }

    @Override
    public void onFeedback(RateLimitFeedback feedback) {
        feedback(feedback, false);
    }

    @Override
    public void onRateLimited(RateLimitFeedback feedback) {
        feedback(feedback, true);
    }

    /**
     * While on Redis: the global window as of this node's last call (every node's usage), the number of
     * active sessions of every node, and this node's sessions with their usage and their share now.
     * While degraded: the local fallback's stats, whose limits are this node's fallback share.
     */
    @Override
    public RateLimiterStats stats() {
        lock.lock();
        try {
            long now = now();
            if (degraded) {
                return fallback.stats();
            }
            Map<SessionId, SessionRateStats> perSession = new HashMap<>();
            long coarse = now / COARSE_MS;
            long phase = now - coarse * COARSE_MS;
            for (LocalSession s : sessions.values()) {
                s.usage.advanceTo(coarse);
                long used = Math.max(0, s.usage.requestsInterpolated(phase, COARSE_MS));
                long usedTokens = Math.max(0, s.usage.tokensInterpolated(phase, COARSE_MS));
                perSession.put(s.id, new SessionRateStats(used, usedTokens,
                        Math.max(0, Math.min(requestsPerMinute, cap(s, true, used))),
                        Math.max(0, Math.min(tokensPerMinute, cap(s, false, usedTokens)))));
            }
            return new RateLimiterStats(Math.max(0, globalRequests), requestsPerMinute, Math.max(0, globalTokens),
                    tokensPerMinute, (int) Math.max(globalSessions, sessions.size()), now < pausedUntil, perSession);
        } finally {
            lock.unlock();
        }
    }

    // ---- what a status page and the tests read ----

    /**
     * Whether the limiter serves from its local fallback share because Redis failed. While degraded,
     * asking also starts the asynchronous probe when one is due, so that an idle node notices Redis is
     * back.
     *
     * @return {@code true} while degraded
     */
    public boolean isDegraded() {
        if (degraded) {
            maybeProbe();
        }
        return degraded;
    }

    /**
     * This node's id in Redis.
     *
     * @return the node id
     */
    public String nodeId() {
        return nodeId;
    }

    /**
     * Nodes that called Redis within the node time-to-live, as of the last call (at least the
     * configured fallback node count): the divisor of the fallback share.
     *
     * @return the node count
     */
    public long knownNodes() {
        lock.lock();
        try {
            return Math.max(fallbackNodesMin, knownNodes);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Script calls made so far (successful or not, probes excluded).
     *
     * @return the count
     */
    public long redisCalls() {
        return redisCalls.sum();
    }

    /**
     * Permits granted so far, on Redis or from the fallback.
     *
     * @return the count
     */
    public long grants() {
        return grants.sum();
    }

    /**
     * The lease size: permits taken per Redis call, 0 when leasing is off.
     *
     * @return the lease size
     */
    public int leaseSize() {
        return lease;
    }

    /**
     * Returns the unused rest of the lease and the pending refunds and charges to Redis, removes this
     * node and its sessions from the registry (each step bounded by the command timeout; skipped when
     * degraded), then closes the connection, and the client when this limiter created it.
     */
    @Override
    public void close() {
        List<Call> calls = new ArrayList<>();
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            if (!degraded && connection != null) {
                long now = now();
                for (LocalSession s : sessions.values()) {
                    s.removed = true;
                    closes.add(s.id.value());
                }
                sessions.clear();
                contenders.clear();
                localContendingWeight = 0;
                contendingUsage = new BucketRing(COARSE_BUCKETS, now / COARSE_MS);
                boolean first = true;
                do {
                    calls.add(prepare(now, false, first, 0, 0, 0, 0, 0));
                    first = false;
                } while (!closes.isEmpty());
                calls.get(calls.size() - 1).args[30] = "1";
            }
        } finally {
            lock.unlock();
        }
        for (Call call : calls) {
            if (await(call) == null) {
                break;
            }
        }
        try {
            degradedGauge.close();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "closing the degraded gauge failed", e);
        }
        StatefulRedisConnection<String, String> c = connection;
        try {
            if (c != null) {
                c.close();
            }
            if (ownsClient) {
                client.shutdown(0, 2, TimeUnit.SECONDS);
                ownedResources.shutdown(0, 2, TimeUnit.SECONDS);
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "closing the Redis client failed", e);
        }
    }

    // ---- local decisions; every method below runs under the lock unless it says otherwise ----

    private long now() {
        long now = clock.millis();
        if (now < lastNow) {
            now = lastNow;
        }
        lastNow = now;
        return now;
    }

    private LocalSession touch(SessionId id, long now) {
        LocalSession s = sessions.get(id);
        if (s == null) {
            s = register(id, 1, now);
            if (fallback != null) {
                fallback.openSession(id, 1);
            }
        }
        s.lastSeen = now;
        if (!s.queued && (s.heartbeatAt == NONE || now - s.heartbeatAt >= heartbeatMs)) {
            queueHeartbeat(s);
        }
        return s;
    }

    private LocalSession register(SessionId id, int weight, long now) {
        LocalSession s = new LocalSession(id, weight, now, now / COARSE_MS);
        sessions.put(id, s);
        queueHeartbeat(s);
        return s;
    }

    private void queueHeartbeat(LocalSession s) {
        if (!s.queued) {
            s.queued = true;
            heartbeats.add(s);
        }
    }

    private void forget(LocalSession s) {
        s.removed = true;
        if (s.contending) {
            stopContending(s);
            contenders.remove(s);
        }
    }

    /** The session no longer contends: its weight and usage leave the contenders' sums (not the list). */
    private void stopContending(LocalSession s) {
        s.contending = false;
        localContendingWeight -= s.weight;
        addContending(s.usage, -1);
    }

    private long admitted(LocalSession s, long tick, int tokens, long in, long out, boolean whole) {
        long coarse = lastNow / COARSE_MS;
        s.usage.advanceTo(coarse);
        s.usage.add(coarse, 1, tokens);
        if (s.contending) {
            contendingUsage.advanceTo(coarse);
            contendingUsage.add(coarse, 1, tokens);
        }
        if (s.paceInterval > 0) {
            s.pacedUntil = Math.max(s.pacedUntil, lastNow) + s.paceInterval;
            s.paceInterval = 0;
        }
        grants.increment();
        return REDIS_PERMIT | (split ? PermitLayout.split(tick, whole, in, out)
                : PermitLayout.whole(tick, tokens, PERMIT_TICK_MASK));
    }

    /** Asks the fallback, split or not as this limiter is. */
    private long fallbackTry(SessionId session, int tokens, int in, int out, boolean whole) {
        return split && !whole ? fallback.tryAcquire(session, in, out) : fallback.tryAcquire(session, tokens);
    }

    private long fallbackAcquire(SessionId session, int tokens, int in, int out, boolean whole, long now) {
        long result = fallbackTry(session, tokens, in, out, whole);
        if (Permits.isGranted(result)) {
            grants.increment();
            fallbackCharged(now, 1, tokens, fallback.permitInputTokens(result), fallback.permitOutputTokens(result));
        }
        return result;
    }

    /** Counts what the fallback admitted (or gave back), to charge it to Redis on recovery. */
    private void fallbackCharged(long now, long requests, long tokens, long in, long out) {
        long coarse = now / COARSE_MS;
        fallbackUsage.advanceTo(coarse);
        fallbackUsage.add(coarse, requests, tokens);
        fallbackIo.advanceTo(coarse);
        fallbackIo.add(coarse, inputTokensPerMinute > 0 ? in : 0, outputTokensPerMinute > 0 ? out : 0);
    }

    private boolean needsSync() {
        return !heartbeats.isEmpty() || !closes.isEmpty() || refundRequests != 0 || refundTokens != 0
                || refundInput != 0 || refundOutput != 0 || chargeRequests != 0 || chargeTokens != 0
                || chargeInput != 0 || chargeOutput != 0 || pendingPauseUntil != 0 || remainingRequests >= 0
                || remainingTokens >= 0 || remainingInput >= 0 || remainingOutput >= 0
                || localContendingWeight != 0 || othersContendingWeight != 0;
    }

    /** 0 when the session may have one more request of {@code tokens} under the policy, else the refusal. */
    private long shareRefusal(LocalSession s, int tokens, long now) {
        s.paceInterval = 0;
        if (policy == FairSharePolicy.NONE) {
            return 0;
        }
        expireContention(s, now);
        if (policy == FairSharePolicy.MAX_MIN) {
            long others = othersContendingWeight + localContendingWeight - (s.contending ? s.weight : 0);
            if (others == 0) {
                // Nobody else wants more than they get: the global window alone decides (a lone session
                // gets the whole limit).
                return 0;
            }
        }
        long coarse = now / COARSE_MS;
        long phase = now - coarse * COARSE_MS;
        s.usage.advanceTo(coarse);
        long usedRequests = s.usage.requestsInterpolated(phase, COARSE_MS);
        long usedTokens = s.usage.tokensInterpolated(phase, COARSE_MS);
        long capRequests = cap(s, true, usedRequests);
        long capTokens = cap(s, false, usedTokens);
        if (usedRequests + 1 <= capRequests && usedTokens + tokens <= capTokens) {
            return policy == FairSharePolicy.MAX_MIN && pacingBurstMs > 0 ? paceRefusal(s, capRequests, now) : 0;
        }
        // The exact time its usage, counted as the check above counts it, has room again.
        long wait = s.usage.fineTicksUntilFitsInterpolated(1, tokens, capRequests, capTokens, phase, COARSE_MS);
        if (wait < 0) {
            // The cap itself is too small now; it grows when others stop contending: look again later.
            wait = (coarse + 1) * COARSE_MS - now;
        }
        return Permits.refusal(millisToNanos(Math.max(1, wait)));
    }

    /**
     * While others contend, a session keeps to its share's pace, one request per {@code 60 s / cap}
     * (with the shared pacing on). The nodes' schedulers pace their dispatches without knowing each
     * other, so without this a session could spend its minute's share in a burst and then wait most
     * of a minute for it to slide out, its finals with it. The admission moves the pace on
     * ({@link #admitted}).
     */
    private long paceRefusal(LocalSession s, long capRequests, long now) {
        if (now < s.pacedUntil) {
            return Permits.refusal(millisToNanos(s.pacedUntil - now));
        }
        s.paceInterval = WINDOW_MS / Math.max(1, capRequests);
        return 0;
    }

    /**
     * What the session may use in the window, in one dimension, under the policy: {@link FairSharePolicy#cap}
     * with the registry's weights and the shared window as of the last call. The satisfied usage is the
     * shared window less the contenders' usage (the others' as of the last call, this node's current)
     * and less the unused rest of this node's lease, which the shared window holds but nobody used.
     */
    private long cap(LocalSession s, boolean requests, long used) {
        long limit = requests ? requestsPerMinute : tokensPerMinute;
        long satisfied = 0;
        if (policy == FairSharePolicy.MAX_MIN) {
            long coarse = lastNow / COARSE_MS;
            long phase = lastNow - coarse * COARSE_MS;
            contendingUsage.advanceTo(coarse);
            long contended = requests
                    ? othersContendingRequests + contendingUsage.requestsInterpolated(phase, COARSE_MS)
                    : othersContendingTokens + contendingUsage.tokensInterpolated(phase, COARSE_MS);
            long unusedLease = requests ? leaseRequests : leaseTokens;
            satisfied = (requests ? globalRequests : globalTokens) - unusedLease - contended;
        }
        return policy.cap(limit, s.weight, s.contending, used, satisfied, Math.max(globalWeight, s.weight),
                othersContendingWeight + localContendingWeight);
    }

    /**
     * Adds (sign 1) or takes away (sign -1) a session's usage to or from the contenders' ring, both
     * moved to the newer of their heads first.
     */
    private void addContending(BucketRing usage, int sign) {
        long tick = Math.max(contendingUsage.head(), usage.head());
        contendingUsage.advanceTo(tick);
        usage.advanceTo(tick);
        contendingUsage.addAll(usage, sign);
    }

    private void contend(LocalSession s, long now, long waitMs) {
        if (policy != FairSharePolicy.MAX_MIN) {
            return;
        }
        s.contendingUntil = Math.max(s.contendingUntil, now + waitMs + contentionMs);
        if (!s.contending) {
            s.contending = true;
            localContendingWeight += s.weight;
            addContending(s.usage, 1);
            contenders.add(s);
        }
    }

    private void expireContention(LocalSession s, long now) {
        if (s.contending && now >= s.contendingUntil) {
            stopContending(s);
            contenders.remove(s);
        }
    }

    private void adjustSession(SessionId session, long tick, long requests, long tokens, long now) {
        LocalSession s = sessions.get(session);
        if (s != null) {
            s.usage.advanceTo(now / COARSE_MS);
            s.usage.add(tick * bucketMs / COARSE_MS, requests, tokens);
            if (s.contending) {
                contendingUsage.advanceTo(now / COARSE_MS);
                contendingUsage.add(tick * bucketMs / COARSE_MS, requests, tokens);
            }
        }
    }

    private long permitTick(long permit, long now) {
        return PermitLayout.tick(permit, split, now / bucketMs, PERMIT_TICK_MASK);
    }

    private void feedback(RateLimitFeedback feedback, boolean rateLimited) {
        if (feedback == null) {
            throw new IllegalArgumentException("feedback must not be null");
        }
        long pause = -1;
        lock.lock();
        try {
            long now = now();
            // Several answers since the last call: the least left wins, with the latest reset.
            long left = left(feedback.requestLimit(), feedback.requestsRemaining(), requestsPerMinute);
            if (left >= 0) {
                remainingRequests = remainingRequests < 0 ? left : Math.min(remainingRequests, left);
                requestsResetMs = resetMs(feedback.requestsReset());
            }
            left = left(feedback.tokenLimit(), feedback.tokensRemaining(), tokensPerMinute);
            if (left >= 0) {
                remainingTokens = remainingTokens < 0 ? left : Math.min(remainingTokens, left);
                tokensResetMs = resetMs(feedback.tokensReset());
            }
            left = inputTokensPerMinute == 0 ? -1
                    : left(feedback.inputTokenLimit(), feedback.inputTokensRemaining(), inputTokensPerMinute);
            if (left >= 0) {
                remainingInput = remainingInput < 0 ? left : Math.min(remainingInput, left);
                inputResetMs = resetMs(feedback.inputTokensReset());
            }
            left = outputTokensPerMinute == 0 ? -1
                    : left(feedback.outputTokenLimit(), feedback.outputTokensRemaining(), outputTokensPerMinute);
            if (left >= 0) {
                remainingOutput = remainingOutput < 0 ? left : Math.min(remainingOutput, left);
                outputResetMs = resetMs(feedback.outputTokensReset());
            }
            if (rateLimited) {
                rateLimitedInARow = Math.min(rateLimitedInARow + 1, 62);
                backingOff = true;
            } else {
                rateLimitedInARow = 0;
                backingOff = false;
            }
            // Reset headers say when a window is full again, not how long to wait: they never pause.
            long pauseNanos = pauses.pauseNanos(feedback.retryAfter(), rateLimited, rateLimitedInARow);
            if (pauseNanos >= 0) {
                pause = Math.ceilDiv(pauseNanos, 1_000_000);
                pausedUntil = Math.max(pausedUntil, now + pause);
                pendingPauseUntil = Math.max(pendingPauseUntil, now + pause);
            }
            if (fallback != null) {
                if (rateLimited) {
                    fallback.onRateLimited(feedback);
                } else {
                    fallback.onFeedback(feedback);
                }
            }
        } finally {
            lock.unlock();
        }
        if (pause >= 0) {
            LOG.log(System.Logger.Level.INFO, "provider rate limit: admission paused for {0} ms on every node", pause);
            syncSoon();
        }
    }

    /** What the provider's feedback leaves to this limiter's budget ({@link Calibration#left}), or -1 when it says nothing. */
    private static long left(OptionalLong providerLimit, OptionalLong remaining, long ourLimit) {
        return remaining.isEmpty() ? -1 : Calibration.left(providerLimit, remaining.getAsLong(), ourLimit);
    }

    private static long resetMs(Optional<Duration> reset) {
        return reset.map(RedisRateLimiter::millis).orElse(-1L);
    }

    // ---- calls to Redis ----

    /** One script call: its arguments and what it took from the pending state, to give back on failure. */
    private static final class Call {
        final String[] args;
        final boolean refill;
        final long returnRequests;
        final long returnTokens;
        final long returnTick;
        final long returnInput;
        final long returnOutput;
        final long refundRequests;
        final long refundTokens;
        final long refundInput;
        final long refundOutput;
        final long refundTick;
        final long chargeRequests;
        final long chargeTokens;
        final long chargeInput;
        final long chargeOutput;
        final List<LocalSession> heartbeats;
        final List<String> closes;
        final boolean syncOnly;
        boolean interrupted;

        Call(String[] args, boolean refill, long[] returned, long returnTick, long[] refunded, long refundTick,
                long[] charged, List<LocalSession> heartbeats, List<String> closes) {
            this.args = args;
            this.refill = refill;
            this.returnRequests = returned[0];
            this.returnTokens = returned[1];
            this.returnInput = returned[2];
            this.returnOutput = returned[3];
            this.returnTick = returnTick;
            this.refundRequests = refunded[0];
            this.refundTokens = refunded[1];
            this.refundInput = refunded[2];
            this.refundOutput = refunded[3];
            this.refundTick = refundTick;
            this.chargeRequests = charged[0];
            this.chargeTokens = charged[1];
            this.chargeInput = charged[2];
            this.chargeOutput = charged[3];
            this.heartbeats = heartbeats;
            this.closes = closes;
            this.syncOnly = "0".equals(args[11]);
        }
    }

    /**
     * Takes the pending state into one call's arguments. With {@code returnLease} the current lease
     * goes back and is cleared; a call that needs nothing ({@code needRequests = 0}) only synchronises.
     */
    private Call prepare(long now, boolean refill, boolean returnLease, long needRequests, long needTokens,
            long needInput, long needOutput, long wantRequests) {
        sweep(now);
        long retR = 0;
        long retT = 0;
        long retI = 0;
        long retO = 0;
        long retTick = -1;
        if (returnLease && (leaseRequests > 0 || leaseTokens > 0 || leaseInput > 0 || leaseOutput > 0)) {
            retR = leaseRequests;
            retT = leaseTokens;
            retI = leaseInput;
            retO = leaseOutput;
            retTick = leaseTick;
        }
        if (returnLease) {
            leaseRequests = 0;
            leaseTokens = 0;
            leaseInput = 0;
            leaseOutput = 0;
        }
        List<String> closed = new ArrayList<>();
        List<LocalSession> beats = new ArrayList<>();
        while (closed.size() + beats.size() < MAX_SESSION_OPS && !closes.isEmpty()) {
            closed.add(closes.poll());
        }
        while (closed.size() + beats.size() < MAX_SESSION_OPS && !heartbeats.isEmpty()) {
            LocalSession s = heartbeats.poll();
            s.queued = false;
            if (!s.removed) {
                beats.add(s);
                s.heartbeatAt = now;
            }
        }
        int ops = closed.size() + beats.size();
        String[] a = new String[FIXED_ARGS + 3 * ops];
        a[0] = Long.toString(now);
        a[1] = nodeId;
        a[2] = Long.toString(requestsPerMinute);
        a[3] = Long.toString(tokensPerMinute);
        a[4] = Long.toString(bucketMs);
        a[5] = Long.toString(buckets);
        a[6] = Long.toString(idleMs);
        a[7] = Long.toString(nodeTtlMs);
        a[8] = Long.toString(keyTtlMs);
        long want = Math.max(needRequests, wantRequests);
        a[9] = Long.toString(want);
        a[10] = Long.toString(Math.min(tokensPerMinute, want * needTokens));
        a[11] = Long.toString(needRequests);
        a[12] = Long.toString(needTokens);
        a[13] = Long.toString(refill ? (lease + 1) / 2 : 1);
        a[14] = Long.toString(retR);
        a[15] = Long.toString(retT);
        a[16] = Long.toString(retTick);
        long refTick = refundTick == Long.MAX_VALUE ? -1 : refundTick;
        a[17] = Long.toString(refundRequests);
        a[18] = Long.toString(refundTokens);
        a[19] = Long.toString(refTick);
        if (carryRequests != 0 || carryTokens != 0 || carryInput != 0 || carryOutput != 0) {
            // What the fallback admitted goes to the shared window, unless it has left the window anyway.
            if (now < carryUntil) {
                chargeRequests += carryRequests;
                chargeTokens += carryTokens;
                chargeInput += carryInput;
                chargeOutput += carryOutput;
            }
            carryRequests = 0;
            carryTokens = 0;
            carryInput = 0;
            carryOutput = 0;
        }
        a[20] = Long.toString(chargeRequests);
        a[21] = Long.toString(chargeTokens);
        a[22] = Long.toString(localContendingWeight);
        a[23] = Long.toString(localContendingRequests);
        a[24] = Long.toString(localContendingTokens);
        a[25] = Long.toString(pendingPauseUntil);
        a[26] = Long.toString(remainingRequests);
        a[27] = Long.toString(requestsResetMs);
        a[28] = Long.toString(remainingTokens);
        a[29] = Long.toString(tokensResetMs);
        a[30] = "0";
        a[31] = Integer.toString(ops);
        a[32] = Long.toString(inputTokensPerMinute);
        a[33] = Long.toString(outputTokensPerMinute);
        a[34] = Long.toString(inputTokensPerMinute == 0 ? 0 : Math.min(inputTokensPerMinute, want * needInput));
        a[35] = Long.toString(outputTokensPerMinute == 0 ? 0 : Math.min(outputTokensPerMinute, want * needOutput));
        a[36] = Long.toString(needInput);
        a[37] = Long.toString(needOutput);
        a[38] = Long.toString(retI);
        a[39] = Long.toString(retO);
        a[40] = Long.toString(refundInput);
        a[41] = Long.toString(refundOutput);
        a[42] = Long.toString(chargeInput);
        a[43] = Long.toString(chargeOutput);
        a[44] = Long.toString(remainingInput);
        a[45] = Long.toString(inputResetMs);
        a[46] = Long.toString(remainingOutput);
        a[47] = Long.toString(outputResetMs);
        a[48] = Long.toString(pacingBurstMs);
        int i = FIXED_ARGS;
        for (String id : closed) {
            a[i++] = "c";
            a[i++] = id;
            a[i++] = "0";
        }
        for (LocalSession s : beats) {
            a[i++] = "h";
            a[i++] = s.id.value();
            a[i++] = Integer.toString(s.weight);
        }
        Call call = new Call(a, refill, new long[] {retR, retT, retI, retO}, retTick,
                new long[] {refundRequests, refundTokens, refundInput, refundOutput}, refundTick,
                new long[] {chargeRequests, chargeTokens, chargeInput, chargeOutput}, beats, closed);
        refundRequests = 0;
        refundTokens = 0;
        refundInput = 0;
        refundOutput = 0;
        refundTick = Long.MAX_VALUE;
        chargeRequests = 0;
        chargeTokens = 0;
        chargeInput = 0;
        chargeOutput = 0;
        pendingPauseUntil = 0;
        remainingRequests = -1;
        remainingTokens = -1;
        remainingInput = -1;
        remainingOutput = -1;
        return call;
    }

    /** Ends expired contention and idle sessions, and sums the contending sessions' usage. */
    private void sweep(long now) {
        long coarse = now / COARSE_MS;
        for (int i = contenders.size() - 1; i >= 0; i--) {
            LocalSession s = contenders.get(i);
            if (now >= s.contendingUntil) {
                stopContending(s);
                contenders.set(i, contenders.get(contenders.size() - 1));
                contenders.remove(contenders.size() - 1);
            }
        }
        contendingUsage.advanceTo(coarse);
        localContendingRequests = contendingUsage.requestsInterpolated(now - coarse * COARSE_MS, COARSE_MS);
        localContendingTokens = contendingUsage.tokensInterpolated(now - coarse * COARSE_MS, COARSE_MS);
        if (now - lastSweep >= 1_000) {
            lastSweep = now;
            sessions.values().removeIf(s -> {
                if (now - s.lastSeen >= idleMs && !s.contending) {
                    s.removed = true;
                    return true;
                }
                return false;
            });
        }
    }

    /** Gives back what a failed call took, so that the next call (after recovery) sends it. */
    private void restore(Call call) {
        if (call.returnRequests > 0 || call.returnTokens > 0 || call.returnInput > 0 || call.returnOutput > 0) {
            refundRequests += call.returnRequests;
            refundTokens += call.returnTokens;
            refundInput += call.returnInput;
            refundOutput += call.returnOutput;
            refundTick = Math.min(refundTick, call.returnTick);
        }
        if (call.refundRequests > 0 || call.refundTokens > 0 || call.refundInput > 0 || call.refundOutput > 0) {
            refundRequests += call.refundRequests;
            refundTokens += call.refundTokens;
            refundInput += call.refundInput;
            refundOutput += call.refundOutput;
            refundTick = Math.min(refundTick, call.refundTick);
        }
        chargeRequests += call.chargeRequests;
        chargeTokens += call.chargeTokens;
        chargeInput += call.chargeInput;
        chargeOutput += call.chargeOutput;
        for (LocalSession s : call.heartbeats) {
            s.heartbeatAt = NONE;
            if (!s.removed) {
                queueHeartbeat(s);
            }
        }
        for (String id : call.closes) {
            closes.add(id);
        }
    }

    private void apply(List<Object> reply, long now) {
        lastCall = now;
        globalRequests = (Long) reply.get(4);
        globalTokens = (Long) reply.get(5);
        globalWeight = (Long) reply.get(6);
        globalSessions = (Long) reply.get(7);
        othersContendingWeight = (Long) reply.get(8);
        othersContendingRequests = (Long) reply.get(9);
        othersContendingTokens = (Long) reply.get(10);
        knownNodes = Math.max(1, (Long) reply.get(11));
        pausedUntil = Math.max(pausedUntil, (Long) reply.get(12));
        globalInput = (Long) reply.get(14);
        globalOutput = (Long) reply.get(15);
        if ((Long) reply.get(13) == 1) {
            // A new (restarted or expired) registry: tell it about every session again.
            for (LocalSession s : sessions.values()) {
                queueHeartbeat(s);
            }
        }
    }

    /**
     * Sends one call, outside the lock, without waiting: the script by its SHA, loaded again once when
     * Redis answers {@code NOSCRIPT} (it restarted and lost its script cache).
     */
    private CompletableFuture<List<Object>> send(Call call) {
        StatefulRedisConnection<String, String> c = connection;
        if (c == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("not connected"));
        }
        redisCalls.increment();
        callCounter.add(1, attributes);
        try {
            String known = sha;
            CompletableFuture<String> loaded = known != null ? CompletableFuture.completedFuture(known) : load(c);
            return loaded.thenCompose(s -> eval(c, s, call)).exceptionallyCompose(e -> {
                Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                        ? e.getCause() : e;
                if (!(cause instanceof RedisNoScriptException)) {
                    return CompletableFuture.failedFuture(cause);
                }
                LOG.log(System.Logger.Level.INFO, "Redis lost the limiter script (NOSCRIPT); loading it again");
                return load(c).thenCompose(s -> eval(c, s, call));
            });
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private CompletableFuture<String> load(StatefulRedisConnection<String, String> c) {
        return c.async().scriptLoad(script).toCompletableFuture().thenApply(s -> {
            sha = s;
            return s;
        });
    }

    private CompletableFuture<List<Object>> eval(StatefulRedisConnection<String, String> c, String s, Call call) {
        RedisFuture<List<Object>> f = c.async().evalsha(s, ScriptOutputType.MULTI, keys, call.args);
        return f.toCompletableFuture();
    }

    /** Sends one call and waits at most the command timeout. Returns {@code null} when Redis failed or was slow. */
    private List<Object> await(Call call) {
        return await(call, timeoutMs * 1_000_000);
    }

    /** Sends one call and waits at most {@code nanos}. Returns {@code null} when Redis failed or was slow. */
    private List<Object> await(Call call, long nanos) {
        if (nanos <= 0) {
            return null;
        }
        CompletableFuture<List<Object>> future = send(call);
        try {
            return future.get(nanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            call.interrupted = true;
            future.cancel(true);
            return null;
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            future.cancel(true);
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            LOG.log(System.Logger.Level.DEBUG, "Redis call failed: " + cause);
            return null;
        }
    }

    /** Sends what is pending without waiting (a pause must reach the other nodes at once). */
    private void syncSoon() {
        Call call;
        long now;
        lock.lock();
        try {
            if (degraded || closed || connection == null) {
                return;
            }
            now = now();
            call = prepare(now, false, false, 0, 0, 0, 0, 0);
        } finally {
            lock.unlock();
        }
        send(call).orTimeout(timeoutMs, TimeUnit.MILLISECONDS).whenComplete((reply, error) -> {
            lock.lock();
            try {
                if (reply != null) {
                    apply(reply, now());
                } else {
                    restore(call);
                    if (!closed) {
                        degrade(now());
                    }
                }
            } finally {
                lock.unlock();
            }
        });
    }

    // ---- degraded mode ----

    private void degrade(long now) {
        if (degraded) {
            return;
        }
        long nodes = Math.max(fallbackNodesMin, knownNodes);
        if (fallback == null || fallbackNodes != nodes) {
            // The fallback keeps the in-memory limiter's default bucket width: Redis's may not suit its rings.
            fallback = FairShareRateLimiter.builder()
                    .settings(settings.share(nodes))
                    .bucketWidth(FALLBACK_BUCKET_WIDTH)
                    .clock(() -> clock.millis() * 1_000_000L)
                    .build();
            fallbackNodes = nodes;
            fallbackUsage = new BucketRing(COARSE_BUCKETS, now / COARSE_MS);
            fallbackIo = new BucketRing(COARSE_BUCKETS, now / COARSE_MS);
        }
        // What this node's share of the global window still allows, as of the last call: the rest of
        // the minute is not this node's to spend twice. It all leaves a minute after that call.
        long untilForgotten = lastCall == NONE ? 0 : lastCall + WINDOW_MS + bucketMs - now;
        if (untilForgotten > 0) {
            RateLimitFeedback.Builder left = RateLimitFeedback.builder()
                    .requestsRemaining(Math.max(0, requestsPerMinute - globalRequests) / nodes)
                    .requestsReset(Duration.ofMillis(untilForgotten))
                    .tokensRemaining(Math.max(0, tokensPerMinute - globalTokens) / nodes)
                    .tokensReset(Duration.ofMillis(untilForgotten));
            if (inputTokensPerMinute > 0) {
                left.inputTokensRemaining(Math.max(0, inputTokensPerMinute - globalInput) / nodes)
                        .inputTokensReset(Duration.ofMillis(untilForgotten));
            }
            if (outputTokensPerMinute > 0) {
                left.outputTokensRemaining(Math.max(0, outputTokensPerMinute - globalOutput) / nodes)
                        .outputTokensReset(Duration.ofMillis(untilForgotten));
            }
            fallback.onFeedback(left.build());
        }
        for (LocalSession s : sessions.values()) {
            fallback.openSession(s.id, s.weight);
        }
        if (pausedUntil > now) {
            fallback.onFeedback(RateLimitFeedback.builder().retryAfter(Duration.ofMillis(pausedUntil - now)).build());
        }
        leaseRequests = 0;
        leaseTokens = 0;
        leaseInput = 0;
        leaseOutput = 0;
        fullUntil = 0;
        degraded = true;
        degradedSince = now;
        probeBackoffMs = probeMinMs;
        nextProbeAt = now + probeBackoffMs;
        degradationCounter.add(1, attributes);
        LOG.log(System.Logger.Level.WARNING, "Redis at " + uri.getHost() + ":" + uri.getPort()
                + " failed or timed out; serving from the local share (1/" + nodes + " of the limits) until it answers");
    }

    /**
     * Starts an asynchronous probe when one is due (degraded, backoff elapsed, none running); never
     * blocks. Called without the lock.
     *
     * @return completes with {@code true} when this call started a probe that brought the limiter back
     *     on Redis, {@code false} when it started none or the probe failed
     */
    CompletableFuture<Boolean> maybeProbe() {
        lock.lock();
        try {
            long now = now();
            if (!degraded || closed || now < nextProbeAt || !probing.compareAndSet(false, true)) {
                return CompletableFuture.completedFuture(false);
            }
            nextProbeAt = now + probeBackoffMs;
            probeBackoffMs = Math.min(probeMaxMs, probeBackoffMs * 2);
        } finally {
            lock.unlock();
        }
        CompletableFuture<String> probe;
        try {
            StatefulRedisConnection<String, String> c = connection;
            if (c == null) {
                probe = client.connectAsync(StringCodec.UTF8, uri).toCompletableFuture().thenCompose(conn -> {
                    connection = conn;
                    return conn.async().scriptLoad(script).toCompletableFuture();
                });
            } else {
                probe = c.async().scriptLoad(script).toCompletableFuture();
            }
            probe = probe.orTimeout(connectTimeoutMs + timeoutMs, TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            probing.set(false);
            return CompletableFuture.completedFuture(false);
        }
        return probe.handle((loaded, error) -> {
            try {
                return error == null && recovered(loaded);
            } finally {
                probing.set(false);
            }
        });
    }

    private boolean recovered(String loaded) {
        lock.lock();
        try {
            sha = loaded;
            if (!degraded || closed) {
                return false;
            }
            long now = now();
            // What the fallback admitted is charged to the shared window: it still counts for a minute.
            fallbackUsage.advanceTo(now / COARSE_MS);
            carryRequests += fallbackUsage.requests();
            carryTokens += fallbackUsage.tokens();
            fallbackIo.advanceTo(now / COARSE_MS);
            carryInput += fallbackIo.requests();
            carryOutput += fallbackIo.tokens();
            carryUntil = now + WINDOW_MS;
            recoveredUntil = now + WINDOW_MS + bucketMs;
            fallbackUsage = new BucketRing(COARSE_BUCKETS, now / COARSE_MS);
            fallbackIo = new BucketRing(COARSE_BUCKETS, now / COARSE_MS);
            for (LocalSession s : sessions.values()) {
                s.heartbeatAt = NONE;
                queueHeartbeat(s);
            }
            lastCall = NONE;
            fullUntil = 0;
            degraded = false;
            LOG.log(System.Logger.Level.WARNING, "Redis answers again after " + (now - degradedSince)
                    + " ms; back on the shared limits");
            return true;
        } finally {
            lock.unlock();
        }
    }

    private void connectAtStart() {
        try {
            StatefulRedisConnection<String, String> c = client.connect(StringCodec.UTF8, uri);
            connection = c;
            sha = c.sync().scriptLoad(script);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "Redis at " + uri.getHost() + ":" + uri.getPort()
                    + " is not reachable at start (" + e.getMessage() + "); starting on the local share");
            lock.lock();
            try {
                degrade(now());
                nextProbeAt = now();
            } finally {
                lock.unlock();
            }
        }
    }

    private static String loadScript() {
        try (InputStream in = RedisRateLimiter.class.getResourceAsStream("limiter.lua")) {
            if (in == null) {
                throw new IllegalStateException("limiter.lua is missing from the module");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long millisToNanos(long ms) {
        return ms >= Long.MAX_VALUE / 1_000_000 ? Long.MAX_VALUE : ms * 1_000_000;
    }

    private static long millis(Duration d) {
        return d.compareTo(Duration.ofDays(365)) > 0 ? Duration.ofDays(365).toMillis() : d.toMillis();
    }

    private static void requireSession(SessionId session) {
        if (session == null) {
            throw new IllegalArgumentException("session must not be null");
        }
    }

    private static void requirePermit(long permit) {
        if (permit < 0) {
            throw new IllegalArgumentException("permit must be a granted permit (>= 0), was " + permit);
        }
    }

    /**
     * Builds a {@link RedisRateLimiter}: the options every store shares ({@link RateLimiterSettings.Builder})
     * and those of Redis; every setter validates its argument.
     */
    public static final class Builder extends RateLimiterSettings.Builder<Builder> {
        private String uri = "redis://127.0.0.1:6379";
        private RedisClient client;
        private String keyPrefix = "fairway";
        private String nodeId;
        private int lease = 10;
        private Duration leaseTtl = Duration.ofSeconds(2);
        private Duration pacingBurst = Duration.ofSeconds(1);
        private Duration commandTimeout = Duration.ofMillis(100);
        private Duration connectTimeout = Duration.ofSeconds(1);
        private Duration syncInterval = Duration.ofSeconds(1);
        private Duration probeBackoffMin = Duration.ofMillis(100);
        private Duration probeBackoffMax = Duration.ofSeconds(5);
        private int fallbackNodes = 1;
        private InstantSource clock = InstantSource.system();
        private OpenTelemetry openTelemetry = OpenTelemetry.noop();

        private Builder() {
        }

        /**
         * @param value the Redis URI, for example {@code redis://127.0.0.1:6379} (default); ignored when
         *     a client is given
         * @return this builder
         */
        public Builder uri(String value) {
            if (value == null || value.isBlank()) {
                throw new IllegalArgumentException("uri must not be blank, was '" + value + "'");
            }
            try {
                RedisURI.create(value);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("uri must be a Redis URI such as redis://127.0.0.1:6379, was '"
                        + value + "'", e);
            }
            uri = value;
            return this;
        }

        /**
         * A client the caller owns (its threads, its reconnect policy); the limiter connects with it
         * to {@link #uri(String)} and does not shut it down. Without one the limiter creates its own
         * client (two I/O threads, reconnect backoff 20 ms to 1 s) and shuts it down on close.
         *
         * @param value the client
         * @return this builder
         */
        public Builder client(RedisClient value) {
            client = Objects.requireNonNull(value, "client");
            return this;
        }

        /**
         * @param value the prefix of every key, inside a hash tag so that all keys share one cluster
         *     slot: {@code {fairway}:window} (default {@code fairway}); nodes sharing one budget use the
         *     same prefix
         * @return this builder
         */
        public Builder keyPrefix(String value) {
            if (value == null || !value.matches("[A-Za-z0-9._:-]{1,64}")) {
                throw new IllegalArgumentException("keyPrefix must be 1 to 64 characters from [A-Za-z0-9._:-], was '"
                        + value + "'");
            }
            keyPrefix = value;
            return this;
        }

        /**
         * @param value this node's id in Redis (default {@code n-} and 8 random hex digits); unique per node
         * @return this builder
         */
        public Builder nodeId(String value) {
            if (value == null || !value.matches("[A-Za-z0-9._:-]{1,64}")) {
                throw new IllegalArgumentException("nodeId must be 1 to 64 characters from [A-Za-z0-9._:-], was '"
                        + value + "'");
            }
            nodeId = value;
            return this;
        }

        /**
         * Permits taken from Redis per call: the node hands them out locally. A window can admit up to
         * {@code nodes * lease} more than the limit; 0 turns leasing off (a Redis call per permit, no
         * overshoot). Default 10.
         *
         * @param value {@link #MIN_LEASE} to {@link #MAX_LEASE} (0 to 1,000)
         * @return this builder
         */
        public Builder lease(int value) {
            if (value < MIN_LEASE || value > MAX_LEASE) {
                throw new IllegalArgumentException("lease must be " + MIN_LEASE + " to " + MAX_LEASE + ", was " + value);
            }
            lease = value;
            return this;
        }

        /**
         * @param value how long a lease may be used; its rest goes back with the next call (default 2 s)
         * @return this builder
         */
        public Builder leaseTtl(Duration value) {
            leaseTtl = positive("leaseTtl", value);
            return this;
        }

        /**
         * How far ahead of the limit's rate (one request per 60 s / RPM) all nodes together may take
         * requests from the shared window (default 1 s; at least one lease is always allowed). Each node paces its own dispatches at that rate without knowing the others,
         * so without this n nodes fill the window n times as fast and then wait most of a minute for
         * it to slide. {@link Duration#ZERO} turns the shared pacing off (the window alone decides).
         *
         * @param value 0 to 60 s
         * @return this builder
         */
        public Builder pacingBurst(Duration value) {
            if (value == null || value.isNegative() || value.compareTo(Duration.ofMinutes(1)) > 0) {
                throw new IllegalArgumentException("pacingBurst must be 0 to 60 s, was " + value);
            }
            pacingBurst = value;
            return this;
        }

        /**
         * @param value the longest an acquire waits for Redis before the node turns degraded (default
         *     100 ms), {@link #MIN_COMMAND_TIMEOUT} to {@link #MAX_COMMAND_TIMEOUT}
         * @return this builder
         */
        public Builder commandTimeout(Duration value) {
            if (value == null || value.compareTo(MIN_COMMAND_TIMEOUT) < 0 || value.compareTo(MAX_COMMAND_TIMEOUT) > 0) {
                throw new IllegalArgumentException("commandTimeout must be " + MIN_COMMAND_TIMEOUT + " to "
                        + MAX_COMMAND_TIMEOUT + ", was " + value);
            }
            commandTimeout = value;
            return this;
        }

        /**
         * @param value the longest a connection attempt may take, at start and in probes (default 1 s)
         * @return this builder
         */
        public Builder connectTimeout(Duration value) {
            connectTimeout = positive("connectTimeout", value);
            return this;
        }

        /**
         * @param value how often a busy node tells Redis its contention and sessions even when its lease
         *     lasts (default 1 s)
         * @return this builder
         */
        public Builder syncInterval(Duration value) {
            syncInterval = positive("syncInterval", value);
            return this;
        }

        /**
         * {@inheritDoc} The width must be 10 ms to 3 s, in whole milliseconds, and divide one minute.
         */
        @Override
        protected void checkBucketWidth(Duration value) {
            if (value == null || value.toMillis() < 10 || value.toMillis() > 3_000
                    || WINDOW_MS % value.toMillis() != 0 || value.toNanos() % 1_000_000 != 0) {
                throw new IllegalArgumentException("bucketWidth must be 10 ms to 3 s and divide one minute, was " + value);
            }
        }

        /**
         * The probe's backoff while degraded: it starts at {@code min} and doubles up to {@code max}.
         *
         * @param min the first wait (default 100 ms)
         * @param max the longest wait (default 5 s)
         * @return this builder
         */
        public Builder probeBackoff(Duration min, Duration max) {
            positive("probeBackoff min", min);
            positive("probeBackoff max", max);
            if (max.compareTo(min) < 0) {
                throw new IllegalArgumentException("probeBackoff max must be >= min, was " + max + " < " + min);
            }
            probeBackoffMin = min;
            probeBackoffMax = max;
            return this;
        }

        /**
         * The nodes assumed when this node has not yet seen the others in Redis: the fallback share is
         * the limit divided by the larger of this and the nodes last seen (default 1).
         *
         * @param value {@link #MIN_FALLBACK_NODES} to {@link #MAX_FALLBACK_NODES} (1 to 1,000)
         * @return this builder
         */
        public Builder fallbackNodes(int value) {
            if (value < MIN_FALLBACK_NODES || value > MAX_FALLBACK_NODES) {
                throw new IllegalArgumentException("fallbackNodes must be " + MIN_FALLBACK_NODES + " to "
                        + MAX_FALLBACK_NODES + ", was " + value);
            }
            fallbackNodes = value;
            return this;
        }

        /**
         * The clock whose epoch milliseconds all nodes compare; they must agree within a small skew
         * (NTP). Default {@link InstantSource#system()}.
         *
         * @param value the clock
         * @return this builder
         */
        public Builder clock(InstantSource value) {
            clock = Objects.requireNonNull(value, "clock");
            return this;
        }

        /**
         * @param value where the calls counter, the degradations counter and the degraded gauge go
         *     (default no-op)
         * @return this builder
         */
        public Builder openTelemetry(OpenTelemetry value) {
            openTelemetry = Objects.requireNonNull(value, "openTelemetry");
            return this;
        }

        /**
         * Connects (waiting at most the connect timeout; a node that cannot reach Redis starts degraded)
         * and loads the script.
         *
         * @return the limiter
         */
        public RedisRateLimiter build() {
            return new RedisRateLimiter(this);
        }

    }
}
