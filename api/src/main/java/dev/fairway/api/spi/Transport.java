package dev.fairway.api.spi;

import java.net.URI;
import java.time.Duration;

/**
 * A way for clients to reach the scheduler, such as a WebSocket server. Lifecycle: {@link #start()},
 * then {@link #shutdown(Duration)} (stop accepting, tell clients, let accepted finals finish), then
 * {@link #close()}.
 */
public interface Transport extends AutoCloseable {

    /**
     * Starts listening.
     *
     * @throws dev.fairway.api.FairwayException when it cannot (for example the port is taken)
     */
    void start();

    /**
     * Where clients reach it once started.
     *
     * @return for example {@code ws://127.0.0.1:8080/v1/session}
     */
    URI address();

    /**
     * Stops accepting connections, tells connected clients, and waits up to {@code grace} for
     * accepted finals to be delivered.
     *
     * @param grace the longest wait
     * @throws InterruptedException when interrupted while waiting
     */
    void shutdown(Duration grace) throws InterruptedException;

    /** Stops at once, releasing the port. Idempotent. */
    @Override
    void close();
}
