package dev.fairway.session.sqlite;

import dev.fairway.api.session.SessionStore;
import dev.fairway.api.session.SessionStoreContext;
import dev.fairway.api.session.SessionStoreFactory;
import dev.fairway.session.tck.SessionStoreContract;

import java.util.Optional;

/**
 * The session store contract against the {@code sqlite} store on a real SQLite file (synchronous = FULL),
 * including the cases that reopen the same file.
 */
class SqliteSessionStoreContractTest extends SessionStoreContract {

    @Override
    protected SessionStoreFactory factory() {
        return new SqliteSessionStoreFactory();
    }

    @Override
    protected Optional<SessionStore> reopen(SessionStoreContext context) {
        return Optional.of(factory().create(context));
    }

    /** Every write without group commit waits for an fsync. */
    @Override
    protected int writesPerWriter() {
        return 40;
    }
}
