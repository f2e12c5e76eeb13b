package dev.fairway.api.limit;

import java.util.Map;
import java.util.Optional;

/**
 * A {@link RateLimiter} built by a {@link RateLimiterStoreFactory}, with what its store adds to the
 * limiter section of the status page. Closing it releases what the store holds (a connection, a lease).
 */
public interface RateLimiterStore extends AutoCloseable {

    /**
     * The limiter.
     *
     * @return the limiter, the same on every call
     */
    RateLimiter limiter();

    /**
     * The store's own lines of the status page's limiter section: at least {@code store} (its name) and
     * {@code degraded} (whether it serves from a local fallback). Values are strings, numbers and
     * booleans; the limiter's {@link RateLimiterStats} are added beside them by the caller.
     *
     * @return a fresh map in display order
     */
    Map<String, Object> status();

    /**
     * Whether the store serves as it should, for the node's readiness: a shared store that cannot reach its
     * server (and serves from a local fallback) says why. Called for every readiness probe: answer from the
     * store's own state, never with a network call. The default: always ready.
     *
     * @return empty when ready, or why not: a sentence without secrets
     */
    default Optional<String> notReadyReason() {
        return Optional.empty();
    }

    /** Releases the store's resources; the default holds none. Never throws for a store already closed. */
    @Override
    default void close() {
    }
}
