package dev.fairway.provider.tck;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Holds provider calls for the rules that need a call in progress ({@link ProviderScript#hang()},
 * {@link ProviderScript#awaitHeld}, {@link ProviderScript#release()}): a script's {@code hang()} calls
 * {@link #hold()}, the provider's call (or the server answering it) calls {@link #arrive()} where it
 * would answer, and the script delegates {@code awaitHeld} and {@code release} here. Thread-safe.
 */
public final class HoldGate {

    /** The calls held by one {@link #hold()}, and the latch that lets them go. */
    private static final class Round {
        final CountDownLatch released = new CountDownLatch(1);
        final Semaphore arrivals = new Semaphore(0);
    }

    private volatile Round round;

    /** Creates a gate that holds nothing until {@link #hold()}. */
    public HoldGate() {
    }

    /** Holds the calls that arrive from now on, until {@link #release()}; lets go any held before. */
    public void hold() {
        Round previous = round;
        round = new Round();
        if (previous != null) {
            previous.released.countDown();
        }
    }

    /**
     * Whether calls are being held.
     *
     * @return true between {@link #hold()} and {@link #release()}
     */
    public boolean isHolding() {
        return round != null;
    }

    /**
     * Where a call would answer: while holding, counts the call as held and waits until released;
     * otherwise returns at once.
     *
     * @throws InterruptedException when the call's thread is interrupted while held
     */
    public void arrive() throws InterruptedException {
        Round r = round;
        if (r != null) {
            r.arrivals.release();
            r.released.await();
        }
    }

    /**
     * Waits until at least {@code count} calls are held since the last {@link #hold()}.
     *
     * @param count how many, >= 1
     * @param timeout the longest wait
     * @return whether that many arrived in time; false when nothing is being held
     * @throws InterruptedException when the waiting thread is interrupted
     */
    public boolean awaitHeld(int count, Duration timeout) throws InterruptedException {
        if (count < 1) {
            throw new IllegalArgumentException("count must be >= 1, was " + count);
        }
        Round r = round;
        if (r == null) {
            return false;
        }
        if (!r.arrivals.tryAcquire(count, timeout.toNanos(), TimeUnit.NANOSECONDS)) {
            return false;
        }
        r.arrivals.release(count);
        return true;
    }

    /** Lets the held calls go on and stops holding. */
    public void release() {
        Round r = round;
        round = null;
        if (r != null) {
            r.released.countDown();
        }
    }
}
