package dev.fairway.api;

import java.time.Duration;

/**
 * The scheduler facade a transport uses: open sessions, submit segments, receive results and
 * failures in order through a {@link SessionListener}, close. Implementations share the provider's
 * rate limits fairly between sessions and never lose an accepted final.
 */
public interface TranslationScheduler extends AutoCloseable {

    /**
     * Opens a session with a fresh random id.
     *
     * @param options languages, weight and label
     * @param listener receives the session's outcomes
     * @return the open session
     */
    default Session open(SessionOptions options, SessionListener listener) {
        return open(SessionId.random(), options, listener);
    }

    /**
     * Opens a session with the given id.
     *
     * @param id the id, not already open
     * @param options languages, weight and label
     * @param listener receives the session's outcomes
     * @return the open session
     * @throws IllegalStateException when a session with this id is open, or the scheduler is shut down
     */
    Session open(SessionId id, SessionOptions options, SessionListener listener);

    /** Stops accepting sessions and segments; work already accepted goes on. */
    void shutdown();

    /**
     * Waits until accepted work has finished after {@link #shutdown()}.
     *
     * @param timeout how long to wait at most
     * @return whether all work finished in time
     * @throws InterruptedException when interrupted while waiting
     */
    boolean awaitTermination(Duration timeout) throws InterruptedException;

    /** Shuts down, cancels what is left, and reports unfinished finals as failed. */
    @Override
    void close();
}
