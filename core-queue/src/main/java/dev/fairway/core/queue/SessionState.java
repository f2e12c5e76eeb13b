package dev.fairway.core.queue;

import dev.fairway.api.SegmentKind;
import dev.fairway.api.Session;
import dev.fairway.api.SessionId;
import dev.fairway.api.SessionListener;
import dev.fairway.api.SessionOptions;
import dev.fairway.api.SubmitOutcome;

import java.util.ArrayDeque;

/**
 * One session: the handle a transport submits through, and its scheduling state. Kept lean because a
 * node may hold ten thousand idle sessions: the queue of finals and the listener's outbox are
 * allocated on first use. Mutable fields are guarded by the session's own lock ({@link #lock()}, held
 * for a few steps of this session's scheduling: a submit, its turn in a dispatch pass, an outcome;
 * never together with another session's lock; the core's lock may be taken inside it, never the
 * other way round) unless they say otherwise.
 */
final class SessionState implements Session {

    /** Not in the ring and not waiting on a timer: no work, or its work is in flight. */
    static final byte IDLE = 0;
    /** In the dispatcher's round-robin ring. */
    static final byte RING = 1;
    /** Waiting on a timer (a limiter refusal or a final's retry backoff). */
    static final byte TIMER = 2;
    /** Taken from the ring by a dispatch pass, which puts it back where it belongs when its turn ends. */
    static final byte DISPATCHING = 3;

    final SchedulingCore core;
    final SessionId id;
    final SessionOptions options;
    final SessionListener listener;

    Item pendingPartial;
    /** The partial being translated; set until its call returns, even when it was cancelled. */
    Item partialInFlight;
    /** A translated partial held until the finals submitted before it are delivered. */
    Item parkedPartial;
    /** Accepted finals not yet delivered or reported, in sequence order. */
    ArrayDeque<Item> finals;
    int finalsInFlight;

    long lastSubmitted = -1;
    long lastDelivered = -1;

    long deficit;
    boolean turnStarted;
    /**
     * The deduplication key of the segment the session would dispatch next, as its last readiness check
     * saw it (null: none, or no deduplication). Read without the session's lock by a dispatch pass that
     * finds every call slot taken, to tell whether the session at the ring's head could join a call in
     * flight.
     */
    volatile DedupKey nextKey;
    /**
     * Where the session is: {@link #IDLE}, {@link #RING}, {@link #TIMER} or {@link #DISPATCHING}.
     * Moved as the core's {@code reschedule} describes; volatile, since some moves need no lock.
     */
    volatile byte where = IDLE;
    long blockedUntil;
    boolean blocked;
    /** Guarded by the core's lock. */
    long timerAt;
    /** Guarded by the core's lock. */
    int timerVersion;

    boolean closed;
    boolean finished;

    long requestCount;
    long lastRequestAt;
    long delivered;
    long failed;
    long superseded;
    long droppedStale;

    /** Events for the listener: {@code Translation}, {@code SegmentFailure} or {@link #CLOSED_EVENT}. */
    ArrayDeque<Object> outbox;
    /**
     * Events in {@link #outbox}; written under the lock, read by a deliverer that has let go without it.
     * A deliverer clears {@link #delivering} and then reads this; a claimer (under the lock) has written
     * it and then reads {@code delivering}: one of them sees the other, so no event is left behind.
     */
    volatile int pendingEvents;
    /** A thread is delivering this session's events; set under the lock, cleared without it. */
    volatile boolean delivering;

    static final Object CLOSED_EVENT = new Object();

    private final java.util.concurrent.locks.ReentrantLock sessionLock = new java.util.concurrent.locks.ReentrantLock();

    SessionState(SchedulingCore core, SessionId id, SessionOptions options, SessionListener listener) {
        this.core = core;
        this.id = id;
        this.options = options;
        this.listener = listener;
    }

    @Override
    public SessionId id() {
        return id;
    }

    @Override
    public SessionOptions options() {
        return options;
    }

    @Override
    public SubmitOutcome submit(SegmentKind kind, long sequence, String text) {
        return core.owner.submit(this, kind, sequence, text);
    }

    @Override
    public void close() {
        core.owner.closeSession(this);
    }

    ArrayDeque<Item> finals() {
        if (finals == null) {
            finals = new ArrayDeque<>(4);
        }
        return finals;
    }

    /** Finals accepted and not yet delivered or reported. */
    int unresolvedFinals() {
        return finals == null ? 0 : finals.size();
    }

    /**
     * Takes the session's lock: a few tries first, because it is held for a few steps at a time; then
     * it parks (a virtual thread waiting for it unmounts), so a holder that waits for the core's lock
     * never has its carrier taken by a spinner.
     */
    void lock() {
        SchedulingCore.lockHot(sessionLock);
    }

    void unlock() {
        sessionLock.unlock();
    }

    boolean hasUnresolvedFinals() {
        return finals != null && !finals.isEmpty();
    }

    void emit(Object event) {
        if (outbox == null) {
            outbox = new ArrayDeque<>(2);
        }
        outbox.addLast(event);
        core.undelivered.incrementAndGet();
        pendingEvents = outbox.size();
    }

    /** Takes every queued event and marks the session delivering, if nobody is; else null. Lock held. */
    Object[] claimEvents() {
        if (delivering || outbox == null || outbox.isEmpty()) {
            return null;
        }
        Object[] events = outbox.toArray();
        outbox.clear();
        pendingEvents = 0;
        delivering = true;
        return events;
    }

    @Override
    public String toString() {
        return "Session[" + id + "]";
    }
}
