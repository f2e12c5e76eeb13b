package dev.fairway.core.limiter;

/**
 * A hashed timing wheel of sessions, one slot per coarse tick, linked through fields of
 * {@link SessionState} so that scheduling allocates nothing. Each session is in the wheel at most
 * once; advancing the wheel visits only the slots of the elapsed ticks, so expiry costs O(1)
 * amortized per session and never a scan of all sessions per acquire. Not thread-safe: the limiter
 * guards it with its lock.
 */
final class ExpiryWheel {

    /** Receives the sessions whose time has come. */
    interface Sink {
        void due(SessionState session);
    }

    private static final int SIZE = 128;
    private static final int MASK = SIZE - 1;

    private final SessionState[] slots = new SessionState[SIZE];
    private final Sink sink;
    private long tick;

    ExpiryWheel(long tick, Sink sink) {
        this.tick = tick;
        this.sink = sink;
    }

    /** Schedules (or reschedules) a session for the given tick, or the next one if that has passed. */
    void schedule(SessionState s, long dueTick) {
        if (s.inWheel) {
            unlink(s);
        }
        insert(s, Math.max(dueTick, tick + 1));
    }

    void unlink(SessionState s) {
        if (!s.inWheel) {
            return;
        }
        if (s.wheelPrev != null) {
            s.wheelPrev.wheelNext = s.wheelNext;
        } else {
            slots[(int) (s.wheelDue & MASK)] = s.wheelNext;
        }
        if (s.wheelNext != null) {
            s.wheelNext.wheelPrev = s.wheelPrev;
        }
        s.wheelPrev = null;
        s.wheelNext = null;
        s.inWheel = false;
    }

    /**
     * Moves to {@code newTick}, handing every session due by then to the sink (which may schedule
     * it again). Visits at most one revolution of slots.
     */
    void advanceTo(long newTick) {
        if (newTick <= tick) {
            return;
        }
        long from = tick + 1;
        long count = Math.min(newTick - tick, SIZE);
        tick = newTick;
        for (long t = from; t < from + count; t++) {
            int i = (int) (t & MASK);
            SessionState node = slots[i];
            slots[i] = null;
            while (node != null) {
                SessionState next = node.wheelNext;
                node.wheelPrev = null;
                node.wheelNext = null;
                node.inWheel = false;
                if (node.wheelDue <= newTick) {
                    sink.due(node);
                } else {
                    insert(node, node.wheelDue);
                }
                node = next;
            }
        }
    }

    private void insert(SessionState s, long dueTick) {
        int i = (int) (dueTick & MASK);
        s.wheelDue = dueTick;
        s.wheelPrev = null;
        s.wheelNext = slots[i];
        if (slots[i] != null) {
            slots[i].wheelPrev = s;
        }
        slots[i] = s;
        s.inWheel = true;
    }
}
