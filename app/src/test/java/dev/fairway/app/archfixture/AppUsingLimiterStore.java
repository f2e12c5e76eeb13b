package dev.fairway.app.archfixture;

import dev.fairway.limiter.archfixture.LimiterUsingQueue;

/** A deliberately bad fixture: the app naming a limiter store's class instead of finding it by name. */
public final class AppUsingLimiterStore {

    private AppUsingLimiterStore() {
    }

    /**
     * Reaches a store's class directly.
     *
     * @return the store's class
     */
    public static Class<?> store() {
        return LimiterUsingQueue.class;
    }
}
