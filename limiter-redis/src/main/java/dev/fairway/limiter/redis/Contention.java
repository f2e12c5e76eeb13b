package dev.fairway.limiter.redis;

import dev.fairway.core.limiter.FairSharePolicy;
import dev.fairway.core.limiter.internal.BucketRing;

import java.util.ArrayList;

/**
 * This node's contending sessions (refused recently, under max-min): their weight and their usage,
 * which Redis sums over the nodes and which the share decisions set apart from the satisfied usage.
 * Guarded by the limiter's lock.
 */
final class Contention {

    /** What a call tells Redis of this node's contention. */
    record Sums(long weight, long requests, long tokens) {
    }

    private final FairSharePolicy policy;
    private final long contentionMs;
    private final ArrayList<LocalSession> contenders = new ArrayList<>();
    private long weight;
    /**
     * The usage of this node's contending sessions, kept current at every change (a session starting
     * or stopping to contend, an admission, a reconcile), so that a share decided between two Redis
     * calls never counts a contender's usage as satisfied.
     */
    private BucketRing usage = new BucketRing(Millis.COARSE_BUCKETS, 0);
    private long requests;
    private long tokens;

    Contention(NodeSettings settings) {
        this.policy = settings.policy();
        this.contentionMs = settings.contentionMs();
    }

    long weight() {
        return weight;
    }

    /** As of the last {@link #sweep}. */
    Sums sums() {
        return new Sums(weight, requests, tokens);
    }

    /** The weight of a session changes: the contenders' weight follows. */
    void reweigh(LocalSession s, int newWeight) {
        if (s.contending) {
            weight += newWeight - s.weight;
        }
    }

    /** A refused session contends until {@code waitMs} plus the contention timeout from now (max-min only). */
    void contend(LocalSession s, long now, long waitMs) {
        if (policy != FairSharePolicy.MAX_MIN) {
            return;
        }
        s.contendingUntil = Math.max(s.contendingUntil, now + waitMs + contentionMs);
        if (!s.contending) {
            s.contending = true;
            weight += s.weight;
            addUsage(s.usage, 1);
            contenders.add(s);
        }
    }

    void expire(LocalSession s, long now) {
        if (s.contending && now >= s.contendingUntil) {
            stop(s);
            contenders.remove(s);
        }
    }

    void forget(LocalSession s) {
        if (s.contending) {
            stop(s);
            contenders.remove(s);
        }
    }

    /** No session contends any more (the node stops). */
    void clear(long now) {
        contenders.clear();
        weight = 0;
        usage = new BucketRing(Millis.COARSE_BUCKETS, now / Millis.COARSE);
    }

    /** Ends expired contention and sums the contending sessions' usage for the next call. */
    void sweep(long now) {
        long coarse = now / Millis.COARSE;
        for (int i = contenders.size() - 1; i >= 0; i--) {
            LocalSession s = contenders.get(i);
            if (now >= s.contendingUntil) {
                stop(s);
                contenders.set(i, contenders.get(contenders.size() - 1));
                contenders.remove(contenders.size() - 1);
            }
        }
        usage.advanceTo(coarse);
        requests = usage.requestsInterpolated(now - coarse * Millis.COARSE, Millis.COARSE);
        tokens = usage.tokensInterpolated(now - coarse * Millis.COARSE, Millis.COARSE);
    }

    /** Counts an admission of a contending session in the current coarse bucket. */
    void admitted(LocalSession s, long coarse, int tokens) {
        if (s.contending) {
            usage.advanceTo(coarse);
            usage.add(coarse, 1, tokens);
        }
    }

    /** Counts a refund or a reconcile of a contending session in the bucket it was charged to. */
    void adjust(LocalSession s, long nowCoarse, long chargedCoarse, long requests, long tokens) {
        if (s.contending) {
            usage.advanceTo(nowCoarse);
            usage.add(chargedCoarse, requests, tokens);
        }
    }

    /** This node's contenders' usage in one dimension at {@code now}, interpolated. */
    long used(boolean requests, long now) {
        long coarse = now / Millis.COARSE;
        long phase = now - coarse * Millis.COARSE;
        usage.advanceTo(coarse);
        return requests ? usage.requestsInterpolated(phase, Millis.COARSE) : usage.tokensInterpolated(phase, Millis.COARSE);
    }

    /** The session no longer contends: its weight and usage leave the contenders' sums (not the list). */
    private void stop(LocalSession s) {
        s.contending = false;
        weight -= s.weight;
        addUsage(s.usage, -1);
    }

    /**
     * Adds (sign 1) or takes away (sign -1) a session's usage to or from the contenders' ring, both
     * moved to the newer of their heads first.
     */
    private void addUsage(BucketRing sessionUsage, int sign) {
        long tick = Math.max(usage.head(), sessionUsage.head());
        usage.advanceTo(tick);
        sessionUsage.advanceTo(tick);
        usage.addAll(sessionUsage, sign);
    }
}
