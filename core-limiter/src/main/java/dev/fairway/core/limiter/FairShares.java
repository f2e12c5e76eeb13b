package dev.fairway.core.limiter;

import dev.fairway.api.SessionId;
import dev.fairway.api.limit.Permits;
import dev.fairway.core.limiter.internal.BucketRing;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The sessions of {@link FairShareRateLimiter} and what each may take under its {@link FairSharePolicy}:
 * their registry and expiry, their usage, and the state the policy needs to decide in one division.
 *
 * <p>Each session keeps its own usage in 20 coarse buckets of 3 s (the oldest counted in proportion
 * to the part still inside the window). Under {@link FairSharePolicy#MAX_MIN} this keeps the total
 * weight of the contending sessions and a coarse ring of their usage; the window's coarse copy less
 * that ring is the satisfied usage, so a session's cap is one division and no acquire visits other
 * sessions. A session's ring is dropped once its usage has slid out of the window, so an idle session
 * costs a few dozen bytes. Sessions expire through a timing wheel (constant work per session and
 * deadline).
 *
 * <p>Not thread-safe: everything runs under the limiter's lock, except the lookups in
 * {@link #sessions} and the reads of {@link #contendingWeight} and {@link #reservedRequests} by the
 * lock-free admission, which validates them with the admission word's generation.
 */
final class FairShares {

    /** The longest a session goes without the wheel visiting it. */
    private static final long SETTLE_HORIZON_NANOS = Duration.ofHours(1).toNanos();

    private final RateLimiterSettings settings;
    private final FairSharePolicy policy;
    private final SlidingWindow window;
    private final long idleTimeoutNanos;
    private final long contentionTimeoutNanos;
    final ConcurrentHashMap<SessionId, SessionState> sessions = new ConcurrentHashMap<>();
    private final ExpiryWheel wheel = new ExpiryWheel(0, this::due);
    /** Usage of the contending sessions; the rest of the window's coarse copy is the satisfied usage. */
    private final BucketRing contendingUsage = new BucketRing(SlidingWindow.COARSE_BUCKETS, 0);
    private long activeWeight;
    long contendingWeight;
    long reservedRequests;
    private long reservedTokens;

    FairShares(RateLimiterSettings settings, SlidingWindow window) {
        this.settings = settings;
        this.policy = settings.policy();
        this.window = window;
        this.idleTimeoutNanos = settings.idleTimeout().toNanos();
        this.contentionTimeoutNanos = settings.contentionTimeout().toNanos();
    }

    /**
     * Moves the window to {@code now} and, when the coarse tick moved, the contending ring and the
     * wheel (whose due sessions are visited). Time never goes backwards.
     *
     * @return the effective now
     */
    long advance(long now) {
        if (window.advance(now)) {
            contendingUsage.advanceTo(window.coarseTick);
            wheel.advanceTo(window.coarseTick);
        }
        return window.lastNow;
    }

    // ---- the registry ----

    /** The session's state, registered with {@code weight} if it is not. */
    SessionState registered(SessionId id, int weight, long now) {
        SessionState s = sessions.get(id);
        if (s != null && !s.removed) {
            return s;
        }
        s = new SessionState(id, weight, now);
        sessions.put(id, s);
        activeWeight += weight;
        schedule(s);
        return s;
    }

    void reweigh(SessionState s, int weight) {
        if (s.weight != weight) {
            activeWeight += weight - s.weight;
            if (s.contending) {
                contendingWeight += weight - s.weight;
            }
            s.weight = weight;
        }
    }

    void remove(SessionState s) {
        unreserve(s);
        if (s.contending) {
            satisfy(s);
        }
        s.removed = true;
        sessions.remove(s.id, s);
        activeWeight -= s.weight;
        wheel.unlink(s);
    }

    /** The wheel says the session may have a deadline behind it. */
    private void due(SessionState s) {
        long now = window.lastNow;
        settle(s);
        if (s.contending && now >= s.contendingUntil) {
            satisfy(s);
        }
        if (s.reservedTokens != 0 && now >= s.reservedUntil) {
            unreserve(s);
        }
        if (now - s.lastSeen >= idleTimeoutNanos) {
            remove(s);
            return;
        }
        if (s.usage != null && !s.contending) {
            s.usage.advanceTo(window.coarseTick);
            if (s.usage.requests() == 0 && s.usage.tokens() == 0) {
                s.usage = null;
            }
        }
        schedule(s);
    }

    private void schedule(SessionState s) {
        // At least hourly, so that a lock-free admission's pending word is settled long before its
        // 16-bit coarse tick (55 hours) could wrap, whatever the idle timeout.
        long coarseNanos = window.coarseNanos;
        long due = Math.min(s.lastSeen + idleTimeoutNanos, window.lastNow + SETTLE_HORIZON_NANOS);
        if (s.contending) {
            due = Math.min(due, s.contendingUntil);
        }
        if (s.reservedTokens != 0) {
            due = Math.min(due, s.reservedUntil);
        }
        if (s.usage != null && !s.contending) {
            // Everything it used has left the window 21 coarse ticks after its last request.
            due = Math.min(due, (s.lastSeen / coarseNanos + SlidingWindow.COARSE_BUCKETS + 1) * coarseNanos);
        }
        wheel.schedule(s, Math.ceilDiv(due, coarseNanos));
    }

    // ---- usage ----

    /** Moves the session's pending word (lock-free admissions) into its ring. */
    void settle(SessionState s) {
        long p = s.takePending();
        if (p == 0) {
            return;
        }
        // The word's tick is at most the current one and at most an hour old: every session is due on
        // the wheel at least hourly (see schedule), and due() settles it, so 16 bits of ticks (55
        // hours) are never ambiguous.
        long coarseTick = window.coarseTick;
        long coarse = coarseTick - ((coarseTick - SessionState.pendingTick(p)) & 0xFFFF);
        record(s, coarse, SessionState.pendingRequests(p), SessionState.pendingTokens(p));
    }

    /** Charges usage to the session's ring (made if need be) and, if it contends, to theirs. */
    void record(SessionState s, long coarse, long requests, long tokens) {
        if (s.removed) {
            return; // it is in the global rings, which is all a closed session's usage needs
        }
        BucketRing own = s.usage;
        if (own == null) {
            own = new BucketRing(SlidingWindow.COARSE_BUCKETS, window.coarseTick);
            s.usage = own;
            schedule(s); // to drop the ring again once the window has forgotten it
        }
        own.advanceTo(window.coarseTick);
        own.add(coarse, requests, tokens);
        if (s.contending) {
            contendingUsage.add(coarse, requests, tokens);
        }
    }

    /** Adds a reconciliation or a refund to the buckets of fine tick {@code tick}, if still in the window. */
    void adjust(SessionState s, long tick, long deltaRequests, long deltaTokens) {
        window.add(tick, deltaRequests, deltaTokens);
        long coarse = Math.floorDiv(tick, window.ratio);
        if (s != null && !s.removed) {
            settle(s);
            BucketRing own = s.usage;
            if (own != null) {
                own.advanceTo(window.coarseTick);
                // Refund no more than the bucket holds; a contending session's share moves alike.
                long r = Math.max(deltaRequests, -own.requestsAt(coarse));
                long t = Math.max(deltaTokens, -own.tokensAt(coarse));
                own.add(coarse, r, t);
                if (s.contending) {
                    contendingUsage.add(coarse, r, t);
                }
            }
        }
    }

    /**
     * Moves {@code tokens} of {@code from}'s usage, charged under a permit of fine tick {@code tick}, to
     * {@code to} (null or removed: to nobody, as a closed session's usage). They are taken from the
     * permit's bucket and, for what that no longer holds (a reconcile above the estimate charged the
     * newest bucket), from the newest one, and given to {@code to} in the same buckets, so that they
     * leave its usage when they leave the window. Never more than {@code from} holds there, and nothing
     * once the permit's bucket has left the window. The windows do not change.
     */
    void transfer(SessionState from, SessionState to, long tick, long tokens, long now) {
        if (from.removed) {
            return;
        }
        settle(from);
        if (from.usage == null) {
            return;
        }
        from.usage.advanceTo(window.coarseTick);
        long coarse = Math.floorDiv(tick, window.ratio);
        if (!from.usage.contains(coarse)) {
            return; // the permit's usage has left the window, and with it anything it could move
        }
        long moved = move(from, to, coarse, tokens);
        if (moved < tokens && coarse != window.coarseTick) {
            move(from, to, window.coarseTick, tokens - moved);
        }
        if (to != null && !to.removed) {
            // Its usage is in the window now: it stays registered at least until that slides out.
            to.lastSeen = Math.max(to.lastSeen, now);
        }
    }

    /** Moves up to {@code tokens} of coarse bucket {@code coarse} from one session's usage to the other's. */
    private long move(SessionState from, SessionState to, long coarse, long tokens) {
        long moved = Math.min(tokens, from.usage.tokensAt(coarse));
        if (moved <= 0) {
            return 0;
        }
        from.usage.add(coarse, 0, -moved);
        if (from.contending) {
            contendingUsage.add(coarse, 0, -moved);
        }
        if (to != null) {
            record(to, coarse, 0, moved);
        }
        return moved;
    }

    // ---- the policy's decisions ----

    /**
     * 0 when the policy admits a request of {@code tokens} for the session now, otherwise the refusal. A
     * partial leaves the headroom for finals free: in the window ({@link SlidingWindow#partialCap}) and,
     * where the policy caps the session, in its share.
     */
    long refusal(SessionState s, int tokens, long now, boolean partial) {
        return switch (policy) {
            case NONE -> windowRefusal(1, tokens, now, partial, tokens);
            case STATIC_SPLIT -> {
                long r = windowRefusal(1, tokens, now, partial, tokens);
                yield r != 0 ? r : shareRefusal(s, tokens, now, partial);
            }
            case MAX_MIN -> maxMinRefusal(s, tokens, now, partial);
        };
    }

    /** The window's refusal of a need that includes a request of {@code own} tokens, at a partial's caps for one. */
    private long windowRefusal(long needRequests, long needTokens, long now, boolean partial, long own) {
        if (!partial) {
            return window.refusal(needRequests, needTokens, now);
        }
        return window.refusal(needRequests, needTokens, now,
                SlidingWindow.partialCap(window.partialRequestsPerMinute, 1),
                SlidingWindow.partialCap(window.partialTokensPerMinute, own));
    }

    /**
     * 0 when the session's usage plus the request fits its share (a partial: the partials' part of it),
     * otherwise the refusal, with the wait until it fits.
     */
    private long shareRefusal(SessionState s, int tokens, long now, boolean partial) {
        long phase = window.phase();
        long usedRequests = usedRequests(s, phase);
        long usedTokens = usedTokens(s, phase);
        long capRequests = capRequests(s, usedRequests, phase);
        long capTokens = capTokens(s, usedTokens, phase);
        if (partial) {
            capRequests = settings.partialPart(capRequests);
            capTokens = settings.partialPart(capTokens);
        }
        if (usedRequests + 1 <= capRequests && usedTokens + tokens <= capTokens) {
            return 0;
        }
        long fineTicks = s.usage == null ? -1
                : s.usage.fineTicksUntilFitsInterpolated(1, tokens, capRequests, capTokens, phase, window.ratio);
        if (fineTicks <= 0) {
            // The cap itself is too small now; it grows when others stop contending: look again later.
            return Permits.refusal((window.coarseTick + 1) * window.coarseNanos - now);
        }
        return Permits.refusal((window.fineTick + fineTicks) * window.bucketNanos - now);
    }

    /**
     * MAX_MIN. While anyone contends, a session over its level is refused. Otherwise the request needs
     * global room beyond what waiting sessions have reserved (a waiting session itself needs only room
     * for itself). Any refusal makes the session contend for a while, which brings the levels in; a
     * session refused for room while under its level also waits with a reservation, so that it gets
     * the next room before anyone above it.
     *
     * <p>A partial is held to the partials' part of the level and of the window, and its refusal makes
     * the session contend like any other: it proves the session wants more than it gets, and a session
     * that did not contend would have its usage counted as satisfied, so that the other contenders'
     * levels would rise into the headroom this session keeps for its finals. But a partial neither
     * reserves nor takes a reservation's place: a reservation holds room ahead of every request that
     * does not wait, finals included, and partials come often and each replaces the last, so the next
     * one asks soon anyway. So a partial always needs room beyond every reservation, its own session's
     * final's too, and leaves a reservation where it is.
     */
    private long maxMinRefusal(SessionState s, int tokens, long now, boolean partial) {
        if (s.contending || contendingWeight != 0) {
            long refusal = shareRefusal(s, tokens, now, partial);
            if (refusal != 0) {
                if (!partial) {
                    unreserve(s);
                }
                contend(s, now, Permits.waitNanos(refusal));
                return refusal;
            }
        }
        boolean waiting = !partial && s.reservedTokens != 0;
        long refusal = windowRefusal(waiting ? 1 : 1 + reservedRequests, waiting ? tokens : tokens + reservedTokens,
                now, partial, tokens);
        if (refusal == 0) {
            if (!partial) {
                unreserve(s);
            }
            return 0;
        }
        contend(s, now, Permits.waitNanos(refusal));
        if (!partial && shareRefusal(s, tokens, now, false) == 0) {
            reserve(s, tokens, now, Permits.waitNanos(refusal));
        }
        return refusal;
    }

    /** The session contends until it has gone unrefused for the wait it was told plus the contention timeout. */
    private void contend(SessionState s, long now, long wait) {
        s.contendingUntil = Math.max(s.contendingUntil, now + wait + contentionTimeoutNanos);
        if (!s.contending) {
            s.contending = true;
            contendingWeight += s.weight;
            if (s.usage != null) {
                s.usage.advanceTo(window.coarseTick);
                contendingUsage.addAll(s.usage, 1);
            }
            schedule(s);
        }
    }

    /** The session stops contending: its usage counts as satisfied again. */
    private void satisfy(SessionState s) {
        s.contending = false;
        contendingWeight -= s.weight;
        if (s.usage != null) {
            s.usage.advanceTo(window.coarseTick);
            contendingUsage.addAll(s.usage, -1);
        }
    }

    private void reserve(SessionState s, int tokens, long now, long wait) {
        if (s.reservedTokens == 0) {
            reservedRequests++;
        }
        reservedTokens += tokens - s.reservedTokens;
        s.reservedTokens = tokens;
        s.reservedUntil = now + wait + contentionTimeoutNanos;
        schedule(s);
    }

    private void unreserve(SessionState s) {
        if (s.reservedTokens != 0) {
            reservedRequests--;
            reservedTokens -= s.reservedTokens;
            s.reservedTokens = 0;
        }
    }

    /** The session's requests cap: {@link FairSharePolicy#cap} with the satisfied usage of the window. */
    long capRequests(SessionState s, long used, long phase) {
        long satisfied = window.coarse.requestsInterpolated(phase, window.ratio)
                - contendingUsage.requestsInterpolated(phase, window.ratio);
        return policy.cap(window.requestsPerMinute, s.weight, s.contending, used, satisfied, activeWeight,
                contendingWeight);
    }

    /** The session's tokens cap, as {@link #capRequests}. */
    long capTokens(SessionState s, long used, long phase) {
        long satisfied = window.coarse.tokensInterpolated(phase, window.ratio)
                - contendingUsage.tokensInterpolated(phase, window.ratio);
        return policy.cap(window.tokensPerMinute, s.weight, s.contending, used, satisfied, activeWeight,
                contendingWeight);
    }

    long usedRequests(SessionState s, long phase) {
        return s.usage == null ? 0 : s.usage.requestsInterpolated(phase, window.ratio);
    }

    long usedTokens(SessionState s, long phase) {
        return s.usage == null ? 0 : s.usage.tokensInterpolated(phase, window.ratio);
    }
}
