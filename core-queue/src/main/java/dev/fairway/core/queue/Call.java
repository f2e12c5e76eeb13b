package dev.fairway.core.queue;

import dev.fairway.api.SessionId;
import dev.fairway.api.TranslationRequest;

import java.util.ArrayList;

/**
 * One provider call and the segments waiting for it: its leader, whose session holds the rate and
 * concurrency permits and is charged for the call, and any followers that asked for an identical
 * request while it was in flight (deduplication). Runs on a worker thread; guarded by its own monitor
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
