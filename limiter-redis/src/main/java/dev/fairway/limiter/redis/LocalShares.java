package dev.fairway.limiter.redis;

import dev.fairway.api.SessionId;
import dev.fairway.api.limit.Permits;
import dev.fairway.api.limit.RateLimiterStats;
import dev.fairway.api.limit.SessionRateStats;
import dev.fairway.core.limiter.FairSharePolicy;

import java.util.HashMap;
import java.util.Map;

/**
 * The fair-share decisions a node makes for its own sessions, between Redis calls: whether a session
 * may have one more request under the policy ({@link FairSharePolicy#cap} with the registry's weights
 * and the shared window as of the last call), and the pace it keeps while others contend. Guarded by
 * the limiter's lock.
 */
final class LocalShares {

    private final NodeSettings settings;
    private final FairSharePolicy policy;
    private final SharedView view;
    private final Contention contention;
    private final LeasePool lease;

    LocalShares(NodeSettings settings, SharedView view, Contention contention, LeasePool lease) {
        this.settings = settings;
        this.policy = settings.policy();
        this.view = view;
        this.contention = contention;
        this.lease = lease;
    }

    /**
     * 0 when the session may have one more request of {@code tokens} under the policy, else the refusal;
     * a partial within its share less the headroom for finals (its pace stays that of the whole share).
     */
    long refusal(LocalSession s, int tokens, boolean partial, long now) {
        s.paceInterval = 0;
        if (policy == FairSharePolicy.NONE) {
            return 0;
        }
        contention.expire(s, now);
        if (policy == FairSharePolicy.MAX_MIN) {
            long others = view.othersWeight + contention.weight() - (s.contending ? s.weight : 0);
            if (others == 0) {
                // Nobody else wants more than they get: the global window alone decides (a lone session
                // gets the whole limit).
                return 0;
            }
        }
        long coarse = now / Millis.COARSE;
        long phase = now - coarse * Millis.COARSE;
        s.usage.advanceTo(coarse);
        long usedRequests = s.usage.requestsInterpolated(phase, Millis.COARSE);
        long usedTokens = s.usage.tokensInterpolated(phase, Millis.COARSE);
        long shareRequests = cap(s, true, usedRequests, now);
        long capRequests = partial ? settings.partialPart(shareRequests) : shareRequests;
        long capTokens = cap(s, false, usedTokens, now);
        if (partial) {
            capTokens = settings.partialPart(capTokens);
        }
        if (usedRequests + 1 <= capRequests && usedTokens + tokens <= capTokens) {
            return policy == FairSharePolicy.MAX_MIN && settings.pacingBurstMs() > 0
                    ? paceRefusal(s, shareRequests, now) : 0;
        }
        // The exact time its usage, counted as the check above counts it, has room again.
        long wait = s.usage.fineTicksUntilFitsInterpolated(1, tokens, capRequests, capTokens, phase, Millis.COARSE);
        if (wait < 0) {
            // The cap itself is too small now; it grows when others stop contending: look again later.
            wait = (coarse + 1) * Millis.COARSE - now;
        }
        return Permits.refusal(Millis.toNanos(Math.max(1, wait)));
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
            return Permits.refusal(Millis.toNanos(s.pacedUntil - now));
        }
        s.paceInterval = Millis.WINDOW / Math.max(1, capRequests);
        return 0;
    }

    /** Counts an admission at {@code now} in the session's usage (and the contenders'), and moves its pace on. */
    void admitted(LocalSession s, int tokens, long now) {
        long coarse = now / Millis.COARSE;
        s.usage.advanceTo(coarse);
        s.usage.add(coarse, 1, tokens);
        contention.admitted(s, coarse, tokens);
        if (s.paceInterval > 0) {
            s.pacedUntil = Math.max(s.pacedUntil, now) + s.paceInterval;
            s.paceInterval = 0;
        }
    }

    /** Counts a refund or a reconcile in the bucket the permit was charged to ({@code tick}, a fine tick). */
    void adjust(LocalSession s, long tick, long requests, long tokens, long now) {
        long charged = tick * settings.bucketMs() / Millis.COARSE;
        s.usage.advanceTo(now / Millis.COARSE);
        s.usage.add(charged, requests, tokens);
        contention.adjust(s, now / Millis.COARSE, charged, requests, tokens);
    }

    /**
     * Moves {@code tokens} of {@code from}'s usage, charged under a permit of fine tick {@code tick}, to
     * {@code to} (null: to nobody, as a closed session's usage), as core-limiter does: from the permit's
     * coarse bucket and, for what that no longer holds, from the newest one, into the same buckets of
     * {@code to}; never more than {@code from} holds there, nothing once the permit's bucket has left
     * the window. The contenders' usage moves alike; the shared window does not change.
     */
    void transfer(LocalSession from, LocalSession to, long tick, long tokens, long now) {
        long nowCoarse = now / Millis.COARSE;
        long charged = tick * settings.bucketMs() / Millis.COARSE;
        from.usage.advanceTo(nowCoarse);
        if (!from.usage.contains(charged)) {
            return;
        }
        long moved = move(from, to, charged, tokens, nowCoarse);
        if (moved < tokens && charged != nowCoarse) {
            move(from, to, nowCoarse, tokens - moved, nowCoarse);
        }
    }

    private long move(LocalSession from, LocalSession to, long coarse, long tokens, long nowCoarse) {
        long moved = Math.min(tokens, from.usage.tokensAt(coarse));
        if (moved <= 0) {
            return 0;
        }
        from.usage.add(coarse, 0, -moved);
        contention.adjust(from, nowCoarse, coarse, 0, -moved);
        if (to != null) {
            to.usage.advanceTo(nowCoarse);
            to.usage.add(coarse, 0, moved);
            contention.adjust(to, nowCoarse, coarse, 0, moved);
        }
        return moved;
    }

    /**
     * What the session may use in the window, in one dimension, under the policy. The satisfied usage
     * is the shared window less the contenders' usage (the others' as of the last call, this node's
     * current) and less the unused rest of this node's lease, which the shared window holds but nobody
     * used.
     */
    long cap(LocalSession s, boolean requests, long used, long now) {
        long limit = requests ? settings.requestsPerMinute() : settings.tokensPerMinute();
        long satisfied = 0;
        if (policy == FairSharePolicy.MAX_MIN) {
            long contended = (requests ? view.othersRequests : view.othersTokens) + contention.used(requests, now);
            satisfied = (requests ? view.window.requests() : view.window.tokens()) - lease.unused(requests) - contended;
        }
        return policy.cap(limit, s.weight, s.contending, used, satisfied, Math.max(view.totalWeight, s.weight),
                view.othersWeight + contention.weight());
    }

    /**
     * The global window as of the last call, the number of active sessions of every node, and this
     * node's sessions with their usage and their share now.
     */
    RateLimiterStats stats(SessionRegistry sessions, long now) {
        Map<SessionId, SessionRateStats> perSession = new HashMap<>();
        long coarse = now / Millis.COARSE;
        long phase = now - coarse * Millis.COARSE;
        long rpm = settings.requestsPerMinute();
        long tpm = settings.tokensPerMinute();
        for (LocalSession s : sessions.all()) {
            s.usage.advanceTo(coarse);
            long used = Math.max(0, s.usage.requestsInterpolated(phase, Millis.COARSE));
            long usedTokens = Math.max(0, s.usage.tokensInterpolated(phase, Millis.COARSE));
            perSession.put(s.id, new SessionRateStats(used, usedTokens,
                    Math.max(0, Math.min(rpm, cap(s, true, used, now))),
                    Math.max(0, Math.min(tpm, cap(s, false, usedTokens, now)))));
        }
        return new RateLimiterStats(Math.max(0, view.window.requests()), rpm, Math.max(0, view.window.tokens()),
                tpm, (int) Math.max(view.sessions, sessions.size()), now < view.pausedUntil, perSession);
    }
}
