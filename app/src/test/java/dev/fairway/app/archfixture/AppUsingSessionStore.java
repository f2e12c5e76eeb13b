package dev.fairway.app.archfixture;

import dev.fairway.session.archfixture.SessionStoreUsingQueue;

/** A deliberately bad fixture: the app naming a session store's class instead of finding it by name. */
public final class AppUsingSessionStore {

    private AppUsingSessionStore() {
    }

    /**
     * Reaches a store's class directly.
     *
     * @return the store's class
     */
    public static Class<?> store() {
        return SessionStoreUsingQueue.class;
    }
}
