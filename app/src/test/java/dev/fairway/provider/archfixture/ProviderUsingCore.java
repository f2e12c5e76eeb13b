package dev.fairway.provider.archfixture;

import dev.fairway.core.archfixture.CoreUsingApp;

/** Architecture fixture: a "provider" that depends on a core module instead of the API only. */
public final class ProviderUsingCore {

    private ProviderUsingCore() {
    }

    /**
     * @return a core class's name
     */
    public static String core() {
        return CoreUsingApp.class.getName();
    }
}
