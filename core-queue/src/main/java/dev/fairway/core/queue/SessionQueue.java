package dev.fairway.core.queue;

import dev.fairway.api.SegmentKind;
import dev.fairway.api.Session;
import dev.fairway.api.SessionId;
import dev.fairway.api.SessionListener;
import dev.fairway.api.SessionOptions;
import dev.fairway.api.SubmitOutcome;
import io.opentelemetry.api.trace.SpanContext;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Optional;

/**
 * One session's queues and scheduling state, and the {@link Session} handle a transport submits
 * through. Kept lean because a node may hold ten thousand idle sessions: the queue of finals and the
 * listener's outbox are made on first use. Mutable fields are guarded by the session's own lock
 * ({@link #lock()}, held for a few steps of this session's scheduling: a submit, its turn in a
 * dispatch pass, an outcome; never together with another session's lock; the ring's lock may be taken
 * inside it, never the other way round) unless they say otherwise.
 */
final class SessionQueue implements Session {

    /** Not in the ring and not waiting on a timer: no work, or its work is in flight. */
    static final byte IDLE = 0;
    /** In the dispatcher's round-robin ring. */
    static final byte RING = 1;
    /** Waiting on a timer (a limiter refusal or a final's retry backoff). */
    static final byte TIMER = 2;
    /** Taken from the ring by a dispatch pass, which puts it back where it belongs when its turn ends. */
    static final byte DISPATCHING = 3;

    final SchedulerRuntime runtime;
    final SessionId id;
    final SessionOptions options;
    final SessionListener listener;
    /** The span current when the session opened, which its segments' spans link to; invalid when none. */
    final SpanContext openedIn;

    Segment pendingPartial;
    /** The partial being translated; set until its call returns, even when it was cancelled. */
    Segment partialInFlight;
    /** A translated partial held until the finals submitted before it are delivered. */
    Segment heldPartial;
    /** Accepted finals not yet delivered or reported, in sequence order. */
    ArrayDeque<Segment> finals;
    int finalsInFlight;

    long lastSubmitted = -1;
    long lastDelivered = -1;

    long deficit;
    boolean turnStarted;
    /** Thousandths of batch requests this session was served minus those it paid; guarded by the {@link BatchPool}. */
    long batchDebt;
    /** Segments of this session sent in batch calls. */
    long batched;
    /**
     * The deduplication key of the segment the session would dispatch next, as its last readiness check
     * saw it (null: none, or no deduplication). Read without the session's lock by a dispatch pass that
     * finds every call slot taken, to tell whether the session at the ring's head could join a call in
     * flight.
     */
    volatile DedupKey nextKey;
    /**
     * Where the session is: {@link #IDLE}, {@link #RING}, {@link #TIMER} or {@link #DISPATCHING}.
     * Moved as {@link SessionRing#reschedule} describes; volatile, since some moves need no lock.
     */
    volatile byte where = IDLE;
    long blockedUntil;
    boolean blocked;
    /** A partial was refused: partials wait until then (finals do not). */
    long partialsBlockedUntil;
    /** Guarded by the ring's lock. */
    long timerAt;
    /** Guarded by the ring's lock. */
    int timerVersion;

    /** {@link #close()} was called (or the scheduler closed): no more submits. */
    boolean closed;
    /** Closed and drained: {@code onClosed} is queued and the session is forgotten. */
    boolean retired;

    long requestCount;
    long lastRequestAt;
    long delivered;
    long failed;
    long superseded;
    long droppedStale;
    /** Latencies of the last partials and finals delivered; made on the first of each. */
    RecentLatencies partialLatencies;
    RecentLatencies finalLatencies;

    /** Resolved segments whose outcome the listener is to hear, in order. */
    ArrayDeque<Segment> outbox;
    /** {@code onClosed} is to follow the outbox (the session retired). */
    boolean closeEventQueued;
    /**
     * Events queued ({@link #outbox} and the close event); written under the lock, read by a deliverer
     * that has let go without it. A deliverer clears {@link #delivering} and then reads this; a claimer
     * (under the lock) has written it and then reads {@code delivering}: one of them sees the other, so
     * no event is left behind.
     */
    volatile int pendingEvents;
    /** A thread is delivering this session's events; set under the lock, cleared without it. */
    volatile boolean delivering;

    private final HotLock sessionLock = new HotLock();

    SessionQueue(SchedulerRuntime runtime, SessionId id, SessionOptions options, SessionListener listener,
            SpanContext openedIn) {
        this.runtime = runtime;
        this.id = id;
        this.options = options;
        this.listener = listener;
        this.openedIn = openedIn;
    }

    // ---------------------------------------------------------------- the Session handle

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
        return runtime.submit(this, kind, sequence, text);
    }

    @Override
    public void close() {
        runtime.closeSession(this);
    }

    @Override
    public String toString() {
        return "Session[" + id + "]";
    }

    // ---------------------------------------------------------------- locking

    /** Takes the session's lock; see {@link HotLock#lockBriefly()}. */
    void lock() {
        sessionLock.lockBriefly();
    }

    void unlock() {
        sessionLock.unlock();
    }

    // ---------------------------------------------------------------- queues (lock held)

    ArrayDeque<Segment> finals() {
        if (finals == null) {
            finals = new ArrayDeque<>(4);
        }
        return finals;
    }

    /** Finals accepted and not yet delivered or reported. */
    int unresolvedFinals() {
        return finals == null ? 0 : finals.size();
    }

    boolean hasUnresolvedFinals() {
        return finals != null && !finals.isEmpty();
    }

    /** Whether a segment still waits for a dispatch (a pending partial, a queued or retrying final). */
    boolean hasQueuedWork() {
        if (pendingPartial != null) {
            return true;
        }
        if (finals != null) {
            for (Segment f : finals) {
                if (f.awaitsDispatch()) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The segment goes in flight with {@code call}. */
    void sent(Segment segment, Call call) {
        segment.call = call;
        segment.state = Segment.IN_FLIGHT;
        if (segment.isFinal()) {
            finalsInFlight++;
        } else {
            pendingPartial = null;
            partialInFlight = segment;
        }
    }

    /** The segment's call returned: it no longer holds the session's in-flight place. */
    void returned(Segment segment) {
        if (segment.isFinal()) {
            finalsInFlight--;
        } else if (partialInFlight == segment) {
            partialInFlight = null;
        }
        segment.call = null;
    }

    /**
     * When the session has a segment to dispatch ({@link SessionRing#NEVER}: nothing), and, in
     * {@link #nextKey}, that segment's deduplication key.
     */
    long readyAt(long now, int maxFinalsInFlight) {
        long at = SessionRing.NEVER;
        DedupKey next = null;
        if (finals != null && finalsInFlight < maxFinalsInFlight) {
            for (Segment f : finals) {
                if (f.state == Segment.QUEUED) {
                    at = now;
                    next = f.key;
                    break;
                }
                if (f.state == Segment.WAITING_RETRY) {
                    at = Math.max(now, f.readyAt);
                    next = f.readyAt <= now ? f.key : null;
                    break;
                }
            }
        }
        if (pendingPartial != null && partialInFlight == null) {
            // A refused partial holds back the session's partials only, never its finals.
            long partialAt = Math.max(now, partialsBlockedUntil);
            if (next == null && partialAt == now) {
                next = pendingPartial.key;
            }
            at = Math.min(at, partialAt);
        }
        nextKey = next;
        if (at == SessionRing.NEVER) {
            return SessionRing.NEVER;
        }
        if (blocked) {
            if (blockedUntil > now) {
                return Math.max(at, blockedUntil);
            }
            blocked = false;
        }
        return at;
    }

    // ---------------------------------------------------------------- the listener's outbox (lock held)

    /** Queues a resolved segment's outcome for the listener. */
    void queueOutcome(Segment segment) {
        if (outbox == null) {
            outbox = new ArrayDeque<>(2);
        }
        outbox.addLast(segment);
        pendingEvents++;
    }

    /** Queues {@code onClosed}, the session's last event. */
    void queueCloseEvent() {
        closeEventQueued = true;
        pendingEvents++;
    }

    /** Takes every queued event and marks the session delivering, if nobody is; else null. */
    SessionEvents claimEvents() {
        if (delivering || pendingEvents == 0) {
            return null;
        }
        Segment[] outcomes = outbox == null || outbox.isEmpty() ? SessionEvents.NONE
                : outbox.toArray(new Segment[outbox.size()]);
        if (outbox != null) {
            outbox.clear();
        }
        SessionEvents events = new SessionEvents(this, outcomes, closeEventQueued);
        closeEventQueued = false;
        pendingEvents = 0;
        delivering = true;
        return events;
    }

    // ---------------------------------------------------------------- status (lock held)

    /** The session's line of the status. */
    SessionStatus status(Instant wallNow, long now) {
        int pending = pendingPartial != null ? 1 : 0;
        int queuedFinals = 0;
        int inFlight = finalsInFlight;
        if (partialInFlight != null && partialInFlight.state == Segment.IN_FLIGHT) {
            inFlight++;
        }
        if (finals != null) {
            for (Segment f : finals) {
                if (f.awaitsDispatch()) {
                    queuedFinals++;
                }
            }
        }
        Optional<Instant> last = requestCount == 0 ? Optional.empty()
                : Optional.of(wallNow.minusNanos(Math.max(0, now - lastRequestAt)));
        return new SessionStatus(options.label(), options.weight(), requestCount, last, pending, queuedFinals,
                inFlight, delivered, failed, superseded, droppedStale, closed,
                partialLatencies == null ? Optional.empty() : partialLatencies.p95(),
                finalLatencies == null ? Optional.empty() : finalLatencies.p95());
    }

    /** A translation of this kind was delivered after this long (lock held). */
    void delivered(boolean isFinal, long latencyNanos) {
        if (isFinal) {
            if (finalLatencies == null) {
                finalLatencies = new RecentLatencies();
            }
            finalLatencies.record(latencyNanos);
        } else {
            if (partialLatencies == null) {
                partialLatencies = new RecentLatencies();
            }
            partialLatencies.record(latencyNanos);
        }
    }
}
