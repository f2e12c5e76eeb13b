package dev.fairway.core.queue;

import java.util.ArrayList;

/**
 * What one operation (a submit, a dispatch pass, a call's completion, a close) leaves to do once it
 * holds no lock: the spans of the segments it ended, then the listener events it claimed. Made by the
 * thread that runs the operation and handed to {@link SegmentLifecycle#deliver} by that thread.
 *
 * <p>Spans end outside every lock because an SDK's span and metric processors have locks and queues
 * of their own; with no-op telemetry they end in place and never come here.
 */
final class Deliveries {

    /** The usual case, one session's events, without a list. */
    private SessionEvents first;
    private ArrayList<SessionEvents> more;
    private ArrayList<Segment> spansToEnd;

    /** Adds a session's claimed events (null: nothing was claimed). */
    void add(SessionEvents events) {
        if (events == null) {
            return;
        }
        if (first == null) {
            first = events;
            return;
        }
        if (more == null) {
            more = new ArrayList<>(2);
        }
        more.add(events);
    }

    /** A segment that ended; its span and the latency metric are recorded at delivery. */
    void endSpan(Segment segment) {
        if (spansToEnd == null) {
            spansToEnd = new ArrayList<>(2);
        }
        spansToEnd.add(segment);
    }

    boolean isEmpty() {
        return first == null && (spansToEnd == null || spansToEnd.isEmpty());
    }

    SessionEvents first() {
        return first;
    }

    /** The events after {@link #first()}, or null. */
    ArrayList<SessionEvents> more() {
        return more;
    }

    /** Segments whose spans are to end, or null. */
    ArrayList<Segment> spansToEnd() {
        return spansToEnd;
    }

    /** Empties it for the next operation of the same thread. */
    void clear() {
        first = null;
        if (more != null) {
            more.clear();
        }
        if (spansToEnd != null) {
            spansToEnd.clear();
        }
    }
}
