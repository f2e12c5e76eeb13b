package dev.fairway.session.sqlite;

import dev.fairway.api.InvalidConfigurationException;
import dev.fairway.api.session.SessionStore;
import dev.fairway.api.session.SessionStoreContext;
import dev.fairway.api.session.SessionStoreFactory;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Set;

/**
 * The {@code sqlite} session store: one SQLite file in WAL mode under the context's data directory. Keys
 * ({@code fairway.session.sqlite.*}): {@code file}, the file's name or path relative to the data directory
 * (default {@value #DEFAULT_FILE}); {@code synchronous}, {@code full} (default: a commit is on disk before
 * its stage completes, so it survives a power loss) or {@code normal} (it survives a crash of the process,
 * not of the machine). With a group-commit interval, one writer thread commits the writes of each interval
 * in one transaction. One process opens a file at a time.
 */
public final class SqliteSessionStoreFactory implements SessionStoreFactory {

    /** The value of {@code fairway.session.store} that selects this store. */
    public static final String NAME = "sqlite";
    /** The default file name. */
    public static final String DEFAULT_FILE = "sessions.db";

    /** Creates the factory; {@link java.util.ServiceLoader} calls it. */
    public SqliteSessionStoreFactory() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public SessionStore create(SessionStoreContext context) {
        String name = context.config().string("file", DEFAULT_FILE);
        Path file;
        try {
            file = context.dataDirectory().resolve(name);
        } catch (InvalidPathException e) {
            throw new InvalidConfigurationException(context.config().fullKey("file"), name, "a file name or path");
        }
        boolean full = "full".equals(context.config().choice("synchronous", "full", Set.of("full", "normal")));
        return SqliteSessionStore.open(file, context.groupCommit(), full);
    }
}
