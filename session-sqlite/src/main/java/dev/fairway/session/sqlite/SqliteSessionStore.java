package dev.fairway.session.sqlite;

import dev.fairway.api.SessionId;
import dev.fairway.api.SessionOptions;
import dev.fairway.api.session.AcceptedFinal;
import dev.fairway.api.session.Journal;
import dev.fairway.api.session.JournaledOutcome;
import dev.fairway.api.session.SessionStore;
import dev.fairway.api.session.StoredSession;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The {@code sqlite} store. Two connections to one WAL-mode file: the writer, which every change goes
 * through under {@link #writeLock}, and the reader, whose reads see the last commit and never wait for a
 * write in progress. Sessions get a small integer key ({@code sid}) so that journal rows do not repeat the
 * session's id; journal writes find it with {@code INSERT ... SELECT}, which also writes nothing when the
 * session is not held. Times are nanoseconds since the epoch, so that instants read back exactly.
 *
 * <p>Without group commit, each journal write commits before its stage completes. With it, writes go to a
 * {@link GroupCommitWriter}, which commits each interval's writes in one transaction.
 */
final class SqliteSessionStore implements SessionStore {

    private static final String[] SCHEMA = {
        "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID",
        "CREATE TABLE IF NOT EXISTS sessions (sid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
                + " source TEXT NOT NULL, target TEXT NOT NULL, weight INTEGER NOT NULL, label TEXT NOT NULL,"
                + " token_hash BLOB NOT NULL, epoch TEXT NOT NULL, created_at INTEGER NOT NULL,"
                + " last_seen_at INTEGER NOT NULL)",
        "CREATE INDEX IF NOT EXISTS sessions_by_last_seen ON sessions (last_seen_at)",
        "CREATE TABLE IF NOT EXISTS accepted (sid INTEGER NOT NULL, seq INTEGER NOT NULL, text TEXT NOT NULL,"
                + " accepted_at INTEGER NOT NULL, PRIMARY KEY (sid, seq)) WITHOUT ROWID",
        "CREATE TABLE IF NOT EXISTS outcomes (sid INTEGER NOT NULL, seq INTEGER NOT NULL, final INTEGER NOT NULL,"
                + " frame TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (sid, seq)) WITHOUT ROWID",
    };
    private static final int SQLITE_CONSTRAINT = 19;

    private final Path file;
    private final Duration groupCommit;
    private final boolean full;
    private final String epoch;
    private final ReentrantLock writeLock = new ReentrantLock();
    private final ReentrantLock readLock = new ReentrantLock();
    private final Connection writer;
    private final Connection reader;
    private final GroupCommitWriter groupWriter;

    private SqliteSessionStore(Path file, Duration groupCommit, boolean full, Connection writer, Connection reader,
            String epoch) {
        this.file = file;
        this.groupCommit = groupCommit;
        this.full = full;
        this.writer = writer;
        this.reader = reader;
        this.epoch = epoch;
        this.groupWriter = groupCommit.isZero() ? null : new GroupCommitWriter(this, groupCommit);
    }

    static SqliteSessionStore open(Path file, Duration groupCommit, boolean full) {
        Connection writer = null;
        Connection reader = null;
        try {
            writer = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
            try (Statement statement = writer.createStatement()) {
                statement.execute("PRAGMA busy_timeout = 5000");
                statement.execute("PRAGMA journal_mode = WAL");
                // FULL: a WAL commit is fsynced before it returns; NORMAL syncs only at checkpoints.
                statement.execute("PRAGMA synchronous = " + (full ? "FULL" : "NORMAL"));
                for (String ddl : SCHEMA) {
                    statement.execute(ddl);
                }
            }
            try (PreparedStatement insert = writer.prepareStatement(
                    "INSERT OR IGNORE INTO meta (key, value) VALUES ('epoch', ?)")) {
                insert.setString(1, UUID.randomUUID().toString());
                insert.executeUpdate();
            }
            String epoch;
            try (Statement statement = writer.createStatement();
                    ResultSet rs = statement.executeQuery("SELECT value FROM meta WHERE key = 'epoch'")) {
                rs.next();
                epoch = rs.getString(1);
            }
            writer.setAutoCommit(false);
            reader = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
            try (Statement statement = reader.createStatement()) {
                statement.execute("PRAGMA busy_timeout = 5000");
            }
            reader.setAutoCommit(false);
            return new SqliteSessionStore(file, groupCommit, full, writer, reader, epoch);
        } catch (SQLException e) {
            closeQuietly(reader);
            closeQuietly(writer);
            throw new SqliteSessionStoreException("cannot open the session store " + file, e);
        }
    }

    private static void closeQuietly(Connection connection) {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                // Already failing: the first exception is the one to report.
            }
        }
    }

    @Override
    public String epoch() {
        return epoch;
    }

    // ---- journal writes ----

    /** One journal write: executed on the writer connection inside a transaction; false when no session. */
    @FunctionalInterface
    interface JournalWrite {
        boolean apply(Connection connection) throws SQLException;
    }

    private static JournalWrite acceptedWrite(SessionId id, AcceptedFinal accepted) {
        return connection -> {
            try (PreparedStatement insert = connection.prepareStatement("INSERT OR REPLACE INTO accepted"
                    + " (sid, seq, text, accepted_at) SELECT sid, ?, ?, ? FROM sessions WHERE id = ?")) {
                insert.setLong(1, accepted.seq());
                insert.setString(2, accepted.text());
                insert.setLong(3, nanos(accepted.acceptedAt()));
                insert.setString(4, id.value());
                return insert.executeUpdate() == 1;
            }
        };
    }

    private static JournalWrite outcomeWrite(SessionId id, JournaledOutcome outcome) {
        return connection -> {
            try (PreparedStatement insert = connection.prepareStatement("INSERT OR REPLACE INTO outcomes"
                    + " (sid, seq, final, frame, at) SELECT sid, ?, ?, ?, ? FROM sessions WHERE id = ?")) {
                insert.setLong(1, outcome.seq());
                insert.setInt(2, outcome.isFinal() ? 1 : 0);
                insert.setString(3, outcome.frame());
                insert.setLong(4, nanos(outcome.at()));
                insert.setString(5, id.value());
                if (insert.executeUpdate() != 1) {
                    return false;
                }
            }
            if (outcome.isFinal()) {
                try (PreparedStatement settle = connection.prepareStatement("DELETE FROM accepted"
                        + " WHERE sid = (SELECT sid FROM sessions WHERE id = ?) AND seq = ?")) {
                    settle.setString(1, id.value());
                    settle.setLong(2, outcome.seq());
                    settle.executeUpdate();
                }
            }
            return true;
        };
    }

    @Override
    public CompletionStage<Void> accepted(SessionId id, AcceptedFinal accepted) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(accepted, "accepted");
        return journal(id, acceptedWrite(id, accepted));
    }

    @Override
    public CompletionStage<Void> outcome(SessionId id, JournaledOutcome outcome) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(outcome, "outcome");
        return journal(id, outcomeWrite(id, outcome));
    }

    private CompletionStage<Void> journal(SessionId id, JournalWrite write) {
        if (groupWriter != null) {
            return groupWriter.submit(id, write);
        }
        writeLock.lock();
        try {
            boolean written = write.apply(writer);
            writer.commit();
            return written ? CompletableFuture.completedFuture(null) : CompletableFuture.failedFuture(unknown(id));
        } catch (SQLException e) {
            rollback();
            return CompletableFuture.failedFuture(new SqliteSessionStoreException("cannot journal for " + id, e));
        } finally {
            writeLock.unlock();
        }
    }

    static IllegalStateException unknown(SessionId id) {
        return new IllegalStateException("unknown session " + id);
    }

    /**
     * Applies a batch of writes in one transaction (the group writer's commit).
     *
     * @param writes the writes, in order
     * @return per write whether its session was held
     * @throws SQLException when the transaction failed: nothing of it was written
     */
    boolean[] commitBatch(List<JournalWrite> writes) throws SQLException {
        writeLock.lock();
        try {
            boolean[] written = new boolean[writes.size()];
            for (int i = 0; i < written.length; i++) {
                written[i] = writes.get(i).apply(writer);
            }
            writer.commit();
            return written;
        } catch (SQLException e) {
            rollback();
            throw e;
        } finally {
            writeLock.unlock();
        }
    }

    private void rollback() {
        try {
            writer.rollback();
        } catch (SQLException e) {
            // The connection is unusable: the next write reports it.
        }
    }

    /** A change made at once under the write lock and committed before the method returns. */
    @FunctionalInterface
    private interface Change<T> {
        T apply(Connection connection) throws SQLException;
    }

    private <T> T change(String what, Change<T> change) {
        writeLock.lock();
        try {
            T result = change.apply(writer);
            writer.commit();
            return result;
        } catch (SQLException e) {
            rollback();
            if (e.getErrorCode() == SQLITE_CONSTRAINT) {
                throw new IllegalStateException(what + ": " + e.getMessage(), e);
            }
            throw new SqliteSessionStoreException("cannot " + what, e);
        } finally {
            writeLock.unlock();
        }
    }

    // ---- records ----

    @Override
    public void create(StoredSession session) {
        Objects.requireNonNull(session, "session");
        change("create session " + session.id(), connection -> {
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO sessions (id, source, target,"
                    + " weight, label, token_hash, epoch, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                SessionOptions options = session.options();
                insert.setString(1, session.id().value());
                insert.setString(2, options.sourceLanguage());
                insert.setString(3, options.targetLanguage());
                insert.setInt(4, options.weight());
                insert.setString(5, options.label());
                insert.setBytes(6, session.tokenHash());
                insert.setString(7, session.epoch());
                insert.setLong(8, nanos(session.createdAt()));
                insert.setLong(9, nanos(session.lastSeenAt()));
                return insert.executeUpdate();
            }
        });
    }

    @Override
    public Optional<StoredSession> find(SessionId id) {
        Objects.requireNonNull(id, "id");
        return read("find " + id, connection -> record(connection, id).map(Row::session));
    }

    /** A session's row: its key and its record. */
    private record Row(long sid, StoredSession session) {
    }

    private static Optional<Row> record(Connection connection, SessionId id) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT sid, source, target, weight, label,"
                + " token_hash, epoch, created_at, last_seen_at FROM sessions WHERE id = ?")) {
            select.setString(1, id.value());
            try (ResultSet rs = select.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                SessionOptions options = new SessionOptions(rs.getString(2), rs.getString(3), rs.getInt(4),
                        rs.getString(5));
                return Optional.of(new Row(rs.getLong(1), new StoredSession(id, options, rs.getBytes(6),
                        rs.getString(7), instant(rs.getLong(8)), instant(rs.getLong(9)))));
            }
        }
    }

    @Override
    public Optional<Journal> read(SessionId id, long afterSeq) {
        Objects.requireNonNull(id, "id");
        return read("read " + id, connection -> {
            Optional<Row> row = record(connection, id);
            if (row.isEmpty()) {
                return Optional.empty();
            }
            long sid = row.get().sid();
            List<JournaledOutcome> outcomes = new ArrayList<>();
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT seq, final, frame, at FROM outcomes WHERE sid = ? AND seq > ? ORDER BY seq")) {
                select.setLong(1, sid);
                select.setLong(2, afterSeq);
                try (ResultSet rs = select.executeQuery()) {
                    while (rs.next()) {
                        outcomes.add(new JournaledOutcome(rs.getLong(1), rs.getInt(2) != 0, rs.getString(3),
                                instant(rs.getLong(4))));
                    }
                }
            }
            List<AcceptedFinal> unanswered = new ArrayList<>();
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT seq, text, accepted_at FROM accepted WHERE sid = ? ORDER BY seq")) {
                select.setLong(1, sid);
                try (ResultSet rs = select.executeQuery()) {
                    while (rs.next()) {
                        unanswered.add(new AcceptedFinal(rs.getLong(1), rs.getString(2), instant(rs.getLong(3))));
                    }
                }
            }
            return Optional.of(new Journal(row.get().session(), outcomes, unanswered));
        });
    }

    /** A read in one transaction on the reader connection: one snapshot of the last commit. */
    private <T> T read(String what, Change<T> query) {
        readLock.lock();
        try {
            try {
                return query.apply(reader);
            } finally {
                reader.commit();
            }
        } catch (SQLException e) {
            throw new SqliteSessionStoreException("cannot " + what, e);
        } finally {
            readLock.unlock();
        }
    }

    @Override
    public void touch(SessionId id, Instant at) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(at, "at");
        change("touch " + id, connection -> {
            try (PreparedStatement update = connection.prepareStatement(
                    "UPDATE sessions SET last_seen_at = ? WHERE id = ?")) {
                update.setLong(1, nanos(at));
                update.setString(2, id.value());
                return update.executeUpdate();
            }
        });
    }

    @Override
    public void trim(SessionId id, long throughSeq) {
        Objects.requireNonNull(id, "id");
        // A final's outcome already removed the final it settles: only the outcomes go.
        change("trim " + id, connection -> {
            try (PreparedStatement delete = connection.prepareStatement("DELETE FROM outcomes"
                    + " WHERE sid = (SELECT sid FROM sessions WHERE id = ?) AND seq <= ?")) {
                delete.setString(1, id.value());
                delete.setLong(2, throughSeq);
                return delete.executeUpdate();
            }
        });
    }

    @Override
    public void end(SessionId id) {
        Objects.requireNonNull(id, "id");
        change("end " + id, connection -> {
            for (String table : new String[] {"accepted", "outcomes"}) {
                try (PreparedStatement delete = connection.prepareStatement(
                        "DELETE FROM " + table + " WHERE sid = (SELECT sid FROM sessions WHERE id = ?)")) {
                    delete.setString(1, id.value());
                    delete.executeUpdate();
                }
            }
            try (PreparedStatement delete = connection.prepareStatement("DELETE FROM sessions WHERE id = ?")) {
                delete.setString(1, id.value());
                return delete.executeUpdate();
            }
        });
    }

    @Override
    public int prune(Instant lastSeenBefore) {
        Objects.requireNonNull(lastSeenBefore, "lastSeenBefore");
        long cutOff = nanos(lastSeenBefore);
        return change("prune", connection -> {
            for (String table : new String[] {"accepted", "outcomes"}) {
                try (PreparedStatement delete = connection.prepareStatement("DELETE FROM " + table
                        + " WHERE sid IN (SELECT sid FROM sessions WHERE last_seen_at < ?)")) {
                    delete.setLong(1, cutOff);
                    delete.executeUpdate();
                }
            }
            try (PreparedStatement delete = connection.prepareStatement(
                    "DELETE FROM sessions WHERE last_seen_at < ?")) {
                delete.setLong(1, cutOff);
                return delete.executeUpdate();
            }
        });
    }

    @Override
    public Map<String, Object> status() {
        long sessions = read("count sessions", connection -> {
            try (Statement statement = connection.createStatement();
                    ResultSet rs = statement.executeQuery("SELECT count(*) FROM sessions")) {
                rs.next();
                return rs.getLong(1);
            }
        });
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("store", SqliteSessionStoreFactory.NAME);
        status.put("sessions", sessions);
        status.put("file", file.toString());
        status.put("synchronous", full ? "full" : "normal");
        status.put("groupCommitMillis", groupCommit.toMillis());
        return status;
    }

    @Override
    public void close() {
        if (groupWriter != null) {
            groupWriter.close();
        }
        writeLock.lock();
        readLock.lock();
        try {
            closeQuietly(reader);
            closeQuietly(writer);
        } finally {
            readLock.unlock();
            writeLock.unlock();
        }
    }

    private static long nanos(Instant instant) {
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000_000L), instant.getNano());
    }

    private static Instant instant(long nanos) {
        return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
    }
}
