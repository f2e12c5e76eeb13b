package dev.fairway.core.queue;

import java.util.concurrent.locks.ReentrantLock;

/**
 * A lock held for a few steps at a time (a session's, the ring's). {@link #lockBriefly()} tries a few
 * times with {@link Thread#onSpinWait()} first, because parking a virtual thread (unmount, then
 * resubmit to its scheduler) costs more than such a wait; then it parks, so a holder that waits for
 * another lock never has its carrier taken by a spinner.
 */
final class HotLock extends ReentrantLock {

    private static final long serialVersionUID = 1L;

    /** Tries before parking (about a microsecond). */
    static final int SPINS = 50;

    void lockBriefly() {
        if (tryLock()) {
            return;
        }
        for (int i = 0; i < SPINS; i++) {
            Thread.onSpinWait();
            if (tryLock()) {
                return;
            }
        }
        lock();
    }
}
