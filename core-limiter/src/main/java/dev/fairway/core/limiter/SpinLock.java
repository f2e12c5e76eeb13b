package dev.fairway.core.limiter;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A non-reentrant lock of one compare-and-set, for critical sections of a few dozen instructions that
 * never block, log or allocate. Unlike {@code synchronized} it never pins a virtual thread, and unlike
 * {@link java.util.concurrent.locks.ReentrantLock} it allocates no queue node under contention. A
 * waiter spins briefly, then yields its carrier or core between attempts, so a holder that was
 * descheduled gets to run.
 */
final class SpinLock {

    private static final VarHandle STATE;
    /** Waits of {@link #backOff} in a row before one yields. */
    static final int SPINS_BEFORE_YIELD = 64;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(SpinLock.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // accessed through STATE
    private volatile int state;

    void lock() {
        if (!STATE.compareAndSet(this, 0, 1)) {
            lockContended();
        }
    }

    private void lockContended() {
        int spins = 0;
        while (true) {
            if ((int) STATE.getOpaque(this) == 0 && STATE.compareAndSet(this, 0, 1)) {
                return;
            }
            spins = backOff(spins);
        }
    }

    /**
     * One wait of a spinning lock-taker: a spin hint, and every {@link #SPINS_BEFORE_YIELD} waits a
     * yield of the carrier or core instead, so that a holder that was descheduled gets to run.
     *
     * @param spins the waits so far since the last yield
     * @return the count to pass next time
     */
    static int backOff(int spins) {
        if (spins + 1 < SPINS_BEFORE_YIELD) {
            Thread.onSpinWait();
            return spins + 1;
        }
        Thread.yield();
        return 0;
    }

    void unlock() {
        STATE.setRelease(this, 0);
    }
}
