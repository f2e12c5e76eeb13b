package dev.fairway.api.archfixture;

import dev.fairway.provider.archfixture.ProviderUsingCore;

/** Architecture fixture: an "API" class that knows an implementation. */
public final class ApiUsingProvider {

    private ApiUsingProvider() {
    }

    /**
     * @return a provider class's name
     */
    public static String provider() {
        return ProviderUsingCore.class.getName();
    }
}
