package dev.fairway.core.limiter;

import dev.fairway.api.SessionId;
import dev.fairway.core.limiter.internal.BucketRing;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * What {@link FairShareRateLimiter} keeps per session. Every field is written under the limiter's
 * lock, except {@link #lastSeen} (a hint, moved forward by the lock-free path too) and the pending
 * word, where the lock-free path adds its admissions for the lock-holder to settle into
 * {@link #usage}. A state is looked up without the lock and then checked for {@link #removed}.
 */
final class SessionState {

    private static final VarHandle PENDING;
    private static final VarHandle REFUND;
    private static final VarHandle REFUND_QUEUED;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            PENDING = lookup.findVarHandle(SessionState.class, "pending", long.class);
            REFUND = lookup.findVarHandle(SessionState.class, "refund", long.class);
            REFUND_QUEUED = lookup.findVarHandle(SessionState.class, "refundQueued", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Lock-free admissions not yet in {@link #usage}: coarse tick (low 16 bits), requests (16), tokens (32). */
    @SuppressWarnings("unused") // accessed through PENDING
    private volatile long pending;
    /** A refund waiting for the lock: the permit's fine tick (low 32 bits), then the tokens (32). */
    @SuppressWarnings("unused") // accessed through REFUND
    private volatile long refund;
    /** 1 while this session is on the limiter's stack of deferred refunds. */
    @SuppressWarnings("unused") // accessed through REFUND_QUEUED
    private volatile int refundQueued;
    /** The next session on that stack; written before the push that publishes it. */
    SessionState refundNext;

    final SessionId id;
    int weight;
    /** The session's own usage in coarse buckets; null until its first admission. */
    BucketRing usage;
    long lastSeen;
    /** Refused at or over its level (MAX_MIN): its weight is in the contending weight, its usage in the contending ring. */
    boolean contending;
    long contendingUntil;
    /** Refused under its level for want of global capacity (MAX_MIN): held back from sessions that do not wait. */
    long reservedTokens;
    long reservedUntil;
    boolean removed;

    // Intrusive links of the limiter's expiry wheel, so that scheduling allocates nothing.
    SessionState wheelPrev;
    SessionState wheelNext;
    long wheelDue;
    boolean inWheel;

    SessionState(SessionId id, int weight, long now) {
        this.id = id;
        this.weight = weight;
        this.lastSeen = now;
    }

    /**
     * Adds a lock-free admission (or charge) of coarse tick {@code coarse} to the pending word.
     *
     * @return false when the word holds another tick or would overflow: the lock-holder must settle it
     */
    boolean addPending(long coarse, int requests, long tokens) {
        long tickBits = (coarse & 0xFFFF) << 48;
        long p = (long) PENDING.getVolatile(this);
        while (true) {
            long next;
            if (p == 0) {
                next = tickBits | ((long) requests << 32) | tokens;
            } else if ((p & (0xFFFFL << 48)) == tickBits && ((p >>> 32) & 0xFFFF) + requests <= 0xFFFF
                    && (p & 0xFFFF_FFFFL) + tokens <= 0xFFFF_FFFFL) {
                next = p + ((long) requests << 32) + tokens;
            } else {
                return false;
            }
            long witness = (long) PENDING.compareAndExchange(this, p, next);
            if (witness == p) {
                return true;
            }
            p = witness;
        }
    }

    /** The low 16 bits of the coarse tick of a pending word. */
    static long pendingTick(long pending) {
        return pending >>> 48;
    }

    static long pendingRequests(long pending) {
        return (pending >>> 32) & 0xFFFF;
    }

    static long pendingTokens(long pending) {
        return pending & 0xFFFF_FFFFL;
    }

    long takePending() {
        return (long) PENDING.getAndSet(this, 0L);
    }

    /**
     * Adds a refund of {@code tokens} to the permit's fine tick {@code tick} (its low 32 bits) in the
     * refund word; refunds of one tick add up.
     *
     * @return false when a refund of another tick is waiting, or the sum would overflow
     */
    boolean addRefund(long tick, long tokens) {
        long p = (long) REFUND.getVolatile(this);
        while (true) {
            long next;
            if (p == 0) {
                next = (tick << 32) | tokens;
            } else if ((p >>> 32) == tick && (p & 0xFFFF_FFFFL) + tokens <= 0xFFFF_FFFFL) {
                next = p + tokens;
            } else {
                return false;
            }
            long witness = (long) REFUND.compareAndExchange(this, p, next);
            if (witness == p) {
                return true;
            }
            p = witness;
        }
    }

    long takeRefund() {
        return (long) REFUND.getAndSet(this, 0L);
    }

    /** Marks the session as queued for its refund; true when it was not, and the caller must push it. */
    boolean markRefundQueued() {
        return (int) REFUND_QUEUED.getVolatile(this) == 0 && REFUND_QUEUED.compareAndSet(this, 0, 1);
    }

    void unmarkRefundQueued() {
        REFUND_QUEUED.setVolatile(this, 0);
    }
}
