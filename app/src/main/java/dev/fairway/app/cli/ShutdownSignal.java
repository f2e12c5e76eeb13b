package dev.fairway.app.cli;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Tells a long-running command when to stop (SIGTERM, Ctrl-C) and lets the process end only once
 * the command has stopped cleanly.
 */
public interface ShutdownSignal {

    /**
     * Blocks until a stop is requested.
     *
     * @param grace how long the command will take to stop; the process waits that long (and a little
     *     more) for {@link #stopped()} before it ends anyway
     * @throws InterruptedException when interrupted while waiting
     */
    void awaitStopRequest(Duration grace) throws InterruptedException;

    /** Says that the command has stopped and released everything. */
    void stopped();

    /**
     * The JVM's shutdown: a shutdown hook, registered on the first wait, requests the stop and then
     * holds the JVM until {@link #stopped()}.
     *
     * @return the signal
     */
    static ShutdownSignal jvm() {
        return new ShutdownSignal() {
            private final CountDownLatch requested = new CountDownLatch(1);
            private final CountDownLatch stopped = new CountDownLatch(1);

            @Override
            public void awaitStopRequest(Duration grace) throws InterruptedException {
                Duration limit = grace.plusSeconds(30);
                Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("fairway-shutdown").unstarted(() -> {
                    requested.countDown();
                    try {
                        stopped.await(limit.toMillis(), TimeUnit.MILLISECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
                requested.await();
            }

            @Override
            public void stopped() {
                stopped.countDown();
            }
        };
    }
}
