package dev.fairway.api.session;

/**
 * Creates a {@link SessionStore}; found with {@link java.util.ServiceLoader} and chosen by its name
 * ({@code fairway.session.store}).
 */
public interface SessionStoreFactory {

    /**
     * The name that selects this store ({@code memory}, {@code sqlite}, {@code redis}, ...).
     *
     * @return a lowercase name
     */
    String name();

    /**
     * Opens the store.
     *
     * @param context the store's keys, data directory, clock and telemetry
     * @return the open store; closed by the application
     * @throws dev.fairway.api.InvalidConfigurationException when a key is wrong (one line naming it)
     */
    SessionStore create(SessionStoreContext context);
}
