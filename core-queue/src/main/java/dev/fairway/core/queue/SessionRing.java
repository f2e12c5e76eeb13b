package dev.fairway.core.queue;

import dev.fairway.api.NanoClock;

import java.util.Collection;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.Condition;
import java.util.function.BooleanSupplier;

/**
 * Where sessions with work wait for their turn: the lock-free ring visited in round-robin order, in
 * front of it the sessions whose turn a pass had to stop, and timers for sessions that wait (a rate
 * limiter refusal, a final's retry backoff). Also the pacing of {@code minRequestInterval} and the
 * dispatcher thread's wait for the next deadline.
 *
 * <p>A session is in the ring (or the front) at most once: only a move of
 * {@link SessionQueue#where} to {@link SessionQueue#RING} adds it (by its session's lock holder, or by a
 * timer under {@link #lock}), and only a pass that takes it out moves it on. {@link #lock} guards the
 * timers, the pacing and the dispatcher's wake-up, each time for a few steps; the ring itself needs no
 * lock.
 */
final class SessionRing {

    static final long NEVER = Long.MAX_VALUE;

    private final HotLock lock = new HotLock();
    /** Signalled when the dispatcher thread may have something to do. */
    private final Condition wake = lock.newCondition();
    private final int maxFinalsInFlight;
    private final long minRequestIntervalNanos;

    /** The sessions with work, in round-robin order. */
    private final ConcurrentLinkedQueue<SessionQueue> ring = new ConcurrentLinkedQueue<>();
    /** Sessions whose turn a pass had to stop (no call slot, pacing, a concurrency refusal); usually empty. */
    private final ConcurrentLinkedQueue<SessionQueue> front = new ConcurrentLinkedQueue<>();

    // Guarded by lock.
    private final PriorityQueue<Timer> timers = new PriorityQueue<>();
    private long timerSeq;
    private boolean dispatcherWaiting;
    /** Until when the waiting dispatcher sleeps; a pass that finds an earlier deadline wakes it. */
    private long dispatcherDeadline = NEVER;
    /**
     * When the dispatcher must run a pass at the latest, besides the timers: a concurrency-limiter
     * recheck, pacing, a failed pass. Only lowered, by passes; the dispatcher (or a test's pump) takes
     * it back to {@link #NEVER} when it runs the pass it was for. A pass must never reset it: passes
     * run in parallel, and one that reset it could erase another's recheck and leave a session waiting
     * with no one to wake it.
     */
    private long nextWakeAt = NEVER;
    private long nextDispatchAt = Long.MIN_VALUE;

    /** The earliest timer's time, or NEVER; written under lock, read without it to skip an idle look. */
    private volatile long firstTimerAt = NEVER;
    /** The scheduler closed: no session enters any more. Written under lock. */
    private volatile boolean closed;

    /** A session waiting until {@code at}; stale when the session's timer version moved on. */
    private record Timer(long at, long seq, SessionQueue session, int version) implements Comparable<Timer> {
        @Override
        public int compareTo(Timer o) {
            int c = Long.compare(at, o.at);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    SessionRing(Settings settings) {
        this.maxFinalsInFlight = settings.maxFinalsInFlightPerSession();
        this.minRequestIntervalNanos = settings.minRequestIntervalNanos();
    }

    boolean isClosed() {
        return closed;
    }

    // ---------------------------------------------------------------- a pass's view

    /** Takes the next session to run a turn for: the stopped ones first, then the ring's head. */
    SessionQueue poll() {
        SessionQueue s = front.poll();
        return s != null ? s : ring.poll();
    }

    /** The session {@link #poll()} would take, left in place. */
    SessionQueue peek() {
        SessionQueue s = front.peek();
        return s != null ? s : ring.peek();
    }

    boolean isEmpty() {
        return front.isEmpty() && ring.isEmpty();
    }

    /** Moves the sessions whose timer is due into the ring; their readiness is checked again in their turn. */
    void promoteDueTimers(long now) {
        if (now < firstTimerAt) {
            return;
        }
        lock.lockBriefly();
        try {
            Timer t;
            while ((t = timers.peek()) != null && t.at <= now) {
                timers.poll();
                SessionQueue s = t.session;
                if (s.where != SessionQueue.TIMER || s.timerVersion != t.version || closed) {
                    continue;
                }
                s.timerVersion++;
                s.where = SessionQueue.RING;
                ring.offer(s);
            }
            firstTimerAt = earliestTimer();
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- moving a session (its lock held)

    /**
     * Puts an idle or waiting session where its readiness says: the ring, a timer, or nowhere. A session
     * in the ring or in a pass stays (the pass places it when its turn ends).
     *
     * <p>Only this session's lock holder moves it out of {@link SessionQueue#IDLE}, and out of
     * {@link SessionQueue#TIMER} other than into the ring (a timer does that, under {@link #lock}), so
     * an idle session needs no other lock, a waiting one {@link #lock}.
     *
     * @return whether the session entered the ring now
     */
    boolean reschedule(SessionQueue s, long now) {
        if (s.retired) {
            return false;
        }
        long at = s.readyAt(now, maxFinalsInFlight);
        byte where = s.where;
        if (where == SessionQueue.RING || where == SessionQueue.DISPATCHING) {
            return false;
        }
        if (where == SessionQueue.IDLE) {
            if (at == NEVER || closed) {
                return false;
            }
            if (at <= now) {
                enter(s);
                return true;
            }
        }
        lock.lockBriefly();
        try {
            if (s.where != SessionQueue.IDLE && s.where != SessionQueue.TIMER || closed) {
                // A timer put it in the ring meanwhile (or the scheduler closed).
                return false;
            }
            if (at == NEVER) {
                s.timerVersion++;
                s.where = SessionQueue.IDLE;
                return false;
            }
            if (at <= now) {
                s.timerVersion++;
                enter(s);
                return true;
            }
            if (s.where == SessionQueue.TIMER && s.timerAt == at) {
                return false;
            }
            s.timerVersion++;
            s.where = SessionQueue.TIMER;
            s.timerAt = at;
            timers.add(new Timer(at, timerSeq++, s, s.timerVersion));
            firstTimerAt = Math.min(firstTimerAt, at);
            signalDispatcher();
            return false;
        } finally {
            lock.unlock();
        }
    }

    private void enter(SessionQueue s) {
        s.where = SessionQueue.RING;
        ring.offer(s);
    }

    /** At the end of its turn: the session goes where its readiness says. */
    void place(SessionQueue s, long now) {
        s.where = SessionQueue.IDLE;
        reschedule(s, now);
    }

    /** At the end of its turn with work left but no deficit: to the ring's tail. */
    void toTail(SessionQueue s) {
        requeue(s, ring);
    }

    /**
     * The pass stops with the session's turn unfinished: it goes in front of the ring (its turn goes on
     * in the next pass), and the dispatcher looks again at {@code recheckAt} ({@link #NEVER}: a
     * completion will).
     */
    void stopTurn(SessionQueue s, long recheckAt) {
        if (requeue(s, front) && recheckAt != NEVER) {
            wakeBy(recheckAt);
        }
    }

    /** A session whose turn ended with work left goes into {@code queue}, unless the scheduler closed. */
    private boolean requeue(SessionQueue s, ConcurrentLinkedQueue<SessionQueue> queue) {
        if (closed) {
            s.where = SessionQueue.IDLE;
            return false;
        }
        s.where = SessionQueue.RING;
        queue.offer(s);
        return true;
    }

    /** A retired session's timer, if any, is void. */
    void forget(SessionQueue s) {
        lock.lockBriefly();
        try {
            s.timerVersion++;
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- pacing and deadlines

    /** Whether {@code minRequestInterval} allows a dispatch now. */
    boolean paced(long now) {
        lock.lockBriefly();
        try {
            return now >= nextDispatchAt;
        } finally {
            lock.unlock();
        }
    }

    /** When the next dispatch may be, pacing on. */
    long nextDispatchAt() {
        lock.lockBriefly();
        try {
            return nextDispatchAt;
        } finally {
            lock.unlock();
        }
    }

    /** A call was dispatched at {@code now}: the next waits {@code minRequestInterval}. */
    void dispatchedAt(long now) {
        lock.lockBriefly();
        try {
            nextDispatchAt = now + minRequestIntervalNanos;
        } finally {
            lock.unlock();
        }
    }

    /** The dispatcher runs a pass by {@code at} at the latest. */
    void wakeBy(long at) {
        lock.lockBriefly();
        try {
            nextWakeAt = Math.min(nextWakeAt, at);
            signalDispatcher();
        } finally {
            lock.unlock();
        }
    }

    /** Wakes the dispatcher thread whatever its deadline (the scheduler shuts down or closed). */
    void wakeAll() {
        lock.lock();
        try {
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * For the dispatcher (or a test's pump) about to run a pass: takes back the wake-up asked for by
     * {@code now}, since the pass is what it asked for.
     */
    void takeWake(long now) {
        lock.lock();
        try {
            if (nextWakeAt <= now) {
                nextWakeAt = NEVER;
            }
        } finally {
            lock.unlock();
        }
    }

    /** When a pass must run next: the earliest timer or asked wake-up, or {@link #NEVER}. */
    long nextDeadline() {
        lock.lock();
        try {
            return Math.min(nextWakeAt, earliestTimer());
        } finally {
            lock.unlock();
        }
    }

    /**
     * The dispatcher thread's wait: until the next deadline, or a signal that one came earlier.
     *
     * @param done checked under the lock before waiting: whether the dispatcher is to stop
     * @return false when {@code done} said so
     */
    boolean awaitNextDeadline(NanoClock clock, BooleanSupplier done) throws InterruptedException {
        lock.lock();
        try {
            if (done.getAsBoolean()) {
                return false;
            }
            long at = Math.min(nextWakeAt, earliestTimer());
            long waitFrom = clock.nanoTime();
            if (at > waitFrom) {
                dispatcherWaiting = true;
                dispatcherDeadline = at;
                try {
                    if (at == NEVER) {
                        wake.await();
                    } else {
                        wake.awaitNanos(at - waitFrom);
                    }
                } finally {
                    dispatcherWaiting = false;
                    dispatcherDeadline = NEVER;
                }
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Lock held. */
    private long earliestTimer() {
        Timer t;
        while ((t = timers.peek()) != null
                && (t.session.where != SessionQueue.TIMER || t.session.timerVersion != t.version)) {
            timers.poll();
        }
        return t == null ? NEVER : t.at;
    }

    /** Wakes the dispatcher if something must happen before it would wake by itself. Lock held. */
    private void signalDispatcher() {
        if (dispatcherWaiting && Math.min(nextWakeAt, firstTimerAt) < dispatcherDeadline) {
            wake.signal();
        }
    }

    // ---------------------------------------------------------------- close

    /**
     * Empties the ring and the timers for good, and wakes the dispatcher.
     *
     * @return false when it was closed already
     */
    boolean close(Collection<SessionQueue> sessions) {
        lock.lock();
        try {
            if (closed) {
                return false;
            }
            closed = true;
            SessionQueue r;
            while ((r = poll()) != null) {
                r.where = SessionQueue.IDLE;
            }
            timers.clear();
            firstTimerAt = NEVER;
            for (SessionQueue s : sessions) {
                s.timerVersion++;
                if (s.where == SessionQueue.TIMER) {
                    s.where = SessionQueue.IDLE;
                }
            }
            wake.signalAll();
            return true;
        } finally {
            lock.unlock();
        }
    }
}
