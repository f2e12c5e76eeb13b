package dev.fairway.transport.archfixture;

import dev.fairway.provider.support.archfixture.ProviderSupportUsingProvider;

/** Architecture fixture: a "transport" that depends on provider-support, which is for providers only. */
public final class TransportUsingProviderSupport {

    private TransportUsingProviderSupport() {
    }

    /**
     * @return a provider-support class's name
     */
    public static String support() {
        return ProviderSupportUsingProvider.class.getName();
    }
}
