package dev.fairway.api.limit;

import java.util.Map;

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

    /** Releases the store's resources; the default holds none. Never throws for a store already closed. */
    @Override
    default void close() {
    }
}
