package dev.fairway.core.queue;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The provider calls in flight: their call slots (an atomic count up to {@code maxConcurrent}, slots
 * reserved for calls about to start included) and, for deduplication, the calls by what identical
 * requests share. A call's waiters are guarded by the call's own monitor. Needs no other lock.
 */
final class InFlightCalls {

    private final int maxConcurrent;
    private final AtomicInteger slotsTaken = new AtomicInteger();
    private final ConcurrentHashMap<DedupKey, Call> byKey = new ConcurrentHashMap<>();
    private final LongAdder deduplicated;

    InFlightCalls(int maxConcurrent, LongAdder deduplicated) {
        this.maxConcurrent = maxConcurrent;
        this.deduplicated = deduplicated;
    }

    // ---------------------------------------------------------------- slots

    /** Whether a call slot is free now (a racy read: a pass reserves one before it uses it). */
    boolean slotMayBeFree() {
        return slotsTaken.get() < maxConcurrent;
    }

    /** Takes a call slot if one is free. */
    boolean reserveSlot() {
        int n;
        while ((n = slotsTaken.get()) < maxConcurrent) {
            if (slotsTaken.compareAndSet(n, n + 1)) {
                return true;
            }
        }
        return false;
    }

    void releaseSlots(int n) {
        slotsTaken.addAndGet(-n);
    }

    int slotsTaken() {
        return slotsTaken.get();
    }

    // ---------------------------------------------------------------- deduplication

    /** The call in flight for {@code key}, or null. */
    Call callFor(DedupKey key) {
        return key == null ? null : byKey.get(key);
    }

    /** Whether a segment with {@code key} could join a call in flight now. */
    boolean joinable(DedupKey key) {
        return key != null && byKey.get(key) != null;
    }

    /** A new call becomes the one that identical requests join. */
    void register(Call call) {
        DedupKey key = call.key;
        if (key != null) {
            Call other = byKey.putIfAbsent(key, call);
            if (other != null && (other.cancelled || other.completed)) {
                byKey.replace(key, other, call);
            }
        }
    }

    /** The call ended or was abandoned: identical requests make their own from now on. */
    void unregister(Call call) {
        if (call.key != null) {
            byKey.remove(call.key, call);
        }
    }

    /** Joins a call in flight unless it has ended or been abandoned meanwhile. */
    boolean join(Call call, Segment segment) {
        synchronized (call) {
            if (call.cancelled || call.completed) {
                return false;
            }
            call.add(segment);
        }
        deduplicated.increment();
        return true;
    }

    /** Removes an in-flight segment from its call; the call is cancelled when nobody waits for it any more. */
    void detach(Segment segment) {
        Call call = segment.call;
        if (call == null) {
            return;
        }
        boolean abandoned = false;
        synchronized (call) {
            if (call.leave()) {
                call.cancel();
                abandoned = true;
            }
        }
        if (abandoned) {
            unregister(call);
        }
    }
}
