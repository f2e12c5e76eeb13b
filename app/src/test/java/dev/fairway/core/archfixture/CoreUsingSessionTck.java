package dev.fairway.core.archfixture;

import dev.fairway.session.tck.SessionStoreContract;

/** Architecture fixture: main code of a "core" that uses the session store contract kit. */
public final class CoreUsingSessionTck {

    private CoreUsingSessionTck() {
    }

    /**
     * @return the kit's class name
     */
    public static String kit() {
        return SessionStoreContract.class.getName();
    }
}
