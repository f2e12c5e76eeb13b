package dev.fairway.session.sqlite;

import dev.fairway.api.InvalidConfigurationException;
import dev.fairway.api.session.SessionStore;
import dev.fairway.api.session.SessionStoreContext;
import dev.fairway.api.spi.PluginConfig;
import io.opentelemetry.api.OpenTelemetry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteJDBCLoader;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the contract does not cover: the native library, the file, its journal mode and the keys. */
class SqliteSessionStoreTest {

    @TempDir
    Path dataDirectory;

    private SessionStore open(Map<String, String> keys) {
        return new SqliteSessionStoreFactory().create(new SessionStoreContext(
                PluginConfig.of("fairway.session.sqlite", keys), dataDirectory, Duration.ZERO, InstantSource.system(),
                OpenTelemetry.noop()));
    }

    private static String query(Path file, String sql) throws Exception {
        try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file);
                Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void nativeLibraryLoadsOnThisMachine() throws Exception {
        try (SessionStore store = open(Map.of())) {
            assertTrue(SQLiteJDBCLoader.isNativeMode(), "the driver runs SQLite natively");
            assertTrue(query(dataDirectory.resolve("sessions.db"), "SELECT sqlite_version()").startsWith("3."));
        }
    }

    @Test
    void fileIsNamedByItsKeyAndJournalsInWalMode() throws Exception {
        try (SessionStore store = open(Map.of("file", "journal.sqlite"))) {
            Path file = dataDirectory.resolve("journal.sqlite");
            assertTrue(Files.isRegularFile(file));
            assertEquals("wal", query(file, "PRAGMA journal_mode"));
            assertEquals(store.epoch(), query(file, "SELECT value FROM meta WHERE key = 'epoch'"));
            assertEquals("full", store.status().get("synchronous"));
        }
    }

    @Test
    void newFileHasANewEpoch() throws Exception {
        String first;
        try (SessionStore store = open(Map.of())) {
            first = store.epoch();
        }
        for (String name : new String[] {"sessions.db", "sessions.db-wal", "sessions.db-shm"}) {
            Files.deleteIfExists(dataDirectory.resolve(name));
        }
        try (SessionStore store = open(Map.of())) {
            assertNotEquals(first, store.epoch());
        }
    }

    @Test
    void unknownSynchronousValueNamesItsKey() {
        InvalidConfigurationException e = assertThrows(InvalidConfigurationException.class,
                () -> open(Map.of("synchronous", "off")));
        assertTrue(e.getMessage().startsWith("fairway.session.sqlite.synchronous"), e.getMessage());
    }

    @Test
    void normalSynchronousIsAccepted() {
        try (SessionStore store = open(Map.of("synchronous", "NORMAL"))) {
            assertEquals("normal", store.status().get("synchronous"));
        }
    }
}
