package dev.fairway.core.limiter;

import dev.fairway.core.limiter.internal.PermitLayout;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * How {@link FairShareRateLimiter} admits concurrently: one word that holds a lock bit, a generation
 * (23 bits) and the head counts (16 bits of requests, 24 of tokens) admitted without the lock into
 * the current fine bucket since the lock was last held.
 *
 * <p>In the common case (MAX_MIN or NONE, nobody contending or waiting with a reservation, no pause,
 * room in the window, the session seen in the last minute) an admission is two compare-and-sets: one
 * of this word and one of the session's own pending word. Threads admitting for different sessions
 * share only this word. A usage report above the estimate joins the head counts alike, and a refund
 * waits in the session's refund word on a lock-free stack for the next lock-holder.
 *
 * <p>Everything else (a new tick, a refusal, contention, {@code cancel}, feedback, stats) takes the
 * lock bit for a critical section of a few dozen instructions (never {@code synchronized}, so virtual
 * threads are not pinned; nothing in it blocks, logs or allocates). Taking the lock moves the head
 * counts into the window and applies the waiting refunds; releasing it moves the word to a new
 * generation, so that a lock-free admission that read the state the lock guards knows, by the
 * generation, whether what it read is still current.
 */
final class AdmissionWord {

    private static final VarHandle WORD;
    private static final VarHandle REFUNDS;
    private static final int HEAD_TOKEN_BITS = 24;
    /** The most tokens the head counts hold: a larger request takes the lock. */
    static final long HEAD_TOKEN_MAX = (1L << HEAD_TOKEN_BITS) - 1;
    private static final int HEAD_REQUEST_SHIFT = HEAD_TOKEN_BITS;
    private static final long HEAD_REQUEST_MAX = 0xFFFF;
    private static final int GENERATION_SHIFT = 40;
    private static final long GENERATION_MASK = ((1L << 23) - 1) << GENERATION_SHIFT;
    private static final long LOCKED = 1L << 63;
    /** The bits of the fine tick a permit without a split keeps. */
    static final long PERMIT_TICK_MASK = 0xFFFF_FFFFL;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            WORD = lookup.findVarHandle(AdmissionWord.class, "word", long.class);
            REFUNDS = lookup.findVarHandle(AdmissionWord.class, "refunds", SessionState.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // accessed through WORD
    private volatile long word;
    /** Sessions with a deferred refund (a lock-free stack linked through {@link SessionState#refundNext}). */
    @SuppressWarnings("unused") // accessed through REFUNDS
    private volatile SessionState refunds;

    private final SlidingWindow window;
    private final FairShares shares;

    AdmissionWord(SlidingWindow window, FairShares shares) {
        this.window = window;
        this.shares = shares;
    }

    /** Takes the lock bit, then moves the head counts of the lock-free path into the window. */
    void lock() {
        long w = (long) WORD.getVolatile(this);
        int spins = 0;
        while (true) {
            if ((w & LOCKED) == 0) {
                long witness = (long) WORD.compareAndExchange(this, w, w | LOCKED);
                if (witness == w) {
                    long requests = (w >>> HEAD_REQUEST_SHIFT) & HEAD_REQUEST_MAX;
                    long tokens = w & HEAD_TOKEN_MAX;
                    if ((requests | tokens) != 0) {
                        // Charged while the fine tick was the current one; the lock-free path stops at its end.
                        window.add(window.fineTick, requests, tokens);
                    }
                    if (REFUNDS.getOpaque(this) != null) {
                        applyDeferredRefunds();
                    }
                    return;
                }
                w = witness;
                continue;
            }
            spins = SpinLock.backOff(spins);
            w = (long) WORD.getVolatile(this);
        }
    }

    /** Releases the lock bit with the next generation and empty head counts. */
    void unlock() {
        long w = (long) WORD.getVolatile(this);
        WORD.setRelease(this, (w + (1L << GENERATION_SHIFT)) & GENERATION_MASK);
    }

    /**
     * An admission without the lock, when the common case holds. Then it needs only room in the global
     * window, which the head counts plus the ring's sums show, and one compare-and-set of the word
     * charges it. The state read besides the word is written only under the lock, and every release
     * of the lock moves the word to a new generation, so a successful compare-and-set proves that
     * what was read was current; a lock taken meanwhile makes it fail. The session's own usage is then
     * charged to its pending word, which the lock-holder {@linkplain FairShares#settle settles} into
     * the session's ring before it reads that.
     *
     * <p>The caps are the window's limits for a final, the partials' part of them for a partial: with
     * nobody contending or waiting, the window alone decides, so these caps are the locked path's.
     *
     * @param s the session, registered
     * @param tokens the estimate, at most {@link #HEAD_TOKEN_MAX}
     * @param now the clock
     * @param maxRequests the most requests the window may hold with this one
     * @param maxTokens the most tokens the window may hold with this one
     * @return the permit, or -1 when the locked path must decide (which includes every refusal)
     */
    long tryAdmit(SessionState s, int tokens, long now, long maxRequests, long maxTokens) {
        SlidingWindow window = this.window;
        FairShares shares = this.shares;
        long w = (long) WORD.getAcquire(this);
        for (int attempt = 0; attempt < 4; attempt++) {
            for (int spins = 0; (w & LOCKED) != 0; spins++) {
                if (spins == SpinLock.SPINS_BEFORE_YIELD) {
                    return -1;
                }
                Thread.onSpinWait();
                w = (long) WORD.getAcquire(this);
            }
            // A snapshot of the state the lock guards, valid while the generation stays the same.
            long generation = w & (GENERATION_MASK | LOCKED);
            if (now >= window.nextTickAt || now < window.pausedUntil || shares.contendingWeight != 0
                    || shares.reservedRequests != 0 || s.removed || s.contending || s.usage == null) {
                return -1;
            }
            long ringRequests = window.global.requests();
            long ringTokens = window.global.tokens();
            long tick = window.fineTick;
            long coarse = window.coarseTick;
            while (true) {
                long requests = ((w >>> HEAD_REQUEST_SHIFT) & HEAD_REQUEST_MAX) + 1;
                long admittedTokens = (w & HEAD_TOKEN_MAX) + tokens;
                if (requests > HEAD_REQUEST_MAX || admittedTokens > HEAD_TOKEN_MAX
                        || ringRequests + requests > maxRequests
                        || ringTokens + admittedTokens > maxTokens) {
                    return -1;
                }
                long witness = (long) WORD.compareAndExchange(this, w, w + (1L << HEAD_REQUEST_SHIFT) + tokens);
                if (witness == w) {
                    chargeSession(s, coarse, 1, tokens, now);
                    return PermitLayout.whole(tick, tokens, PERMIT_TICK_MASK);
                }
                w = witness;
                if ((w & (GENERATION_MASK | LOCKED)) != generation) {
                    break; // the lock was taken: read the state again
                }
            }
        }
        return -1;
    }

    /**
     * A usage report above the estimate, without the lock: the extra tokens join the head counts (the
     * current bucket, which stays in the window at least as long as the permit's own: conservative)
     * and the session's pending word.
     *
     * @return false when the locked path must do it
     */
    boolean tryCharge(SessionState s, long tokens) {
        if (tokens > HEAD_TOKEN_MAX) {
            return false;
        }
        long w = (long) WORD.getAcquire(this);
        while ((w & LOCKED) == 0 && (w & HEAD_TOKEN_MAX) + tokens <= HEAD_TOKEN_MAX) {
            long coarse = window.coarseTick; // current unless the lock is taken meanwhile, which fails the CAS
            long witness = (long) WORD.compareAndExchange(this, w, w + tokens);
            if (witness == w) {
                chargeSession(s, coarse, 0, tokens, Long.MIN_VALUE);
                return true;
            }
            w = witness;
        }
        return false;
    }

    /**
     * The session's part of a lock-free admission or charge: its pending word, or, when that holds an
     * older tick or is full, its ring under the lock.
     */
    private void chargeSession(SessionState s, long coarse, int requests, long tokens, long now) {
        if (now > s.lastSeen) {
            s.lastSeen = now;
        }
        if (s.addPending(coarse, requests, tokens)) {
            return;
        }
        lock();
        try {
            shares.advance(now);
            shares.settle(s);
            // It happened in the coarse tick the lock-free path saw: charge it there.
            shares.record(s, coarse, requests, tokens);
        } finally {
            unlock();
        }
    }

    /**
     * A refund without the lock: it must go to the permit's own bucket, which only the lock may touch,
     * so it waits in the session's refund word and the session joins a lock-free stack that the next
     * lock-holder empties before anything else. Until then the window counts the refund as used:
     * conservative.
     *
     * @return false when the locked path must do it (a refund of another tick is already waiting)
     */
    boolean tryDeferRefund(SessionState s, long permit, long tokens) {
        if (!s.addRefund(permit >>> PermitLayout.TOKEN_BITS, tokens)) {
            return false;
        }
        if (s.markRefundQueued()) {
            SessionState head;
            do {
                head = (SessionState) REFUNDS.getVolatile(this);
                s.refundNext = head;
            } while (!REFUNDS.compareAndSet(this, head, s));
        }
        return true;
    }

    /** Applies the refunds that {@link #tryDeferRefund} queued. Under the lock. */
    private void applyDeferredRefunds() {
        SessionState q = (SessionState) REFUNDS.getAndSet(this, null);
        long fineTick = window.fineTick;
        while (q != null) {
            SessionState next = q.refundNext;
            q.refundNext = null;
            // Unmark before taking the word: a refund added after this re-queues the session.
            q.unmarkRefundQueued();
            long p = q.takeRefund();
            if (p != 0) {
                long tick = fineTick - ((fineTick - (p >>> 32)) & 0xFFFF_FFFFL);
                shares.adjust(q, tick, 0, -(p & 0xFFFF_FFFFL));
            }
            q = next;
        }
    }
}
