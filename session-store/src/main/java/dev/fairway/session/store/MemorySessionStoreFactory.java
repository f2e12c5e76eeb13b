package dev.fairway.session.store;

import dev.fairway.api.session.SessionStore;
import dev.fairway.api.session.SessionStoreContext;
import dev.fairway.api.session.SessionStoreFactory;

/**
 * The {@code memory} session store: journals in the process's heap, so sessions resume across a dropped
 * connection but not across a restart, and a node knows only its own sessions. It has no keys. Nothing
 * bounds it but {@link SessionStore#trim}, {@link SessionStore#end} and {@link SessionStore#prune}: the
 * application must call them. The durability policy does not apply: every write is in the journal before
 * its stage completes.
 */
public final class MemorySessionStoreFactory implements SessionStoreFactory {

    /** The value of {@code fairway.session.store} that selects this store. */
    public static final String NAME = "memory";

    /** Creates the factory; {@link java.util.ServiceLoader} calls it. */
    public MemorySessionStoreFactory() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public SessionStore create(SessionStoreContext context) {
        return new MemorySessionStore();
    }
}
