package dev.fairway.provider.support.archfixture;

import dev.fairway.provider.archfixture.ProviderUsingCore;

/** Architecture fixture: "provider-support" that depends on a provider. */
public final class ProviderSupportUsingProvider {

    private ProviderSupportUsingProvider() {
    }

    /**
     * @return a provider class's name
     */
    public static String provider() {
        return ProviderUsingCore.class.getName();
    }
}
