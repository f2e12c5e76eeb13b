package dev.fairway.core.limiter;

import dev.fairway.api.SessionId;

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

    long pending() {
        return (long) PENDING.getVolatile(this);
    }

    long compareAndExchangePending(long expected, long value) {
        return (long) PENDING.compareAndExchange(this, expected, value);
    }

    long takePending() {
        return (long) PENDING.getAndSet(this, 0L);
    }

    long refund() {
        return (long) REFUND.getVolatile(this);
    }

    long compareAndExchangeRefund(long expected, long value) {
        return (long) REFUND.compareAndExchange(this, expected, value);
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
