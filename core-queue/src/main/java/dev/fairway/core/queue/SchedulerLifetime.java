package dev.fairway.core.queue;

import dev.fairway.api.SessionId;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The sessions the scheduler knows, whether it is shut down, and what is still alive in it (segments
 * not ended, listener events not heard, calls in flight), which together say when it has terminated.
 * Its lock is taken to open a session, to shut down and to signal termination, never on a segment's
 * way while the scheduler runs.
 */
final class SchedulerLifetime {

    final ConcurrentHashMap<SessionId, SessionQueue> sessions = new ConcurrentHashMap<>();

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition terminated = lock.newCondition();
    private final SessionRing ring;
    private final InFlightCalls calls;

    /** Written under lock; read without it. */
    private volatile boolean shutdown;
    /** Sessions open (not closed). Guarded by lock. */
    private int openSessions;
    /** Accepted segments not yet ended (delivered, reported, superseded, dropped or cancelled). */
    private final AtomicLong liveSegments = new AtomicLong();
    /**
     * Listener events queued and spans to end, not yet handed over. Termination waits for them too, so
     * that {@code awaitTermination} returning means every outcome has reached its session.
     */
    private final AtomicLong undelivered = new AtomicLong();

    SchedulerLifetime(SessionRing ring, InFlightCalls calls) {
        this.ring = ring;
        this.calls = calls;
    }

    boolean isShutdown() {
        return shutdown;
    }

    /** Registers a new session; throws when the id is taken or the scheduler is shut down. */
    void open(SessionQueue s) {
        lock.lock();
        try {
            if (shutdown) {
                throw new IllegalStateException("the scheduler is shut down: cannot open session " + s.id);
            }
            SessionQueue old = sessions.get(s.id);
            if (old != null) {
                throw new IllegalStateException(old.closed
                        ? "session " + s.id + " is closed but still finishing its finals: use another id"
                        : "session " + s.id + " is already open");
            }
            sessions.put(s.id, s);
            openSessions++;
        } finally {
            lock.unlock();
        }
    }

    /** {@code count} sessions were closed (no more submits). */
    void closed(int count) {
        lock.lock();
        try {
            openSessions -= count;
            checkTerminated();
        } finally {
            lock.unlock();
        }
    }

    int openSessions() {
        lock.lock();
        try {
            return openSessions;
        } finally {
            lock.unlock();
        }
    }

    /** Refuses new sessions and submits from now on. */
    void shutdown() {
        lock.lock();
        try {
            shutdown = true;
            checkTerminated();
        } finally {
            lock.unlock();
        }
        ring.wakeAll();
    }

    void segmentAccepted() {
        liveSegments.incrementAndGet();
    }

    void segmentEnded() {
        if (liveSegments.decrementAndGet() == 0 && shutdown) {
            checkTerminatedLocked();
        }
    }

    void queued(int count) {
        undelivered.addAndGet(count);
    }

    /** Called by a deliverer, without a lock, after handing over {@code count} events or spans. */
    void delivered(int count) {
        if (undelivered.addAndGet(-count) == 0 && shutdown) {
            checkTerminatedLocked();
        }
    }

    /** Whether the dispatcher thread should stop: closed, or shut down with nothing left to dispatch. */
    boolean dispatcherDone() {
        return ring.isClosed() || (shutdown && liveSegments.get() == 0);
    }

    boolean isTerminated() {
        return shutdown && liveSegments.get() == 0 && calls.slotsTaken() == 0 && undelivered.get() == 0;
    }

    /** Waits until terminated; returns false when {@code nanos} passed first. */
    boolean awaitTermination(long nanos) throws InterruptedException {
        lock.lock();
        try {
            while (!isTerminated()) {
                if (nanos <= 0) {
                    return false;
                }
                nanos = terminated.awaitNanos(nanos);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Signals termination if the last call just returned while shut down. */
    void callReturned() {
        if (shutdown) {
            checkTerminatedLocked();
        }
    }

    private void checkTerminatedLocked() {
        lock.lock();
        try {
            checkTerminated();
        } finally {
            lock.unlock();
        }
    }

    /** Lock held. */
    private void checkTerminated() {
        if (shutdown && liveSegments.get() == 0) {
            ring.wakeAll();
            if (isTerminated()) {
                terminated.signalAll();
            }
        }
    }
}
