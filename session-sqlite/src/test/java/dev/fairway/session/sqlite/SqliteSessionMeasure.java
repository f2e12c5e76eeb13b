package dev.fairway.session.sqlite;

import dev.fairway.api.SessionId;
import dev.fairway.api.SessionOptions;
import dev.fairway.api.session.AcceptedFinal;
import dev.fairway.api.session.JournaledOutcome;
import dev.fairway.api.session.StoredSession;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Measures the sqlite store (not a test: nothing is asserted; not run by {@code mvn verify}). From the
 * repository root, on JDK 21 or later:
 *
 * <pre>
 * (the commands are in docs/performance/session-stores.md: test-compile, then java -cp ... dev.fairway.session.sqlite.SqliteSessionMeasure)
 * </pre>
 *
 * <ol>
 *   <li>Bytes on disk per session: 1,000 sessions, each with 10 accepted finals and their 10 outcomes, the
 *   WAL checkpointed into the file; and the same with the 10 finals unanswered.</li>
 *   <li>The cost of {@code accepted()}: sync (FULL, NORMAL) with 1 writer, and with 8 writers, against group
 *   commit every 5 ms with 8 and 64 writers: finals per second and mean wait per final.</li>
 * </ol>
 */
public final class SqliteSessionMeasure {

    private static final String TEXT = "I would like two tickets to the evening show, please, near the aisle.";
    private static final String FRAME = "{\"type\":\"translation\",\"seq\":%d,\"final\":true,\"text\":"
            + "\"Quisiera dos entradas para la función de la noche, por favor, cerca del pasillo.\",\"latencyMs\":412}";

    private SqliteSessionMeasure() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("fairway-sqlite-measure-");
        System.out.println("file system of " + dir + ": " + Files.getFileStore(dir).type());
        bytesPerSession(dir.resolve("settled.db"), true);
        bytesPerSession(dir.resolve("unanswered.db"), false);
        acceptedCost(dir, "sync FULL", Duration.ZERO, true, 1, 400);
        acceptedCost(dir, "sync NORMAL", Duration.ZERO, false, 1, 2_000);
        acceptedCost(dir, "sync FULL", Duration.ZERO, true, 8, 100);
        acceptedCost(dir, "group 5ms FULL", Duration.ofMillis(5), true, 8, 100);
        acceptedCost(dir, "group 5ms FULL", Duration.ofMillis(5), true, 64, 50);
        System.exit(0);
    }

    private static StoredSession session(String id, Instant now) {
        return new StoredSession(SessionId.of(id), new SessionOptions("en", "es", 1, ""), new byte[32], "epoch", now, now);
    }

    private static void bytesPerSession(Path file, boolean settled) throws Exception {
        int sessions = 1_000;
        long empty;
        try (SqliteSessionStore store = SqliteSessionStore.open(file, Duration.ofMillis(2), true)) {
            empty = checkpointedSize(file);
            Instant now = Instant.now();
            List<CompletableFuture<Void>> stages = new ArrayList<>();
            for (int s = 0; s < sessions; s++) {
                SessionId id = SessionId.of("s-" + java.util.UUID.randomUUID());
                store.create(session(id.value(), now));
                for (long seq = 1; seq <= 10; seq++) {
                    stages.add(store.accepted(id, new AcceptedFinal(seq, TEXT, now)).toCompletableFuture());
                    if (settled) {
                        stages.add(store.outcome(id, new JournaledOutcome(seq, true, FRAME.formatted(seq), now))
                                .toCompletableFuture());
                    }
                }
            }
            stages.forEach(CompletableFuture::join);
        }
        long size = checkpointedSize(file);
        System.out.printf("bytes on disk per session, 10 finals %s: %,d (file %,d bytes for %,d sessions, empty file %,d)%n",
                settled ? "and their 10 outcomes" : "unanswered", (size - empty) / sessions, size, sessions, empty);
    }

    private static long checkpointedSize(Path file) throws Exception {
        try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file);
                Statement statement = connection.createStatement()) {
            statement.execute("PRAGMA wal_checkpoint(TRUNCATE)");
        }
        return Files.size(file);
    }

    private static void acceptedCost(Path dir, String label, Duration groupCommit, boolean full, int writers,
            int perWriter) throws Exception {
        Path file = dir.resolve("cost-" + label.replace(' ', '-') + "-" + writers + ".db");
        try (SqliteSessionStore store = SqliteSessionStore.open(file, groupCommit, full);
                ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            Instant now = Instant.now();
            for (int w = 0; w < writers; w++) {
                store.create(session("w" + w, now));
            }
            // Warm-up: the statements and the file's first pages.
            for (int w = 0; w < writers; w++) {
                store.accepted(SessionId.of("w" + w), new AcceptedFinal(0, TEXT, now)).toCompletableFuture().join();
            }
            long[] waits = new long[writers];
            long start = System.nanoTime();
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                done.add(threads.submit(() -> {
                    SessionId id = SessionId.of("w" + writer);
                    for (long seq = 1; seq <= perWriter; seq++) {
                        long t = System.nanoTime();
                        store.accepted(id, new AcceptedFinal(seq, TEXT, now)).toCompletableFuture().join();
                        waits[writer] += System.nanoTime() - t;
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            long elapsed = System.nanoTime() - start;
            long total = (long) writers * perWriter;
            System.out.printf("accepted() %-15s %2d writers: %,8.0f finals/s, mean wait %6.2f ms (%,d finals)%n",
                    label, writers, total * 1e9 / elapsed, Arrays.stream(waits).sum() / 1e6 / total, total);
        }
    }
}
