package dev.fairway.core.queue;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Segments waiting to ride in a batch call: each is already a {@link Call#rider} call, in flight as far as its
 * session is concerned (and joinable by identical segments), but not yet sent. {@link #take} hands out the
 * next batch, finals before partials and oldest first, within the segment and token bounds.
 *
 * <p>Who pays the batch's request: the scheduler asks the rate limiter on behalf of the batch's sessions in
 * order of their request debt, the parts of batch requests they were served minus the requests they paid
 * (kept in thousandths on each {@link SessionQueue}), so that over many batches each session pays its part of
 * the requests to within one request, and the limiter's fair share still decides whether it may pay now.
 *
 * <p>Guarded by its own lock, held for a few steps that never block; the debts are guarded by it too.
 */
final class BatchPool {

    /** Thousandths of a request: the unit of the debts. */
    static final long REQUEST = 1000;

    private volatile BatchMode mode;
    private final int maxSegments;
    private final int maxTokens;
    private final int capacity;
    private final ReentrantLock lock = new ReentrantLock();
    private final ArrayDeque<Call> finals = new ArrayDeque<>();
    private final ArrayDeque<Call> partials = new ArrayDeque<>();
    private volatile int size;

    BatchPool(BatchMode mode, int maxSegments, int maxTokens) {
        this.mode = mode;
        this.maxSegments = maxSegments;
        this.maxTokens = maxTokens;
        this.capacity = mode == BatchMode.OFF ? 0 : 4 * maxSegments;
    }

    /** Stops batching (the provider refuses batch calls); what the pool holds still goes. Returns whether it ran. */
    boolean stop() {
        if (mode == BatchMode.OFF) {
            return false;
        }
        mode = BatchMode.OFF;
        return true;
    }

    BatchMode mode() {
        return mode;
    }

    boolean isOff() {
        return mode == BatchMode.OFF;
    }

    boolean always() {
        return mode == BatchMode.ALWAYS;
    }

    int maxSegments() {
        return maxSegments;
    }

    int maxTokens() {
        return maxTokens;
    }

    boolean isEmpty() {
        return size == 0;
    }

    int size() {
        return size;
    }

    /** Whether a segment of {@code cost} tokens may be pooled now (a racy read: the bound is soft). */
    boolean admits(Segment segment) {
        return mode != BatchMode.OFF && !segment.single && segment.cost() <= maxTokens && size < capacity;
    }

    void add(Call rider) {
        lock.lock();
        try {
            (rider.leader.isFinal() ? finals : partials).addLast(rider);
            size++;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The next batch: finals first, then partials, oldest first, up to the bounds (a first segment is always
     * taken). Calls whose every segment left meanwhile go to {@code abandoned}: nothing waits for them.
     */
    Call[] take(List<Call> abandoned) {
        lock.lock();
        try {
            ArrayList<Call> out = new ArrayList<>(Math.min(size, maxSegments));
            int tokens = 0;
            tokens = fill(finals, out, tokens, abandoned);
            fill(partials, out, tokens, abandoned);
            size = finals.size() + partials.size();
            return out.toArray(new Call[0]);
        } finally {
            lock.unlock();
        }
    }

    private int fill(ArrayDeque<Call> from, ArrayList<Call> out, int tokens, List<Call> abandoned) {
        Iterator<Call> it = from.iterator();
        while (it.hasNext() && out.size() < maxSegments) {
            Call c = it.next();
            if (c.cancelled) {
                it.remove();
                abandoned.add(c);
                continue;
            }
            int cost = c.leader.cost();
            if (!out.isEmpty() && tokens + cost > maxTokens) {
                break;
            }
            it.remove();
            out.add(c);
            tokens += cost;
        }
        return tokens;
    }

    /** Puts a batch back, at the front, in its order: the rate limiter refused it. */
    void putBack(Call[] items) {
        lock.lock();
        try {
            for (int i = items.length - 1; i >= 0; i--) {
                (items[i].leader.isFinal() ? finals : partials).addFirst(items[i]);
            }
            size = finals.size() + partials.size();
        } finally {
            lock.unlock();
        }
    }

    /** The batch's sessions, most indebted first: who should pay its request. */
    List<SessionQueue> payers(Call[] items) {
        lock.lock();
        try {
            ArrayList<SessionQueue> sessions = new ArrayList<>(items.length);
            for (Call c : items) {
                SessionQueue s = c.leader.session;
                if (!sessions.contains(s)) {
                    sessions.add(s);
                }
            }
            sessions.sort(Comparator.comparingLong((SessionQueue s) -> s.batchDebt).reversed());
            return sessions;
        } finally {
            lock.unlock();
        }
    }

    /** Books a batch sent: each session owes its segments' part of the request, the payer paid all of it. */
    void booked(Call[] items, SessionQueue payer) {
        lock.lock();
        try {
            long part = REQUEST / items.length;
            for (Call c : items) {
                c.leader.session.batchDebt += part;
            }
            payer.batchDebt -= part * items.length;
        } finally {
            lock.unlock();
        }
    }
}
