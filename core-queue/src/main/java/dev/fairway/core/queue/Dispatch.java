package dev.fairway.core.queue;

import dev.fairway.api.limit.ConcurrencyLimiter;

import java.util.ArrayList;

/**
 * One dispatch pass's hand-off between the runtime and {@link SegmentLifecycle#dispatch}: what the
 * pass may use before asking for more (a call slot and a concurrency permit that a finishing worker
 * kept for it), and the provider calls it dispatched, in order, for the runtime to run or launch. The
 * pass gives back whatever it held and did not use.
 */
final class Dispatch {

    /** A concurrency permit taken before the pass, or {@link ConcurrencyLimiter#NO_PERMIT}. */
    long concurrencyPermit;
    /** Call slots reserved before the pass (0 or 1: a finishing worker's slot) and not yet used. */
    int heldSlots;

    private Call first;
    private ArrayList<Call> more;

    private Dispatch(long concurrencyPermit) {
        this.concurrencyPermit = concurrencyPermit;
    }

    /**
     * A pass that holds nothing yet. A finishing worker's pass is given its call slot and concurrency
     * permit by {@link SegmentLifecycle#complete}.
     */
    static Dispatch empty() {
        return new Dispatch(ConcurrencyLimiter.NO_PERMIT);
    }

    void add(Call call) {
        if (first == null) {
            first = call;
            return;
        }
        if (more == null) {
            more = new ArrayList<>(2);
        }
        more.add(call);
    }

    /** How many calls the pass dispatched and are not taken yet. */
    int size() {
        return first == null ? 0 : 1 + (more == null ? 0 : more.size());
    }

    /** Takes the first call dispatched, or null. */
    Call takeFirst() {
        Call c = first;
        if (c != null) {
            first = more == null || more.isEmpty() ? null : more.remove(0);
        }
        return c;
    }
}
