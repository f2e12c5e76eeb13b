package dev.fairway.session.archfixture;

import com.fasterxml.jackson.databind.ObjectMapper;

/** A deliberately bad fixture: a session store using a library that is not its driver. */
public final class SessionStoreUsingJackson {

    private SessionStoreUsingJackson() {
    }

    /**
     * Builds a JSON mapper, which no session store needs.
     *
     * @return a mapper
     */
    public static Object forbidden() {
        return new ObjectMapper();
    }
}
