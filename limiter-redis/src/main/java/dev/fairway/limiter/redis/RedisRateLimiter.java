package dev.fairway.limiter.redis;

import dev.fairway.api.RateLimitFeedback;
import dev.fairway.api.SessionId;
import dev.fairway.api.SessionOptions;
import dev.fairway.api.TokenUsage;
import dev.fairway.api.limit.Permits;
import dev.fairway.api.limit.RateLimiter;
import dev.fairway.api.limit.RateLimiterStats;
import dev.fairway.core.limiter.FairSharePolicy;
import dev.fairway.core.limiter.FairShareRateLimiter;
import dev.fairway.core.limiter.RateLimitPause;
import dev.fairway.core.limiter.RateLimiterSettings;
import dev.fairway.core.limiter.internal.BackOffCount;
import dev.fairway.core.limiter.internal.PermitLayout;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.opentelemetry.api.OpenTelemetry;

import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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

    /** The bit that tells a Redis permit from a fallback permit. */
    private static final long REDIS_PERMIT = 1L << 62;
    /** The bits of the tick a permit without a split keeps: bit 62 stays clear for {@link #REDIS_PERMIT}. */
    private static final long PERMIT_TICK_MASK = (1L << 31) - 1;

    private final RateLimiterSettings settings;
    private final NodeSettings node;
    /** How long a 429 pauses; under the lock (its jitter source is not thread-safe). */
    private final RateLimitPause pauses;
    private final InstantSource clock;
    private final LimiterMetrics metrics;
    private final AdmissionScript script;
    private final ReentrantLock lock = new ReentrantLock();

    // Everything below is guarded by lock (the fallback's active flag is also read without it).
    private final SessionRegistry sessions;
    private final Contention contention;
    private final SharedView view;
    private final LeasePool lease;
    private final LocalShares shares;
    private final Outbox outbox;
    private final Fallback fallback;
    private final BackOffCount backOff = new BackOffCount();
    private long lastNow;
    private boolean closed;

    private RedisRateLimiter(Builder b) {
        this.settings = b.toSettings();
        String nodeId = b.nodeId != null ? b.nodeId : "n-" + UUID.randomUUID().toString().substring(0, 8);
        this.node = NodeSettings.of(settings, b, nodeId);
        this.pauses = RateLimitPause.create(settings.maxRetryAfter(), settings.backoffMin(), settings.backoffMax(),
                settings.random());
        this.clock = b.clock;
        this.lastNow = clock.millis();
        this.sessions = new SessionRegistry(node);
        this.contention = new Contention(node);
        this.view = new SharedView(node.fallbackNodes());
        this.lease = new LeasePool(node);
        this.shares = new LocalShares(node, view, contention, lease);
        this.outbox = new Outbox(node);
        this.fallback = new Fallback(settings, node, clock);
        this.metrics = new LimiterMetrics(b.openTelemetry, nodeId, fallback::active);
        this.script = new AdmissionScript(b.client, b.uri, b.keyPrefix, b.commandTimeout, b.connectTimeout, metrics);
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
                s = sessions.register(session, weight, now);
            } else if (s.weight != weight) {
                contention.reweigh(s, weight);
                s.weight = weight;
                sessions.queueHeartbeat(s);
            }
            s.lastSeen = now;
            fallback.openSession(session, weight);
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
                contention.forget(s);
            }
            fallback.closeSession(session);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long tryAcquire(SessionId session, int estimatedTokens) {
        requireSession(session);
        settings.checkEstimate(estimatedTokens);
        if (node.split()) {
            // Without a split, the whole estimate is reserved in each separate window (as much of it as
            // that window can ever hold); the reconcile corrects each with the usage's parts.
            return acquireAndProbe(new Attempt(session, estimatedTokens, settings.inputPart(estimatedTokens),
                    settings.outputPart(estimatedTokens), true, false));
        }
        return acquireAndProbe(new Attempt(session, estimatedTokens, 0, 0, false, false));
    }

    /**
     * {@inheritDoc} With separate input and output budgets, each part is reserved in its own shared
     * window and their sum in the combined one; otherwise the sum is reserved as by
     * {@link #tryAcquire(SessionId, int)}.
     */
    @Override
    public long tryAcquire(SessionId session, int estimatedInputTokens, int estimatedOutputTokens) {
        if (!node.split()) {
            return RateLimiter.super.tryAcquire(session, estimatedInputTokens, estimatedOutputTokens);
        }
        requireSession(session);
        settings.checkEstimate(estimatedInputTokens, estimatedOutputTokens);
        return acquireAndProbe(new Attempt(session, estimatedInputTokens + estimatedOutputTokens,
                estimatedInputTokens, estimatedOutputTokens, false, false));
    }

    /**
     * {@inheritDoc} With a {@linkplain Builder#finalHeadroom headroom for finals}, as in core-limiter: the
     * session's share less the headroom decides on this node, and the script leaves the headroom of every
     * shared window free (a partial larger than a window's part for partials needs a window that holds
     * nothing else). A partial takes from this node's lease only when the window with the lease charged
     * left the headroom free; otherwise it asks Redis for its own permit.
     */
    @Override
    public long tryAcquirePartial(SessionId session, int estimatedTokens) {
        requireSession(session);
        settings.checkEstimate(estimatedTokens);
        boolean partial = settings.finalHeadroomPercent() > 0;
        if (node.split()) {
            return acquireAndProbe(new Attempt(session, estimatedTokens, settings.inputPart(estimatedTokens),
                    settings.outputPart(estimatedTokens), true, partial));
        }
        return acquireAndProbe(new Attempt(session, estimatedTokens, 0, 0, false, partial));
    }

    /** {@inheritDoc} With separate input and output budgets, the headroom is kept in those windows too. */
    @Override
    public long tryAcquirePartial(SessionId session, int estimatedInputTokens, int estimatedOutputTokens) {
        if (!node.split()) {
            return tryAcquirePartial(session, RateLimiter.sumOfEstimates(estimatedInputTokens, estimatedOutputTokens));
        }
        requireSession(session);
        settings.checkEstimate(estimatedInputTokens, estimatedOutputTokens);
        return acquireAndProbe(new Attempt(session, estimatedInputTokens + estimatedOutputTokens,
                estimatedInputTokens, estimatedOutputTokens, false, settings.finalHeadroomPercent() > 0));
    }

    /**
     * {@inheritDoc} Each node keeps its own sessions' usage, so this is local to the node (a batch's
     * sessions are all on the node that sent it): the tokens leave {@code from}'s usage in the permit's
     * bucket (what that no longer holds, from the newest one) and join {@code to}'s in the same bucket;
     * the shared window does not change, nor do the input and output windows. A fallback permit moves in
     * the fallback's usage. A {@code to} this node does not know takes the tokens as nobody's.
     *
     * @throws IllegalArgumentException when a session is null, the permit is not a permit, or
     *     {@code tokens} is negative
     */
    @Override
    public void transfer(SessionId from, long permit, SessionId to, int tokens) {
        requireSession(from);
        requireSession(to);
        requirePermit(permit);
        if (tokens < 0) {
            throw new IllegalArgumentException("tokens must be >= 0, was " + tokens);
        }
        if (tokens == 0 || from.equals(to)) {
            return;
        }
        lock.lock();
        try {
            long now = now();
            if ((permit & REDIS_PERMIT) == 0) {
                fallback.transfer(from, permit, to, tokens);
                return;
            }
            LocalSession source = sessions.get(from);
            if (source != null) {
                LocalSession target = sessions.get(to);
                shares.transfer(source, target, permitTick(permit, now), tokens, now);
                if (target != null) {
                    sessions.seen(target, now);
                }
            }
        } finally {
            lock.unlock();
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
        if (!node.split()) {
            reconcile(session, permit, usage.totalTokens());
            return;
        }
        requirePermit(permit);
        succeeded();
        adjust(session, permit, usage.totalTokens() == 0 ? -1 : usage.totalTokens(),
                usage.promptTokens() == 0 ? -1 : usage.promptTokens(),
                usage.completionTokens() == 0 ? -1 : usage.completionTokens());
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
                fallback.cancel(session, permit, now);
                return;
            }
            long tokens = PermitLayout.tokens(permit, node.split());
            long tick = permitTick(permit, now);
            outbox.refund(new Amounts(1, tokens, node.inputNeed(PermitLayout.inputTokens(permit, node.split())),
                    node.outputNeed(PermitLayout.outputTokens(permit, node.split()))), tick);
            adjustSession(session, tick, -1, -tokens, now);
        } finally {
            lock.unlock();
        }
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
            return fallback.active() ? fallback.stats() : shares.stats(sessions, now);
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
        if (fallback.active()) {
            maybeProbe();
        }
        return fallback.active();
    }

    /**
     * This node's id in Redis.
     *
     * @return the node id
     */
    public String nodeId() {
        return node.nodeId();
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
            return Math.max(node.fallbackNodes(), view.knownNodes);
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
        return metrics.calls();
    }

    /**
     * Permits granted so far, on Redis or from the fallback.
     *
     * @return the count
     */
    public long grants() {
        return metrics.grants();
    }

    /**
     * The lease size: permits taken per Redis call, 0 when leasing is off.
     *
     * @return the lease size
     */
    public int leaseSize() {
        return lease.size();
    }

    /**
     * Returns the unused rest of the lease and the pending refunds and charges to Redis, removes this
     * node and its sessions from the registry (each step bounded by the command timeout; skipped when
     * degraded), then closes the connection, and the client when this limiter created it.
     */
    @Override
    public void close() {
        List<ScriptCall> calls = new ArrayList<>();
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            if (!fallback.active() && script.connected()) {
                long now = now();
                sessions.removeAll();
                contention.clear(now);
                boolean first = true;
                do {
                    calls.add(prepare(now, Need.SYNC, first));
                    first = false;
                } while (sessions.hasCloses());
                calls.get(calls.size() - 1).leave();
            }
        } finally {
            lock.unlock();
        }
        for (ScriptCall call : calls) {
            if (script.await(call, Millis.toNanos(node.timeoutMs())) == null) {
                break;
            }
        }
        metrics.close();
        script.close();
    }

    // ---- one admission ----

    /** One acquire on its way through the share, the gate, the lease and the calls it makes. */
    private final class Attempt {
        final SessionId session;
        final int tokens;
        /** The parts for the separate windows (0 without them). */
        final int in;
        final int out;
        /** Whether the parts are not a split of the estimate. */
        final boolean whole;
        /** Whether a partial asks, which leaves the headroom for finals free. */
        final boolean partial;
        /** What the shared windows are asked for: nothing in a window that is not configured. */
        final long needIn;
        final long needOut;
        /** However many calls one acquire makes (a sync, then a lease), together they wait at most this. */
        final long deadline;
        boolean synced;
        /** The fallback's permit while it still gates after recovery, -1 before it was asked. */
        long gate = -1;
        long now;
        long result;

        Attempt(SessionId session, int tokens, int in, int out, boolean whole, boolean partial) {
            this.session = session;
            this.tokens = tokens;
            this.in = in;
            this.out = out;
            this.whole = whole;
            this.partial = partial;
            this.needIn = node.inputNeed(in);
            this.needOut = node.outputNeed(out);
            this.deadline = System.nanoTime() + Millis.toNanos(node.timeoutMs());
        }
    }

    private long acquireAndProbe(Attempt attempt) {
        long result = acquire(attempt);
        if (fallback.active()) {
            maybeProbe();
        }
        return result;
    }

    /** Decides locally when it can; otherwise calls Redis (outside the lock) and settles with its reply. */
    private long acquire(Attempt a) {
        while (true) {
            ScriptCall call;
            lock.lock();
            try {
                call = decide(a);
            } finally {
                lock.unlock();
            }
            if (call == null) {
                return a.result;
            }
            ScriptReply reply = script.await(call, a.deadline - System.nanoTime());
            lock.lock();
            try {
                if (settle(a, call, reply)) {
                    return a.result;
                }
            } finally {
                lock.unlock();
            }
        }
    }

    /** Under the lock: the outcome in {@code a.result} and {@code null}, or the call to make. */
    private ScriptCall decide(Attempt a) {
        if (closed) {
            throw new IllegalStateException("the Redis rate limiter is closed");
        }
        long now = a.now = now();
        LocalSession s = touch(a.session, now);
        if (fallback.active()) {
            return decided(a, fallbackAcquire(a, now));
        }
        boolean syncDue = !a.synced && (view.knowsNothing() || (now - view.lastCall >= node.syncMs() && needsSync()));
        if (syncDue && (outbox.hasPause() || view.knowsNothing())) {
            // A pause must reach the others now; a node that knows nothing yet learns first.
            return prepare(now, Need.SYNC, false);
        }
        if (now < view.pausedUntil) {
            return decided(a, Permits.refusal(Millis.toNanos(view.pausedUntil - now)));
        }
        long shareRefusal = shares.refusal(s, a.tokens, a.partial, now);
        if (shareRefusal != 0) {
            if (syncDue) {
                // Decided on old news: learn what the others did, then decide again.
                return prepare(now, Need.SYNC, false);
            }
            contention.contend(s, now, Permits.waitNanos(shareRefusal) / 1_000_000);
            return decided(a, shareRefusal);
        }
        if (a.gate < 0 && fallback.recovering(now)) {
            // Just back from degraded: what this node admitted locally still counts for a minute, and
            // the others' local admissions may not have reached Redis yet, so the node stays within its
            // local share as well until then.
            a.gate = fallback.tryAcquire(a.session, a.tokens, a.in, a.out, a.whole, a.partial);
            if (!Permits.isGranted(a.gate)) {
                return decided(a, a.gate);
            }
        }
        if (!syncDue && lease.take(now, a.tokens, a.needIn, a.needOut, a.partial)) {
            return decided(a, admitted(s, lease.tick(), a));
        }
        long fullUntil = lease.fullUntil(a.partial);
        if (now < fullUntil && !syncDue) {
            contention.contend(s, now, fullUntil - now);
            fallback.ungate(a.session, a.gate);
            return decided(a, Permits.refusal(Millis.toNanos(fullUntil - now)));
        }
        // A partial that may not take from the lease asks for its own permit and leaves the lease to finals.
        boolean refill = !(a.partial && lease.holdsOnlyFinals(now)) && lease.startRefill();
        return prepare(now, new Need(1, a.tokens, a.needIn, a.needOut, refill ? lease.size() : 1, refill, a.partial),
                refill);
    }

    private static ScriptCall decided(Attempt a, long result) {
        a.result = result;
        return null;
    }

    /** Under the lock: takes in the call's reply; {@code true} when the outcome is in {@code a.result}. */
    private boolean settle(Attempt a, ScriptCall call, ScriptReply reply) {
        if (call.refill()) {
            lease.refillDone();
        }
        if (reply == null) {
            a.result = failed(a, call);
            return true;
        }
        apply(reply, a.now);
        if (call.syncOnly()) {
            a.synced = true;
            return false;
        }
        LocalSession s = touch(a.session, a.now);
        if (reply.granted().requests() > 0) {
            if (call.refill()) {
                lease.fill(reply, a.tokens, a.needIn, a.needOut, a.now, node.leavesHeadroom(reply.window()));
            }
            a.result = admitted(s, reply.tick(), a);
            return true;
        }
        long wait = Math.max(1, reply.waitMs());
        lease.fullUntil(a.now + wait, a.partial);
        contention.contend(s, a.now, wait);
        fallback.ungate(a.session, a.gate);
        a.result = Permits.refusal(Millis.toNanos(wait));
        return true;
    }

    /** Redis failed or was slow: the node turns degraded and the fallback decides. */
    private long failed(Attempt a, ScriptCall call) {
        restore(call);
        if (call.interrupted || closed) {
            return Permits.refusal(Millis.toNanos(Math.max(1, node.timeoutMs())));
        }
        degrade(a.now);
        if (a.gate >= 0) {
            fallback.gateAdmitted(a.gate, a.tokens, a.now);
            metrics.granted();
            return a.gate;
        }
        return fallbackAcquire(a, a.now);
    }

    private long fallbackAcquire(Attempt a, long now) {
        long result = fallback.acquire(a.session, a.tokens, a.in, a.out, a.whole, a.partial, now);
        if (Permits.isGranted(result)) {
            metrics.granted();
        }
        return result;
    }

    /** A Redis permit charged to {@code tick}. */
    private long admitted(LocalSession s, long tick, Attempt a) {
        shares.admitted(s, a.tokens, lastNow);
        metrics.granted();
        return REDIS_PERMIT | (node.split() ? PermitLayout.split(tick, a.whole, a.in, a.out)
                : PermitLayout.whole(tick, a.tokens, PERMIT_TICK_MASK));
    }

    // ---- reconcile, feedback ----

    /** Replaces a permit's estimates with the actual counts ({@code -1}: keep that estimate). */
    private void adjust(SessionId session, long permit, long actualTokens, long actualIn, long actualOut) {
        lock.lock();
        try {
            long now = now();
            if ((permit & REDIS_PERMIT) == 0) {
                fallback.reconcile(session, permit, actualTokens, actualIn, actualOut, now);
                return;
            }
            boolean split = node.split();
            long tick = permitTick(permit, now);
            long delta = actualTokens < 0 ? 0 : actualTokens - PermitLayout.tokens(permit, split);
            long deltaIn = actualIn < 0 || node.inputTokensPerMinute() == 0 ? 0
                    : actualIn - PermitLayout.inputTokens(permit, split);
            long deltaOut = actualOut < 0 || node.outputTokensPerMinute() == 0 ? 0
                    : actualOut - PermitLayout.outputTokens(permit, split);
            // Above the estimate: charged to the current bucket; below it: refunded to the permit's.
            outbox.charge(new Amounts(0, Math.max(0, delta), Math.max(0, deltaIn), Math.max(0, deltaOut)));
            if (delta < 0 || deltaIn < 0 || deltaOut < 0) {
                outbox.refund(new Amounts(0, -Math.min(0, delta), -Math.min(0, deltaIn), -Math.min(0, deltaOut)), tick);
            }
            if (delta != 0) {
                adjustSession(session, tick, 0, delta, now);
            }
        } finally {
            lock.unlock();
        }
    }

    private void adjustSession(SessionId session, long tick, long requests, long tokens, long now) {
        LocalSession s = sessions.get(session);
        if (s != null) {
            shares.adjust(s, tick, requests, tokens, now);
        }
    }

    /** The fine tick a Redis permit was charged to. */
    private long permitTick(long permit, long now) {
        return PermitLayout.tick(permit, node.split(), now / node.bucketMs(), PERMIT_TICK_MASK);
    }

    /** A success starts the back-off after 429s again; costs a volatile read otherwise. */
    private void succeeded() {
        if (backOff.backingOff()) {
            lock.lock();
            try {
                backOff.reset();
            } finally {
                lock.unlock();
            }
        }
    }

    private void feedback(RateLimitFeedback feedback, boolean rateLimited) {
        if (feedback == null) {
            throw new IllegalArgumentException("feedback must not be null");
        }
        long pause = -1;
        lock.lock();
        try {
            long now = now();
            outbox.providerSaid(feedback);
            int inARow = backOff.record(rateLimited);
            // Reset headers say when a window is full again, not how long to wait: they never pause.
            long pauseNanos = pauses.pauseNanos(feedback.retryAfter(), rateLimited, inARow);
            if (pauseNanos >= 0) {
                pause = Math.ceilDiv(pauseNanos, 1_000_000);
                view.pausedUntil = Math.max(view.pausedUntil, now + pause);
                outbox.pause(now + pause);
            }
            fallback.feedback(feedback, rateLimited);
        } finally {
            lock.unlock();
        }
        if (pause >= 0) {
            LOG.log(System.Logger.Level.INFO, "provider rate limit: admission paused for {0} ms on every node", pause);
            syncSoon();
        }
    }

    // ---- local state; every method below runs under the lock unless it says otherwise ----

    /** This node's time (ms), never going back. */
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
            s = sessions.register(id, 1, now);
            fallback.openSession(id, 1);
        }
        sessions.seen(s, now);
        return s;
    }

    private boolean needsSync() {
        return sessions.hasOps() || !outbox.isEmpty() || contention.weight() != 0 || view.othersWeight != 0;
    }

    // ---- calls to Redis ----

    /**
     * Takes the pending state into one call. With {@code returnLease} the current lease goes back and
     * is cleared.
     */
    private ScriptCall prepare(long now, Need need, boolean returnLease) {
        contention.sweep(now);
        sessions.sweepIdle(now);
        Amounts rest = returnLease ? lease.takeRest() : Amounts.ZERO;
        long restTick = rest.anyPositive() ? lease.tick() : -1;
        SessionRegistry.Ops ops = sessions.take(now);
        return ScriptCall.encode(node, now, need, rest, restTick, outbox.take(now), contention.sums(), ops);
    }

    /** Gives back what a failed call took, so that the next call (after recovery) sends it. */
    private void restore(ScriptCall call) {
        outbox.restore(call);
        sessions.restore(call.ops());
    }

    private void apply(ScriptReply reply, long now) {
        if (view.apply(reply, now)) {
            // A new (restarted or expired) registry: tell it about every session again.
            sessions.heartbeatAll(false);
        }
    }

    /** Sends what is pending without waiting (a pause must reach the other nodes at once). Without the lock. */
    private void syncSoon() {
        ScriptCall call;
        lock.lock();
        try {
            if (fallback.active() || closed || !script.connected()) {
                return;
            }
            call = prepare(now(), Need.SYNC, false);
        } finally {
            lock.unlock();
        }
        script.send(call).orTimeout(node.timeoutMs(), TimeUnit.MILLISECONDS).whenComplete((reply, error) -> {
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
        if (fallback.active()) {
            return;
        }
        long nodes = Math.max(node.fallbackNodes(), view.knownNodes);
        fallback.start(now, nodes, view, sessions.all());
        lease.drop();
        metrics.degraded();
        LOG.log(System.Logger.Level.WARNING, "Redis at " + script.where()
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
            if (closed || !fallback.startProbe(now)) {
                return CompletableFuture.completedFuture(false);
            }
        } finally {
            lock.unlock();
        }
        CompletableFuture<String> probe;
        try {
            probe = script.probe(node.connectTimeoutMs() + node.timeoutMs());
        } catch (RuntimeException e) {
            fallback.probeDone();
            return CompletableFuture.completedFuture(false);
        }
        return probe.handle((loaded, error) -> {
            try {
                return error == null && recovered();
            } finally {
                fallback.probeDone();
            }
        });
    }

    /** Back on Redis: what the fallback admitted goes to the shared window, every session is told again. */
    private boolean recovered() {
        lock.lock();
        try {
            if (!fallback.active() || closed) {
                return false;
            }
            long now = now();
            long since = fallback.since();
            // What the fallback admitted still counts for a minute.
            outbox.carry(fallback.recover(now), now + Millis.WINDOW);
            sessions.heartbeatAll(true);
            view.lastCall = Millis.NONE;
            lease.notFull();
            LOG.log(System.Logger.Level.WARNING, "Redis answers again after " + (now - since)
                    + " ms; back on the shared limits");
            return true;
        } finally {
            lock.unlock();
        }
    }

    private void connectAtStart() {
        try {
            script.connect();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "Redis at " + script.where() + " is not reachable at start ("
                    + e.getMessage() + "); starting on the local share");
            lock.lock();
            try {
                degrade(now());
                fallback.probeNow(now());
            } finally {
                lock.unlock();
            }
        }
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
        // Read by NodeSettings when the limiter is built.
        String uri = "redis://127.0.0.1:6379";
        RedisClient client;
        String keyPrefix = "fairway";
        String nodeId;
        int lease = 10;
        Duration leaseTtl = Duration.ofSeconds(2);
        Duration pacingBurst = Duration.ofSeconds(1);
        Duration commandTimeout = Duration.ofMillis(100);
        Duration connectTimeout = Duration.ofSeconds(1);
        Duration syncInterval = Duration.ofSeconds(1);
        Duration probeBackoffMin = Duration.ofMillis(100);
        Duration probeBackoffMax = Duration.ofSeconds(5);
        int fallbackNodes = 1;
        InstantSource clock = InstantSource.system();
        OpenTelemetry openTelemetry = OpenTelemetry.noop();

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
                    || Millis.WINDOW % value.toMillis() != 0 || value.toNanos() % 1_000_000 != 0) {
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

