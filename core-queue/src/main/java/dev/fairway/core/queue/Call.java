package dev.fairway.core.queue;

import dev.fairway.api.RateLimitFeedback;
import dev.fairway.api.SessionId;
import dev.fairway.api.TranslationRequest;
import dev.fairway.api.limit.ConcurrencyLimiter;

import java.util.ArrayList;

/**
 * One provider call and the segments waiting for it: its leader, whose session holds the rate and
 * concurrency permits and is charged for the call, and any followers that asked for an identical
 * request while it was in flight (deduplication).
 *
 * <p>With batching, a call is one of three kinds. A plain call is one request of its own. A <em>rider</em>
 * ({@link #rider}) is a segment's request waiting in the {@link BatchPool} or riding in a batch: it holds no
 * permit and no call slot, is joined by identical segments like a plain call, and completes when its part of
 * the batch's answer arrives. A <em>carrier</em> ({@link #items} set) is the batch itself: one provider call
 * for its riders, holding the call slot, the concurrency permit and the rate permit of the session that pays
 * its request ({@link #chargedSession}); nobody waits on it directly. Runs on a worker thread; guarded by its own monitor
 * ({@code synchronized (call)}, held for a few steps that never block: a segment joining or leaving,
 * the call completing) except for the final fields.
 */
final class Call implements Runnable {

    /** Runs a call on the current thread: the runtime's worker body. */
    @FunctionalInterface
    interface Runner {
        void run(Call call);
    }

    final Runner runner;
    final TranslationRequest request;
    final SessionId chargedSession;
    final long ratePermit;
    final long concurrencyPermit;
    final DedupKey key;
    final Segment leader;
    final int attempt;
    /** A request riding in a batch (no permit, no slot of its own). */
    final boolean rider;
    /** A carrier's riders, in the order of the batch request; null for any other call. */
    final Call[] items;
    /** A carrier's tokens per rider, as the answer reported them (or estimated); written by its worker. */
    final int[] itemTokens;
    /** When a rider's batch was sent (0 while it waits in the pool). */
    volatile long launchedAt;
    /** A carrier's rate-limit feedback from the answer, or null; written by its worker before completing. */
    volatile RateLimitFeedback batchFeedback;
    /** The span of the provider call that serves it, once started and recording; written by its worker. */
    volatile Tracing.CallSpan span;

    /** Every segment that joined, including those that left (their slots are freed when the call returns). */
    private final Segment first;
    private ArrayList<Segment> more;
    private int joined;
    private int live;

    /**
     * Every waiter left: the call is abandoned (and interrupted when it has started). Written under
     * the call's lock; read by the worker without it.
     */
    volatile boolean cancelled;
    /** The call returned (or was skipped) and its outcome was handed to its waiters. */
    boolean completed;
    /**
     * The worker running the call. The worker writes it, then reads {@link #cancelled}; a cancel writes
     * {@code cancelled}, then reads it: one of them sees the other (both volatile), so a call is either
     * skipped or interrupted. Cleared under the call's lock when the call returns, so an interrupt never
     * reaches a thread that has moved on without the worker clearing it.
     */
    volatile Thread thread;

    Call(Runner runner, Segment leader, long ratePermit, long concurrencyPermit) {
        this.runner = runner;
        this.request = leader.request;
        this.chargedSession = leader.session.id;
        this.ratePermit = ratePermit;
        this.concurrencyPermit = concurrencyPermit;
        this.key = leader.key;
        this.leader = leader;
        this.attempt = leader.attempts;
        this.first = leader;
        this.joined = 1;
        this.live = 1;
        this.rider = false;
        this.items = null;
        this.itemTokens = null;
    }

    private Call(Runner runner, Segment leader, boolean rider, Call[] items, SessionId charged, long ratePermit,
            long concurrencyPermit) {
        this.runner = runner;
        this.request = leader.request;
        this.chargedSession = charged;
        this.ratePermit = ratePermit;
        this.concurrencyPermit = concurrencyPermit;
        this.leader = leader;
        this.attempt = leader.attempts;
        this.rider = rider;
        this.items = items;
        if (rider) {
            this.key = leader.key;
            this.first = leader;
            this.joined = 1;
            this.live = 1;
            this.itemTokens = null;
        } else {
            this.key = null;
            this.first = null;
            this.itemTokens = new int[items.length];
        }
    }

    /** A segment's request that waits in the batch pool: no permit, no slot. */
    static Call rider(Runner runner, Segment segment) {
        return new Call(runner, segment, true, null, segment.session.id, -1,
                ConcurrencyLimiter.NO_PERMIT);
    }

    /** A batch call for {@code items}, paid by {@code payer} with these permits. */
    static Call carrier(Runner runner, Call[] items, SessionId payer, long ratePermit, long concurrencyPermit) {
        return new Call(runner, items[0].leader, false, items, payer, ratePermit, concurrencyPermit);
    }

    void add(Segment segment) {
        if (more == null) {
            more = new ArrayList<>(2);
        }
        more.add(segment);
        joined++;
        live++;
    }

    /** A waiter leaves (superseded, closed); returns whether nobody waits any more. */
    boolean leave() {
        live--;
        return live == 0;
    }

    int waiters() {
        return live;
    }

    /** Every segment that joined, in the order they joined. */
    Segment[] waiterArray() {
        Segment[] out = new Segment[joined];
        if (joined == 0) {
            return out;
        }
        out[0] = first;
        if (more != null) {
            for (int i = 0; i < more.size(); i++) {
                out[i + 1] = more.get(i);
            }
        }
        return out;
    }

    /** Interrupts the provider call if it is running; called under the call's lock. */
    void cancel() {
        cancelled = true;
        if (thread != null) {
            thread.interrupt();
        }
    }

    @Override
    public void run() {
        runner.run(this);
    }
}
