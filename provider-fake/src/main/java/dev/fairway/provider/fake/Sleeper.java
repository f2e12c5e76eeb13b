package dev.fairway.provider.fake;

/**
 * How the fake provider spends its simulated latency. The default, {@link #SYSTEM}, really sleeps;
 * tests pass the {@code sleep} of a hand-driven clock (test-support's {@code ManualClock::sleep}), which
 * advances it at once, so simulated time passes without wall time passing.
 *
 * <p>Implementations must be thread-safe and must not hold a monitor while they wait, so that
 * virtual threads are not pinned.
 */
@FunctionalInterface
public interface Sleeper {

    /**
     * Sleeps on the calling thread with {@link Thread#sleep(long, int)}, which answers an interrupt
     * at once and, on a virtual thread, unmounts instead of blocking a carrier thread.
     */
    Sleeper SYSTEM = nanos -> {
        if (nanos > 0) {
            Thread.sleep(nanos / 1_000_000L, (int) (nanos % 1_000_000L));
        }
    };

    /**
     * Lets {@code nanos} nanoseconds pass.
     *
     * @param nanos how long, >= 0; zero returns at once
     * @throws InterruptedException when the calling thread is interrupted while waiting
     */
    void sleep(long nanos) throws InterruptedException;
}
