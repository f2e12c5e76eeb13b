package dev.fairway.session.store;

import dev.fairway.api.session.SessionStoreFactory;
import dev.fairway.session.tck.SessionStoreContract;

/** The session store contract against the {@code memory} store (not persistent: the reopen cases skip). */
class MemorySessionStoreContractTest extends SessionStoreContract {

    @Override
    protected SessionStoreFactory factory() {
        return new MemorySessionStoreFactory();
    }
}
