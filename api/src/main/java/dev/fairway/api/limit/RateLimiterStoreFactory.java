package dev.fairway.api.limit;

/**
 * Where a {@link RateLimiter} keeps its windows, as a plugin found with {@link java.util.ServiceLoader}
 * by its {@link #name()}: the application picks one with {@code fairway.limiter.store} ({@code memory}
 * for one node, {@code redis} for several). A store module declares
 * {@code provides dev.fairway.api.limit.RateLimiterStoreFactory with ...} in its module-info and lists the
 * class in {@code META-INF/services/dev.fairway.api.limit.RateLimiterStoreFactory}.
 */
public interface RateLimiterStoreFactory {

    /**
     * The store's name, the value of {@code fairway.limiter.store} that selects it.
     *
     * @return a lower-case name such as {@code memory} or {@code redis}
     */
    String name();

    /**
     * Builds the store's limiter from the configuration.
     *
     * @param context the configuration, clock and telemetry
     * @return the store, which the application closes when it stops
     * @throws IllegalArgumentException when the configured values do not go together
     * @throws dev.fairway.api.InvalidConfigurationException when one value is refused
     */
    RateLimiterStore create(RateLimiterStoreContext context);
}
