package dev.fairway.session.tck;

import dev.fairway.api.SessionId;
import dev.fairway.api.SessionOptions;
import dev.fairway.api.session.AcceptedFinal;
import dev.fairway.api.session.Journal;
import dev.fairway.api.session.JournaledOutcome;
import dev.fairway.api.session.SessionStore;
import dev.fairway.api.session.SessionStoreContext;
import dev.fairway.api.session.SessionStoreFactory;
import dev.fairway.api.session.StoredSession;
import dev.fairway.api.spi.PluginConfig;
import io.opentelemetry.api.OpenTelemetry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The contract of a {@link SessionStore}, run by every store's tests: extend it and name the store's
 * {@link #factory()}. Every case opens its stores through the factory with a context the kit builds (a data
 * directory of its own, {@link #config} for the store's keys, a clock the kit moves by hand), and checks,
 * through the {@code SessionStore} interface only, each guarantee its Javadoc gives.
 *
 * <p>A persistent store also implements {@link #reopen}; the cases about durability across a restart and a
 * stable epoch are skipped for a store that does not. Nothing waits by sleeping: the cases await the stores'
 * stages (with a generous limit that only guards against a hang) and assert nothing about time.
 */
public abstract class SessionStoreContract {

    /** How long a stage may take before the case fails as hung; never a performance bound. */
    private static final Duration HANG_GUARD = Duration.ofSeconds(60);
    private static final Instant START = Instant.parse("2027-01-15T08:00:00.123456789Z");

    /** The wall clock of the stores a case opens; move it with {@link ManualInstantSource#advance}. */
    protected final ManualInstantSource clock = new ManualInstantSource(START);
    private final List<SessionStore> opened = new ArrayList<>();
    private final AtomicInteger dataSets = new AtomicInteger();
    private Path root;

    /** For subclasses. */
    protected SessionStoreContract() {
    }

    /**
     * The store's factory.
     *
     * @return a factory; the kit checks that {@link ServiceLoader} finds one of the same name
     */
    protected abstract SessionStoreFactory factory();

    /**
     * The store's keys for one data set. Stores whose data lives outside the data directory (Redis) keep
     * each data set apart here, for example with a key prefix made from {@code dataSet}.
     *
     * @param dataSet a name unique within the test run; the same name means the same data
     * @return the keys relative to {@code fairway.session.<name>}; none by default
     */
    protected PluginConfig config(String dataSet) {
        return PluginConfig.empty("fairway.session." + factory().name());
    }

    /**
     * Opens the store again on the data of a context whose store was closed, as a restarted process does.
     * Persistent stores override it; the default means the store keeps nothing across a restart.
     *
     * @param context the context the closed store was opened with
     * @return the reopened store, or empty when the store is not persistent
     */
    protected Optional<SessionStore> reopen(SessionStoreContext context) {
        return Optional.empty();
    }

    /**
     * The group-commit interval of the group-commit cases.
     *
     * @return a positive interval
     */
    protected Duration groupCommit() {
        return Duration.ofMillis(5);
    }

    /**
     * How many finals each of the concurrent writers journals (each with its outcome): a store whose every
     * write waits for a disk flush may run fewer.
     *
     * @return writes per writer, >= 1
     */
    protected int writesPerWriter() {
        return 100;
    }

    // ---- plumbing ----

    @BeforeEach
    void createRoot() throws IOException {
        root = Files.createTempDirectory("fairway-session-tck-");
    }

    @AfterEach
    void closeStoresAndDeleteData() throws IOException {
        for (SessionStore store : opened) {
            store.close();
        }
        opened.clear();
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    /**
     * A context on a new, empty data set.
     *
     * @param groupCommit the durability policy
     * @return the context
     */
    protected final SessionStoreContext newContext(Duration groupCommit) {
        String dataSet = "data" + dataSets.incrementAndGet() + "-" + ProcessHandle.current().pid() + "-"
                + Long.toHexString(System.nanoTime());
        try {
            Path directory = Files.createDirectories(root.resolve(dataSet));
            return new SessionStoreContext(config(dataSet), directory, groupCommit, clock, OpenTelemetry.noop());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Opens a store through the factory; closed after the case.
     *
     * @param context its context
     * @return the store
     */
    protected final SessionStore open(SessionStoreContext context) {
        SessionStore store = factory().create(context);
        opened.add(store);
        return store;
    }

    /**
     * A store on new, empty data, every write durable before its stage completes.
     *
     * @return the store
     */
    protected final SessionStore open() {
        return open(newContext(Duration.ZERO));
    }

    private Optional<SessionStore> reopenTracked(SessionStoreContext context) {
        Optional<SessionStore> store = reopen(context);
        store.ifPresent(opened::add);
        return store;
    }

    private StoredSession session(SessionStore store, String id) {
        Instant now = clock.instant();
        return new StoredSession(SessionId.of(id), new SessionOptions("en", "es-MX", 3, "label " + id),
                new byte[] {1, 2, 3, (byte) id.length(), (byte) 0xFF}, store.epoch(), now, now);
    }

    private StoredSession created(SessionStore store, String id) {
        StoredSession session = session(store, id);
        store.create(session);
        return session;
    }

    private AcceptedFinal accepted(long seq) {
        return new AcceptedFinal(seq, "final " + seq + " ¿qué tal? \"quoted\"\n", clock.instant().plusNanos(seq));
    }

    private JournaledOutcome outcome(long seq, boolean isFinal) {
        return new JournaledOutcome(seq, isFinal,
                "{\"type\":\"translation\",\"seq\":" + seq + ",\"final\":" + isFinal + ",\"text\":\"t" + seq + " ñ\"}",
                clock.instant().plusNanos(1_000 + seq));
    }

    /**
     * Waits for a stage; fails the case when it completes exceptionally or hangs.
     *
     * @param stage the stage
     * @param <T> its value
     * @return its value
     */
    protected static <T> T await(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(HANG_GUARD.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        } catch (ExecutionException e) {
            throw new AssertionError("the stage completed exceptionally", e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError("the stage did not complete within " + HANG_GUARD + " (hung)", e);
        }
    }

    private static Throwable awaitFailure(CompletionStage<?> stage) {
        try {
            stage.toCompletableFuture().get(HANG_GUARD.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (TimeoutException e) {
            throw new AssertionError("the stage did not complete within " + HANG_GUARD + " (hung)", e);
        }
        throw new AssertionError("expected the stage to complete exceptionally, it completed normally");
    }

    private static Journal journal(SessionStore store, String id, long afterSeq) {
        return store.read(SessionId.of(id), afterSeq)
                .orElseThrow(() -> new AssertionError("no journal for " + id));
    }

    private static List<Long> seqs(List<JournaledOutcome> outcomes) {
        return outcomes.stream().map(JournaledOutcome::seq).toList();
    }

    private static List<Long> unansweredSeqs(Journal journal) {
        return journal.unanswered().stream().map(AcceptedFinal::seq).toList();
    }

    // ---- the factory ----

    @Test
    void serviceLoaderFindsTheFactoryByItsName() {
        String name = factory().name();
        assertEquals(name.toLowerCase(java.util.Locale.ROOT), name, "names are lower case");
        List<String> found = ServiceLoader.load(SessionStoreFactory.class).stream()
                .map(provider -> provider.get().name()).toList();
        assertTrue(found.contains(name), "ServiceLoader found " + found + ", not " + name);
    }

    // ---- records ----

    @Test
    void createdSessionIsFoundAsWritten() {
        SessionStore store = open();
        StoredSession session = created(store, "s1");

        assertEquals(Optional.of(session), store.find(SessionId.of("s1")));
        assertEquals(session.epoch(), store.epoch());
    }

    @Test
    void secondCreateOfTheSameIdIsRefused() {
        SessionStore store = open();
        StoredSession first = created(store, "s1");

        clock.advance(Duration.ofSeconds(1));
        assertThrows(IllegalStateException.class, () -> store.create(session(store, "s1")));
        assertEquals(Optional.of(first), store.find(SessionId.of("s1")), "the first record stays");
    }

    @Test
    void unknownSessionIsEmptyAndItsWritesFail() {
        SessionStore store = open();
        created(store, "known");
        SessionId unknown = SessionId.of("unknown");

        assertEquals(Optional.empty(), store.find(unknown));
        assertEquals(Optional.empty(), store.read(unknown, -1));
        awaitFailure(store.accepted(unknown, accepted(1)));
        awaitFailure(store.outcome(unknown, outcome(1, true)));
        store.touch(unknown, clock.instant());
        store.trim(unknown, 10);
        store.end(unknown);
        assertEquals(Optional.empty(), store.find(unknown), "no write brings an unknown session into being");
        assertEquals(1, ((Number) store.status().get("sessions")).intValue());
    }

    @Test
    void epochIsNotEmptyAndDiffersForAnotherEmptyStore() {
        SessionStore one = open();
        SessionStore other = open();

        assertFalse(one.epoch().isEmpty());
        assertEquals(one.epoch(), one.epoch(), "stable while the store keeps its data");
        assertNotEquals(one.epoch(), other.epoch());
    }

    @Test
    void statusNamesTheStoreAndCountsSessions() {
        SessionStore store = open();
        assertEquals(factory().name(), store.status().get("store"));
        assertEquals(0, ((Number) store.status().get("sessions")).intValue());

        created(store, "s1");
        created(store, "s2");

        assertEquals(2, ((Number) store.status().get("sessions")).intValue());
    }

    // ---- the journal ----

    @Test
    void acceptedFinalsAreReadAsUnansweredInSeqOrder() {
        SessionStore store = open();
        StoredSession session = created(store, "s1");
        List<AcceptedFinal> finals = List.of(accepted(1), accepted(2), accepted(5), accepted(40));
        for (AcceptedFinal accepted : finals) {
            await(store.accepted(session.id(), accepted));
        }

        Journal journal = journal(store, "s1", -1);

        assertEquals(finals, journal.unanswered());
        assertEquals(List.of(), journal.outcomes());
        assertEquals(session, journal.session());
    }

    @Test
    void finalOutcomeSettlesItsAcceptedFinalAndPartialOutcomeDoesNot() {
        SessionStore store = open();
        SessionId id = created(store, "s1").id();
        for (long seq = 1; seq <= 3; seq++) {
            await(store.accepted(id, accepted(seq)));
        }

        await(store.outcome(id, outcome(2, true)));
        await(store.outcome(id, outcome(3, false)));

        Journal journal = journal(store, "s1", -1);
        assertEquals(List.of(1L, 3L), unansweredSeqs(journal));
        assertEquals(List.of(outcome(2, true), outcome(3, false)), journal.outcomes());
    }

    @Test
    void readReturnsOnlyLaterOutcomesInSeqOrder() {
        SessionStore store = open();
        SessionId id = created(store, "s1").id();
        // Translations finish out of order: the store orders them.
        for (long seq : new long[] {4, 1, 3, 2, 6}) {
            await(store.outcome(id, outcome(seq, seq != 6)));
        }

        assertEquals(List.of(1L, 2L, 3L, 4L, 6L), seqs(journal(store, "s1", -1).outcomes()));
        assertEquals(List.of(3L, 4L, 6L), seqs(journal(store, "s1", 2).outcomes()));
        assertEquals(List.of(outcome(6, false)), journal(store, "s1", 5).outcomes());
        assertEquals(List.of(), journal(store, "s1", 6).outcomes());
    }

    @Test
    void laterOutcomeOfTheSameSeqReplacesTheEarlier() {
        SessionStore store = open();
        SessionId id = created(store, "s1").id();
        await(store.accepted(id, accepted(7)));

        await(store.outcome(id, outcome(7, false)));
        clock.advance(Duration.ofMillis(3));
        JournaledOutcome last = outcome(7, true);
        await(store.outcome(id, last));

        Journal journal = journal(store, "s1", -1);
        assertEquals(List.of(last), journal.outcomes());
        assertEquals(List.of(), journal.unanswered());
    }

    @Test
    void trimForgetsConfirmedOutcomesAndKeepsUnansweredFinals() {
        SessionStore store = open();
        SessionId id = created(store, "s1").id();
        for (long seq = 1; seq <= 6; seq++) {
            await(store.accepted(id, accepted(seq)));
        }
        for (long seq : new long[] {1, 2, 4, 5}) {
            await(store.outcome(id, outcome(seq, true)));
        }

        store.trim(id, 4);

        Journal journal = journal(store, "s1", -1);
        assertEquals(List.of(5L), seqs(journal.outcomes()));
        assertEquals(List.of(3L, 6L), unansweredSeqs(journal), "an unanswered final is never trimmed");
        assertEquals(store.find(id), Optional.of(journal.session()), "the record stays");
    }

    @Test
    void endRemovesTheSessionAndItsJournal() {
        SessionStore store = open();
        SessionId id = created(store, "s1").id();
        created(store, "s2");
        await(store.accepted(id, accepted(1)));
        await(store.outcome(id, outcome(1, true)));
        await(store.accepted(id, accepted(2)));

        store.end(id);

        assertEquals(Optional.empty(), store.find(id));
        assertEquals(Optional.empty(), store.read(id, -1));
        awaitFailure(store.accepted(id, accepted(3)));
        assertEquals(1, ((Number) store.status().get("sessions")).intValue());
        assertTrue(store.find(SessionId.of("s2")).isPresent(), "other sessions stay");

        StoredSession again = created(store, "s1");
        Journal journal = journal(store, "s1", -1);
        assertEquals(again, journal.session());
        assertEquals(List.of(), journal.outcomes(), "an ended session's journal is gone");
        assertEquals(List.of(), journal.unanswered(), "an ended session's journal is gone");
    }

    @Test
    void touchMovesLastSeen() {
        SessionStore store = open();
        StoredSession session = created(store, "s1");
        Instant later = clock.advance(Duration.ofSeconds(90));

        store.touch(session.id(), later);

        StoredSession found = store.find(session.id()).orElseThrow();
        assertEquals(later, found.lastSeenAt());
        assertEquals(session.createdAt(), found.createdAt());
        assertEquals(later, journal(store, "s1", -1).session().lastSeenAt());
    }

    @Test
    void pruneRemovesSessionsLastSeenBeforeTheCutOff() {
        SessionStore store = open();
        SessionId old = created(store, "old").id();
        await(store.accepted(old, accepted(1)));
        await(store.outcome(old, outcome(1, true)));
        SessionId touched = created(store, "touched").id();
        Instant cutOff = clock.advance(Duration.ofMinutes(2));
        SessionId recent = created(store, "recent").id();
        store.touch(touched, cutOff.plusMillis(1));

        assertEquals(1, store.prune(cutOff));

        assertEquals(Optional.empty(), store.find(old));
        assertEquals(Optional.empty(), store.read(old, -1));
        assertTrue(store.find(touched).isPresent(), "touch moved it past the cut-off");
        assertTrue(store.find(recent).isPresent(), "last seen at the cut-off is not before it");
        assertEquals(2, ((Number) store.status().get("sessions")).intValue());
        assertEquals(0, store.prune(cutOff), "nothing left to prune");

        StoredSession again = created(store, "old");
        assertEquals(List.of(), journal(store, "old", -1).outcomes(), "the pruned journal is gone");
        assertEquals(again, store.find(old).orElseThrow());
    }

    /** Random journals of a few sessions against a model that keeps one outcome per seq. */
    @Test
    void randomJournalsAgreeWithAModel() {
        long seed = 20270115L;
        Random random = new Random(seed);
        SessionStore store = open();
        int sessions = 3;
        List<TreeMap<Long, AcceptedFinal>> unanswered = new ArrayList<>();
        List<TreeMap<Long, JournaledOutcome>> outcomes = new ArrayList<>();
        long[] nextSeq = new long[sessions];
        for (int s = 0; s < sessions; s++) {
            created(store, "r" + s);
            unanswered.add(new TreeMap<>());
            outcomes.add(new TreeMap<>());
        }
        for (int step = 0; step < 400; step++) {
            int s = random.nextInt(sessions);
            SessionId id = SessionId.of("r" + s);
            int op = random.nextInt(10);
            String where = "seed " + seed + ", step " + step;
            if (op < 4) {
                AcceptedFinal accepted = accepted(++nextSeq[s]);
                await(store.accepted(id, accepted));
                unanswered.get(s).put(accepted.seq(), accepted);
            } else if (op < 8 && nextSeq[s] > 0) {
                long seq = 1 + random.nextLong(nextSeq[s]);
                boolean isFinal = unanswered.get(s).containsKey(seq) ? random.nextInt(4) != 0 : random.nextBoolean();
                JournaledOutcome outcome = outcome(seq, isFinal);
                await(store.outcome(id, outcome));
                outcomes.get(s).put(seq, outcome);
                if (isFinal) {
                    unanswered.get(s).remove(seq);
                }
            } else if (op == 8 && nextSeq[s] > 0) {
                long through = random.nextLong(nextSeq[s] + 1);
                store.trim(id, through);
                outcomes.get(s).headMap(through, true).clear();
            } else {
                long after = random.nextLong(-1, nextSeq[s] + 1);
                Journal journal = journal(store, "r" + s, after);
                assertEquals(List.copyOf(outcomes.get(s).tailMap(after, false).values()), journal.outcomes(), where);
                assertEquals(List.copyOf(unanswered.get(s).values()), journal.unanswered(), where);
            }
        }
    }

    // ---- concurrency and durability ----

    @Test
    void concurrentWritersOnDifferentSessionsLoseNoWrite() throws Exception {
        concurrentWriters(open());
    }

    @Test
    void concurrentWritersUnderGroupCommitLoseNoWrite() throws Exception {
        concurrentWriters(open(newContext(groupCommit())));
    }

    private void concurrentWriters(SessionStore store) throws Exception {
        int writers = 8;
        int writes = writesPerWriter();
        for (int w = 0; w < writers; w++) {
            created(store, "w" + w);
        }
        List<Future<?>> done = new ArrayList<>();
        try (ExecutorService threads = Executors.newFixedThreadPool(writers)) {
            for (int w = 0; w < writers; w++) {
                SessionId id = SessionId.of("w" + w);
                done.add(threads.submit(() -> {
                    for (long seq = 1; seq <= writes; seq++) {
                        await(store.accepted(id, accepted(seq)));
                        if (seq % 2 == 0) {
                            await(store.outcome(id, outcome(seq, true)));
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> future : done) {
                future.get(HANG_GUARD.toSeconds(), TimeUnit.SECONDS);
            }
        }
        for (int w = 0; w < writers; w++) {
            Journal journal = journal(store, "w" + w, -1);
            List<Long> odd = new ArrayList<>();
            List<Long> even = new ArrayList<>();
            for (long seq = 1; seq <= writes; seq++) {
                (seq % 2 == 0 ? even : odd).add(seq);
            }
            assertEquals(odd, unansweredSeqs(journal), "writer " + w);
            assertEquals(even, seqs(journal.outcomes()), "writer " + w);
        }
    }

    /**
     * Under group commit, a stage completes only once its write is in the store: a read made as the stage
     * completes (in its dependent action) already finds the final; every final whose stage completed is
     * still there after a restart.
     */
    @Test
    void groupCommitCompletesStagesOnlyAfterTheWrite() {
        SessionStoreContext context = newContext(groupCommit());
        SessionStore store = open(context);
        int sessions = 4;
        int finals = 25;
        for (int s = 0; s < sessions; s++) {
            created(store, "g" + s);
        }
        ConcurrentLinkedQueue<String> missing = new ConcurrentLinkedQueue<>();
        List<CompletableFuture<Void>> checked = new ArrayList<>();
        for (long seq = 1; seq <= finals; seq++) {
            for (int s = 0; s < sessions; s++) {
                SessionId id = SessionId.of("g" + s);
                long finalSeq = seq;
                checked.add(store.accepted(id, accepted(seq)).thenRun(() -> {
                    boolean found = store.read(id, -1).map(j -> unansweredSeqs(j).contains(finalSeq)).orElse(false);
                    if (!found) {
                        missing.add(id + "#" + finalSeq);
                    }
                }).toCompletableFuture());
            }
        }
        for (CompletableFuture<Void> stage : checked) {
            await(stage);
        }
        assertEquals(List.of(), List.copyOf(missing), "stages completed before their final was written");

        store.close();
        opened.remove(store);
        Optional<SessionStore> reopened = reopenTracked(context);
        SessionStore after = reopened.orElse(null);
        assumeTrue(after != null, "not a persistent store: nothing survives a restart");
        for (int s = 0; s < sessions; s++) {
            assertEquals(finals, journal(after, "g" + s, -1).unanswered().size(), "session g" + s);
        }
    }

    @Test
    void completedWritesSurviveAReopen() {
        SessionStoreContext context = newContext(Duration.ZERO);
        SessionStore store = open(context);
        StoredSession session = created(store, "s1");
        created(store, "s2");
        store.touch(session.id(), clock.advance(Duration.ofSeconds(5)));
        for (long seq = 1; seq <= 4; seq++) {
            await(store.accepted(session.id(), accepted(seq)));
        }
        await(store.outcome(session.id(), outcome(2, true)));
        await(store.outcome(session.id(), outcome(4, false)));
        store.end(SessionId.of("s2"));
        Journal before = journal(store, "s1", -1);
        String epoch = store.epoch();
        store.close();
        opened.remove(store);

        SessionStore after = reopenTracked(context).orElse(null);
        assumeTrue(after != null, "not a persistent store: nothing survives a restart");

        assertEquals(before, journal(after, "s1", -1));
        assertEquals(epoch, after.epoch(), "the same data keeps its epoch");
        assertEquals(Optional.empty(), after.find(SessionId.of("s2")), "an ended session stays ended");
        assertEquals(1, ((Number) after.status().get("sessions")).intValue());
    }

    @Test
    void epochIsStableAcrossReopenOfTheSameData() {
        SessionStoreContext context = newContext(Duration.ZERO);
        SessionStore store = open(context);
        String epoch = store.epoch();
        store.close();
        opened.remove(store);

        SessionStore after = reopenTracked(context).orElse(null);
        assumeTrue(after != null, "not a persistent store");

        assertEquals(epoch, after.epoch());
        assertNotEquals(epoch, open().epoch(), "an empty store has a new epoch");
    }

    @Test
    void closeFlushesEveryPendingStage() {
        SessionStore store = open(newContext(groupCommit()));
        SessionId id = created(store, "s1").id();
        List<CompletionStage<Void>> stages = new ArrayList<>();
        for (long seq = 1; seq <= 20; seq++) {
            stages.add(store.accepted(id, accepted(seq)));
        }

        store.close();
        opened.remove(store);

        // Awaited, not polled: a store may complete its stages on a thread of its own after close returns.
        for (CompletionStage<Void> stage : stages) {
            await(stage);
        }
    }

    /** The kit's wall clock: moved by hand, thread-safe, never backwards. */
    public static final class ManualInstantSource implements InstantSource {
        private final AtomicReference<Instant> now;

        ManualInstantSource(Instant start) {
            this.now = new AtomicReference<>(start);
        }

        @Override
        public Instant instant() {
            return now.get();
        }

        /**
         * Moves the clock forward.
         *
         * @param by how far, not negative
         * @return the new time
         */
        public Instant advance(Duration by) {
            if (by.isNegative()) {
                throw new IllegalArgumentException("by must not be negative, was " + by);
            }
            return now.updateAndGet(t -> t.plus(by));
        }
    }
}
