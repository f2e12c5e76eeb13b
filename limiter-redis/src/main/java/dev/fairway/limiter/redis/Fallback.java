package dev.fairway.limiter.redis;

import dev.fairway.api.RateLimitFeedback;
import dev.fairway.api.SessionId;
import dev.fairway.api.TokenUsage;
import dev.fairway.api.limit.Permits;
import dev.fairway.api.limit.RateLimiterStats;
import dev.fairway.core.limiter.FairShareRateLimiter;
import dev.fairway.core.limiter.RateLimiterSettings;
import dev.fairway.core.limiter.internal.BucketRing;

import java.time.Duration;
import java.time.InstantSource;
import java.util.Collection;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What a node admits with while Redis does not answer: an in-process {@link FairShareRateLimiter}
 * limited to {@code limit / known nodes} and calibrated with this node's share of what the shared
 * window still allowed, the usage it admitted (charged to Redis on recovery), and the probe's backoff
 * that decides when to try Redis again. For a minute after recovery it still gates admissions, since
 * what it admitted still counts. Guarded by the limiter's lock, except {@link #active()} and the
 * probe's running flag.
 */
final class Fallback {

    /** The fallback keeps the in-memory limiter's default bucket width: Redis's may not suit its rings. */
    private static final Duration BUCKET_WIDTH = Duration.ofMillis(100);

    private final RateLimiterSettings shared;
    private final NodeSettings settings;
    private final InstantSource clock;
    private final AtomicBoolean probing = new AtomicBoolean();
    private volatile boolean active;
    private long since;
    private FairShareRateLimiter limiter;
    private long nodes;
    private BucketRing usage;
    /** Input tokens (as requests) and output tokens (as tokens) the fallback admitted. */
    private BucketRing io;
    private long nextProbeAt;
    private long probeBackoffMs;
    private long recoveredUntil = Millis.NONE;

    Fallback(RateLimiterSettings shared, NodeSettings settings, InstantSource clock) {
        this.shared = shared;
        this.settings = settings;
        this.clock = clock;
    }

    /** Whether the node serves from the fallback; safe without the lock. */
    boolean active() {
        return active;
    }

    /** When the node turned degraded (ms). */
    long since() {
        return since;
    }

    /** Whether the node came back from degraded less than a window ago: the fallback still gates. */
    boolean recovering(long now) {
        return now < recoveredUntil;
    }

    /**
     * Turns degraded: a fallback for {@code nodes} nodes, which may spend this node's share of what
     * the shared window still allowed as of the last call, and knows the sessions and the pause.
     */
    void start(long now, long nodes, SharedView view, Collection<LocalSession> sessions) {
        if (limiter == null || this.nodes != nodes) {
            limiter = FairShareRateLimiter.builder()
                    .settings(shared.share(nodes))
                    .bucketWidth(BUCKET_WIDTH)
                    .clock(() -> clock.millis() * 1_000_000L)
                    .build();
            this.nodes = nodes;
            usage = new BucketRing(Millis.COARSE_BUCKETS, now / Millis.COARSE);
            io = new BucketRing(Millis.COARSE_BUCKETS, now / Millis.COARSE);
        }
        // The rest of the minute is not this node's to spend twice. It all leaves a minute after the last call.
        long untilForgotten = view.knowsNothing() ? 0 : view.lastCall + Millis.WINDOW + settings.bucketMs() - now;
        if (untilForgotten > 0) {
            limiter.onFeedback(shareLeft(view.window, nodes, Duration.ofMillis(untilForgotten)));
        }
        for (LocalSession s : sessions) {
            limiter.openSession(s.id, s.weight);
        }
        if (view.pausedUntil > now) {
            limiter.onFeedback(RateLimitFeedback.builder().retryAfter(Duration.ofMillis(view.pausedUntil - now)).build());
        }
        active = true;
        since = now;
        probeBackoffMs = settings.probeMinMs();
        nextProbeAt = now + probeBackoffMs;
    }

    private RateLimitFeedback shareLeft(Amounts window, long nodes, Duration reset) {
        RateLimitFeedback.Builder left = RateLimitFeedback.builder()
                .requestsRemaining(Math.max(0, settings.requestsPerMinute() - window.requests()) / nodes)
                .requestsReset(reset)
                .tokensRemaining(Math.max(0, settings.tokensPerMinute() - window.tokens()) / nodes)
                .tokensReset(reset);
        if (settings.inputTokensPerMinute() > 0) {
            left.inputTokensRemaining(Math.max(0, settings.inputTokensPerMinute() - window.input()) / nodes)
                    .inputTokensReset(reset);
        }
        if (settings.outputTokensPerMinute() > 0) {
            left.outputTokensRemaining(Math.max(0, settings.outputTokensPerMinute() - window.output()) / nodes)
                    .outputTokensReset(reset);
        }
        return left.build();
    }

    /** Probes from now at the earliest (a node that starts without Redis). */
    void probeNow(long now) {
        nextProbeAt = now;
    }

    /** Whether a probe is due and none runs; if so it counts as started and the backoff doubles. */
    boolean startProbe(long now) {
        if (!active || now < nextProbeAt || !probing.compareAndSet(false, true)) {
            return false;
        }
        nextProbeAt = now + probeBackoffMs;
        probeBackoffMs = Math.min(settings.probeMaxMs(), probeBackoffMs * 2);
        return true;
    }

    /** The probe ended; safe without the lock. */
    void probeDone() {
        probing.set(false);
    }

    /**
     * Back on Redis: the fallback gates for one more window, and what it admitted, which still counts
     * for a minute, is returned to be charged to the shared window.
     */
    Amounts recover(long now) {
        usage.advanceTo(now / Millis.COARSE);
        io.advanceTo(now / Millis.COARSE);
        Amounts admitted = new Amounts(usage.requests(), usage.tokens(), io.requests(), io.tokens());
        recoveredUntil = now + Millis.WINDOW + settings.bucketMs();
        usage = new BucketRing(Millis.COARSE_BUCKETS, now / Millis.COARSE);
        io = new BucketRing(Millis.COARSE_BUCKETS, now / Millis.COARSE);
        active = false;
        return admitted;
    }

    /** Asks the fallback, split or not as this limiter is, for a partial or a final. */
    long tryAcquire(SessionId session, int tokens, int in, int out, boolean whole, boolean partial) {
        if (partial) {
            return settings.split() && !whole ? limiter.tryAcquirePartial(session, in, out)
                    : limiter.tryAcquirePartial(session, tokens);
        }
        return settings.split() && !whole ? limiter.tryAcquire(session, in, out) : limiter.tryAcquire(session, tokens);
    }

    /** An admission while degraded: asks the fallback and counts what it granted. */
    long acquire(SessionId session, int tokens, int in, int out, boolean whole, boolean partial, long now) {
        long result = tryAcquire(session, tokens, in, out, whole, partial);
        if (Permits.isGranted(result)) {
            charged(now, 1, tokens, limiter.permitInputTokens(result), limiter.permitOutputTokens(result));
        }
        return result;
    }

    /** A gate permit ({@link #tryAcquire}) that stands as the admission: Redis failed meanwhile. */
    void gateAdmitted(long gate, int tokens, long now) {
        charged(now, 1, tokens, limiter.permitInputTokens(gate), limiter.permitOutputTokens(gate));
    }

    /** Gives back the gate permit of an acquire that Redis refused after all. */
    void ungate(SessionId session, long gate) {
        if (gate >= 0) {
            limiter.cancel(session, gate, false);
        }
    }

    /** Replaces a fallback permit's estimates with the actual counts ({@code -1}: keep that estimate). */
    void reconcile(SessionId session, long permit, long actualTokens, long actualIn, long actualOut, long now) {
        if (limiter == null) {
            return;
        }
        long tokens = limiter.permitTokens(permit);
        long in = limiter.permitInputTokens(permit);
        long out = limiter.permitOutputTokens(permit);
        if (settings.split()) {
            limiter.reconcile(session, permit, new TokenUsage((int) Math.max(0, actualIn),
                    (int) Math.max(0, actualOut), (int) Math.max(0, actualTokens)));
        } else if (actualTokens >= 0) {
            limiter.reconcile(session, permit, (int) actualTokens);
        }
        charged(now, 0, actualTokens < 0 ? 0 : actualTokens - tokens, actualIn < 0 ? 0 : actualIn - in,
                actualOut < 0 ? 0 : actualOut - out);
    }

    /** Moves a fallback permit's tokens to another session's usage in the fallback (the window is the same). */
    void transfer(SessionId from, long permit, SessionId to, int tokens) {
        if (limiter != null) {
            limiter.transfer(from, permit, to, tokens);
        }
    }

    /** Gives back a fallback permit that never reached the provider. */
    void cancel(SessionId session, long permit, long now) {
        if (limiter == null) {
            return;
        }
        long tokens = limiter.permitTokens(permit);
        long in = limiter.permitInputTokens(permit);
        long out = limiter.permitOutputTokens(permit);
        limiter.cancel(session, permit, false);
        charged(now, -1, -tokens, -in, -out);
    }

    void openSession(SessionId session, int weight) {
        if (limiter != null) {
            limiter.openSession(session, weight);
        }
    }

    void closeSession(SessionId session) {
        if (limiter != null) {
            limiter.closeSession(session);
        }
    }

    void feedback(RateLimitFeedback feedback, boolean rateLimited) {
        if (limiter == null) {
            return;
        }
        if (rateLimited) {
            limiter.onRateLimited(feedback);
        } else {
            limiter.onFeedback(feedback);
        }
    }

    /** The fallback's stats, whose limits are this node's fallback share. */
    RateLimiterStats stats() {
        return limiter.stats();
    }

    /** Counts what the fallback admitted (or gave back), to charge it to Redis on recovery. */
    private void charged(long now, long requests, long tokens, long in, long out) {
        long coarse = now / Millis.COARSE;
        usage.advanceTo(coarse);
        usage.add(coarse, requests, tokens);
        io.advanceTo(coarse);
        io.add(coarse, settings.inputTokensPerMinute() > 0 ? in : 0, settings.outputTokensPerMinute() > 0 ? out : 0);
    }
}
