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
 * allocated on first use. Mutable fields are guarded by the core's lock unless they say otherwise.
 */
final class SessionState implements Session {

    /** Not in the ring and not waiting on a timer: no work, or its work is in flight. */
    static final byte IDLE = 0;
    /** In the dispatcher's round-robin ring. */
    static final byte RING = 1;
    /** Waiting on a timer (a limiter refusal or a final's retry backoff). */
    static final byte TIMER = 2;

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

    /** Guarded by the submit lock, not the core's. */
    long lastSubmitted = -1;
    long lastDelivered = -1;

    long deficit;
    boolean turnStarted;
    byte where = IDLE;
    long blockedUntil;
    boolean blocked;
    long timerAt;
    int timerVersion;

    /** Written under the core's lock and the submit lock; read under either. */
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
    boolean drainQueued;

    static final Object CLOSED_EVENT = new Object();

    private static final java.lang.invoke.VarHandle SUBMIT_LOCK;
    private static final java.lang.invoke.VarHandle UNRESOLVED;

    static {
        try {
            var lookup = java.lang.invoke.MethodHandles.lookup();
            SUBMIT_LOCK = lookup.findVarHandle(SessionState.class, "submitLock", int.class);
            UNRESOLVED = lookup.findVarHandle(SessionState.class, "unresolved", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // accessed through SUBMIT_LOCK
    private volatile int submitLock;
    @SuppressWarnings("unused") // accessed through UNRESOLVED
    private volatile int unresolved;

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

    /** Finals accepted by {@code offer} and not yet delivered or reported, including those still in the inbox. */
    int unresolvedFinals() {
        return (int) UNRESOLVED.getVolatile(this);
    }

    void addUnresolvedFinals(int delta) {
        UNRESOLVED.getAndAdd(this, delta);
    }

    /** Takes the submit lock: held by {@code offer} for a few checks and a queue insert, never while waiting. */
    void lockSubmit() {
        if (!SUBMIT_LOCK.compareAndSet(this, 0, 1)) {
            int spins = 0;
            while ((int) SUBMIT_LOCK.getOpaque(this) != 0 || !SUBMIT_LOCK.compareAndSet(this, 0, 1)) {
                if (++spins < 64) {
                    Thread.onSpinWait();
                } else {
                    spins = 0;
                    Thread.yield();
                }
            }
        }
    }

    void unlockSubmit() {
        SUBMIT_LOCK.setRelease(this, 0);
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
