package dev.fairway.transport.websocket;

import dev.fairway.api.FailureReason;
import dev.fairway.api.SegmentFailure;
import dev.fairway.api.SegmentKind;
import dev.fairway.api.Session;
import dev.fairway.api.SessionId;
import dev.fairway.api.SessionListener;
import dev.fairway.api.SessionOptions;
import dev.fairway.api.SubmitOutcome;
import dev.fairway.api.Translation;
import dev.fairway.api.TranslationRequest;
import dev.fairway.api.TranslationScheduler;
import dev.fairway.api.session.AcceptedFinal;
import dev.fairway.api.session.DurableSessions;
import dev.fairway.api.session.Journal;
import dev.fairway.api.session.JournaledOutcome;
import dev.fairway.api.session.StoredSession;

import java.lang.System.Logger.Level;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The scheduler's listener of one session, between the scheduler and the connection that carries the session
 * now. Without a store ({@link #direct}) it hands every result to its one connection, as protocol version 1
 * always did. With a store ({@link #journaled}) the session outlives its connection: every final's outcome is
 * journaled before it is delivered, results wait in {@code seq} order until their journal writes complete, and
 * while no connection is attached (detached) they are journaled and dropped, to be replayed from the store by
 * the next {@code resume}.
 *
 * <p>A detached session whose finals are all answered is <em>parked</em>: its scheduler session is closed, so it
 * holds no place in the queue and no fair share while nobody listens, and a resume opens it again. A journal
 * keeps at most {@link DurableSessions#journalLimit()} answered finals: the client trims it with {@code ack},
 * and past the limit the oldest go all the same.
 *
 * <p>One lock guards the link's state and orders the session's store writes (the store's contract: one at a
 * time per session). It is held while frames are offered to the attached connection, which only enqueues.
 */
final class SessionLink implements SessionListener {

    private static final System.Logger LOG = System.getLogger(SessionLink.class.getName());
    /** Failed partials the client hears of; superseded, stale and shut-down partials end silently. */
    private static final Set<FailureReason> REPORTED_PARTIAL_FAILURES = EnumSet.of(
            FailureReason.RETRIES_EXHAUSTED, FailureReason.PERMANENT_PROVIDER_ERROR, FailureReason.INTERNAL);

    private final SessionId id;
    private final TransportStats stats;
    private final DurableSessions durable;
    /** Opens the session again after it was parked; journaled links only. */
    private final TranslationScheduler scheduler;
    private final byte[] tokenHash;
    private final ReentrantLock lock = new ReentrantLock();
    /** The scheduler's session; null while parked. */
    private volatile Session session;

    // Guarded by lock.
    private Connection attached;
    /** Results not delivered yet, by seq: a final's waits for its journal writes; journaled links only. */
    private final TreeMap<Long, Entry> entries = new TreeMap<>();
    /** Finals whose journal write failed (the client was told to send them again), by seq, with their text. */
    private final Map<Long, String> notDurable = new HashMap<>();
    /** Results up to this seq were replayed from the store: a late live copy is not sent again. */
    private long replayedThrough = -1;
    /** The highest seq accepted in this session (on any connection of it). */
    private long lastAccepted = -1;
    /** The highest seq submitted to the current scheduler session. */
    private long submittedHere = -1;
    /** The seqs of the answered finals in the store, oldest first. */
    private final ArrayDeque<Long> journaledOutcomes = new ArrayDeque<>();
    /** The highest final delivered to a connection. */
    private long deliveredThrough = -1;
    /** Outcomes up to this seq were trimmed from the store. */
    private long trimmedThrough = -1;
    private SessionOptions options;
    private long detachedAtNanos;
    /** The time this node wrote to the store when the connection dropped: a later one is another node's. */
    private Instant detachedAt;
    private boolean parked;
    private boolean closed;

    private SessionLink(SessionId id, TransportStats stats, DurableSessions durable, TranslationScheduler scheduler,
            byte[] tokenHash) {
        this.id = id;
        this.stats = stats;
        this.durable = durable;
        this.scheduler = scheduler;
        this.tokenHash = tokenHash;
    }

    /** A link that delivers straight to its one connection (protocol version 1, or no store). */
    static SessionLink direct(SessionId id, TransportStats stats, Connection connection) {
        SessionLink link = new SessionLink(id, stats, null, null, null);
        link.attached = connection;
        return link;
    }

    /** A link that journals in the store and survives its connection; it opens its session again on the scheduler. */
    static SessionLink journaled(SessionId id, TransportStats stats, DurableSessions durable,
            TranslationScheduler scheduler, byte[] tokenHash, Connection connection) {
        SessionLink link = new SessionLink(id, stats, durable, scheduler, tokenHash.clone());
        link.attached = connection;
        return link;
    }

    SessionId id() {
        return id;
    }

    boolean isJournaled() {
        return durable != null;
    }

    Session session() {
        return session;
    }

    void session(Session opened) {
        lock.lock();
        try {
            this.session = opened;
            this.options = opened.options();
        } finally {
            lock.unlock();
        }
    }

    byte[] tokenHash() {
        return tokenHash.clone();
    }

    // ---- the connection's side ----

    /** A final is about to be submitted: its result will wait for its journal writes. */
    void expectFinal(long seq) {
        if (durable == null) {
            return;
        }
        lock.lock();
        try {
            entries.put(seq, new Entry(seq, true));
        } finally {
            lock.unlock();
        }
    }

    /** The final announced by {@link #expectFinal} was not accepted after all. */
    void cancelFinal(long seq) {
        if (durable == null) {
            return;
        }
        lock.lock();
        try {
            entries.remove(seq);
            flush();
        } finally {
            lock.unlock();
        }
    }

    /** A segment was accepted by the scheduler. */
    void accepted(long seq) {
        lock.lock();
        try {
            lastAccepted = Math.max(lastAccepted, seq);
            submittedHere = Math.max(submittedHere, seq);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Journals an accepted final; the client hears {@code accepted} once the write completes, or {@code
     * unavailable} (send it again) when it fails.
     */
    void journalFinal(long seq, String text) {
        CompletionStage<Void> stage;
        lock.lock();
        try {
            Entry entry = entries.get(seq);
            if (entry != null) {
                entry.acceptCalled = true;
            }
            stage = write(() -> durable.store().accepted(id, new AcceptedFinal(seq, text, durable.clock().instant())));
            if (entry != null && entry.frame != null && !entry.outcomeCalled) {
                journalOutcome(entry);
            }
        } finally {
            lock.unlock();
        }
        stage.whenComplete((v, error) -> acceptedDone(seq, text, error));
    }

    /**
     * A final the client sends again after {@code unavailable}: it is still in the scheduler, so it is journaled
     * again, not submitted again.
     *
     * @return whether it was such a final
     */
    boolean retryJournal(long seq) {
        if (durable == null) {
            return false;
        }
        String text;
        lock.lock();
        try {
            text = notDurable.remove(seq);
        } finally {
            lock.unlock();
        }
        if (text == null) {
            return false;
        }
        journalFinal(seq, text);
        return true;
    }

    private void acceptedDone(long seq, String text, Throwable error) {
        lock.lock();
        try {
            Entry entry = entries.get(seq);
            if (entry != null) {
                entry.acceptedDone = true;
            }
            Connection c = attached;
            if (error == null) {
                if (c != null) {
                    c.send(ServerMessages.accepted(seq));
                }
            } else {
                LOG.log(Level.WARNING, "journaling final " + seq + " of session " + id + " failed: " + error);
                notDurable.put(seq, text);
                if (c != null) {
                    c.refuseNotDurable(seq);
                }
            }
            flush();
        } finally {
            lock.unlock();
        }
    }

    // ---- the scheduler's side: only enqueues ----

    @Override
    public void onTranslation(Translation translation) {
        try {
            TranslationRequest request = translation.request();
            if (!ours(request)) {
                return;
            }
            result(request, ServerMessages.translation(translation), false);
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "delivering a translation to session " + id + " failed", e);
        }
    }

    @Override
    public void onFailure(SegmentFailure failure) {
        try {
            TranslationRequest request = failure.request();
            if (!ours(request)) {
                return;
            }
            if (!request.isFinal() && !REPORTED_PARTIAL_FAILURES.contains(failure.reason())) {
                return;
            }
            if (durable != null && request.isFinal() && failure.reason() == FailureReason.SHUTDOWN) {
                // The node stops, the session does not: the final stays unanswered in the journal and is
                // translated again when the session resumes, here or on another node.
                forgetShutDown(request.sequence());
                return;
            }
            result(request, ServerMessages.failure(failure), true);
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "reporting a failure to session " + id + " failed", e);
        }
    }

    private void result(TranslationRequest request, String json, boolean failure) {
        if (durable == null) {
            Connection c = attached;
            if (request.isFinal()) {
                if (c.answerFinal(request.sequence(), json)) {
                    count(failure);
                }
            } else {
                count(failure);
                c.send(json);
            }
            return;
        }
        lock.lock();
        try {
            if (closed) {
                return;
            }
            long seq = request.sequence();
            Entry entry;
            if (request.isFinal()) {
                entry = entries.get(seq);
                if (entry == null) {
                    // Not announced by this node's connection: a final already journaled, submitted again on resume.
                    entry = new Entry(seq, true);
                    entry.acceptCalled = true;
                    entry.acceptedDone = true;
                    entries.put(seq, entry);
                }
            } else {
                entry = new Entry(seq, false);
                entries.put(seq, entry);
            }
            entry.frame = json;
            entry.failure = failure;
            if (entry.isFinal && entry.acceptCalled && !entry.outcomeCalled) {
                journalOutcome(entry);
            }
            flush();
        } finally {
            lock.unlock();
        }
    }

    private void count(boolean failure) {
        if (failure) {
            stats.error(ErrorCode.FAILED);
        } else {
            stats.translations.increment();
        }
    }

    private void journalOutcome(Entry entry) {
        entry.outcomeCalled = true;
        CompletionStage<Void> stage = write(() -> durable.store().outcome(id,
                new JournaledOutcome(entry.seq, true, entry.frame, durable.clock().instant())));
        stage.whenComplete((v, error) -> {
            if (error != null) {
                // Delivered all the same: after a crash it is translated again and delivered with the same seq.
                LOG.log(Level.WARNING, "journaling the outcome of final " + entry.seq + " of session " + id
                        + " failed: " + error);
            }
            lock.lock();
            try {
                entry.outcomeDone = true;
                if (error == null && entry.seq > trimmedThrough) {
                    journaledOutcomes.addLast(entry.seq);
                    keepWithinLimit();
                }
                flush();
            } finally {
                lock.unlock();
            }
        });
    }

    /**
     * Trims the oldest answered finals once the journal holds a quarter more than its limit, back to the limit:
     * one store write per quarter of the limit, not one per final.
     */
    private void keepWithinLimit() {
        int limit = durable.journalLimit();
        if (journaledOutcomes.size() <= limit + limit / 4) {
            return;
        }
        long through = -1;
        while (journaledOutcomes.size() > limit) {
            through = Math.max(through, journaledOutcomes.pollFirst());
        }
        trimThrough(through);
    }

    private void trimThrough(long through) {
        if (through <= trimmedThrough) {
            return;
        }
        trimmedThrough = through;
        write(() -> {
            durable.store().trim(id, through);
            return CompletableFuture.completedFuture(null);
        });
    }

    /**
     * The client says it received every result up to {@code seq}: the journal forgets those answered finals. A
     * seq beyond what was delivered counts as what was delivered.
     */
    void ack(long seq) {
        if (durable == null) {
            return;
        }
        lock.lock();
        try {
            if (closed) {
                return;
            }
            long through = Math.min(seq, deliveredThrough);
            if (through <= trimmedThrough) {
                return;
            }
            while (!journaledOutcomes.isEmpty() && journaledOutcomes.peekFirst() <= through) {
                journaledOutcomes.pollFirst();
            }
            trimThrough(through);
        } finally {
            lock.unlock();
        }
    }

    private void forgetShutDown(long seq) {
        Connection c;
        lock.lock();
        try {
            entries.remove(seq);
            c = attached;
            flush();
        } finally {
            lock.unlock();
        }
        if (c != null) {
            c.forget(seq);
        }
    }

    /** Delivers what is ready and, when detached, parks the session once it waits for nothing. */
    private void flush() {
        deliverReady();
        parkIfIdle();
    }

    /** Delivers the results that are ready, in seq order, to the attached connection; drops them when detached. */
    private void deliverReady() {
        while (!entries.isEmpty()) {
            Entry first = entries.firstEntry().getValue();
            if (!first.ready()) {
                return;
            }
            entries.pollFirstEntry();
            Connection c = attached;
            if (c == null || first.seq <= replayedThrough) {
                continue;
            }
            if (first.isFinal) {
                deliveredThrough = Math.max(deliveredThrough, first.seq);
                if (c.answerFinal(first.seq, first.frame)) {
                    count(first.failure);
                }
            } else {
                count(first.failure);
                c.send(first.frame);
            }
        }
    }

    /**
     * Closes the scheduler session of a detached link once none of its finals waits for the scheduler: nobody
     * listens, so it should hold no share. Its journal stays; {@link #attach} opens it again.
     */
    private void parkIfIdle() {
        if (attached != null || closed || parked || durable == null) {
            return;
        }
        for (Entry entry : entries.values()) {
            if (entry.isFinal && entry.frame == null) {
                return;
            }
        }
        parked = true;
        Session s = session;
        session = null;
        submittedHere = -1;
        if (s != null) {
            try {
                s.close();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "parking session " + id + " failed", e);
            }
        }
    }

    /** Whether the session is parked: detached, every final answered, closed in the scheduler. */
    boolean isParked() {
        lock.lock();
        try {
            return parked;
        } finally {
            lock.unlock();
        }
    }

    private boolean ours(TranslationRequest request) {
        if (id.equals(request.session())) {
            return true;
        }
        stats.misrouted.increment();
        LOG.log(Level.ERROR, "dropped a result of session " + request.session() + " handed to the listener of session "
                + id + ": results never cross sessions");
        return false;
    }

    // ---- connections come and go (journaled links only) ----

    /**
     * The connection is gone without {@code end}: the session stays open in the scheduler, its results are
     * journaled and not sent.
     *
     * @return whether it was attached to this connection
     */
    boolean detach(Connection connection, long nowNanos) {
        lock.lock();
        try {
            if (attached != connection || closed) {
                return false;
            }
            attached = null;
            detachedAtNanos = nowNanos;
            Instant at = durable.clock().instant();
            detachedAt = at;
            write(() -> {
                durable.store().touch(id, at);
                return CompletableFuture.completedFuture(null);
            });
            parkIfIdle();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Attaches a connection that resumes the session: answers {@code resumed}, replays the journaled outcomes
     * after {@code lastSeq} from the store, then goes on live. Runs on the new connection's reader thread.
     *
     * @param connection the new connection
     * @param lastSeq the last seq the client received
     * @param journal what the store holds (read under the lock when null)
     * @param resubmit whether every unanswered final of the journal is submitted again (the scheduler session is
     *     new here); otherwise only those later than any this scheduler session took
     * @return the connection this one took over from, or null; empty when the session is gone
     */
    Attach attach(Connection connection, long lastSeq, Journal journal, boolean resubmit) {
        lock.lock();
        try {
            if (closed) {
                return Attach.GONE;
            }
            if (parked) {
                // Throws IllegalStateException while the scheduler still holds the old session: try again.
                session = scheduler.open(id, options, this);
                parked = false;
                resubmit = true;
            }
            Connection previous = attached;
            attached = null;
            boolean wasDetached = previous == null;
            deliverReady();
            Journal j = journal;
            if (j == null) {
                j = durable.store().read(id, lastSeq).orElse(null);
                if (j == null) {
                    attached = previous;
                    return Attach.GONE;
                }
            }
            long highest = Math.max(lastAccepted, lastSeq);
            for (JournaledOutcome outcome : j.outcomes()) {
                highest = Math.max(highest, outcome.seq());
            }
            for (AcceptedFinal f : j.unanswered()) {
                highest = Math.max(highest, f.seq());
            }
            lastAccepted = highest;
            connection.send(ServerMessages.resumed(id, highest, j.outcomes().size()));
            journaledOutcomes.clear();
            for (JournaledOutcome outcome : j.outcomes()) {
                connection.send(outcome.frame());
                replayedThrough = Math.max(replayedThrough, outcome.seq());
                deliveredThrough = Math.max(deliveredThrough, outcome.seq());
                journaledOutcomes.addLast(outcome.seq());
            }
            List<Long> owed = new ArrayList<>();
            for (Entry entry : entries.values()) {
                if (entry.isFinal && entry.seq > replayedThrough) {
                    owed.add(entry.seq);
                }
            }
            List<AcceptedFinal> again = new ArrayList<>();
            for (AcceptedFinal f : j.unanswered()) {
                // Finals this scheduler session never saw (accepted before a restart, on another node, or before
                // the session was parked) are submitted again; those it has in hand are not.
                if (f.seq() > replayedThrough && !entries.containsKey(f.seq())
                        && (resubmit || f.seq() > submittedHere)) {
                    Entry entry = new Entry(f.seq(), true);
                    entry.acceptCalled = true;
                    entry.acceptedDone = true;
                    entries.put(f.seq(), entry);
                    owed.add(f.seq());
                    again.add(f);
                }
            }
            connection.owe(owed);
            attached = connection;
            Session s = session;
            for (AcceptedFinal f : again) {
                submittedHere = Math.max(submittedHere, f.seq());
                SubmitOutcome outcome = s.submit(SegmentKind.FINAL, f.seq(), f.text());
                if (outcome.status() != SubmitOutcome.Status.ACCEPTED) {
                    TranslationRequest request = new TranslationRequest(id, SegmentKind.FINAL, f.seq(), f.text(),
                            s.options().sourceLanguage(), s.options().targetLanguage(), 1);
                    onFailure(new SegmentFailure(request, FailureReason.INTERNAL, "the final could not be submitted"
                            + " again after the session resumed: " + outcome.status()));
                }
            }
            if (lastSeq > trimmedThrough) {
                trimmedThrough = lastSeq;
                write(() -> {
                    durable.store().trim(id, lastSeq);
                    return CompletableFuture.completedFuture(null);
                });
            }
            write(() -> {
                durable.store().touch(id, durable.clock().instant());
                return CompletableFuture.completedFuture(null);
            });
            flush();
            return new Attach(true, previous, wasDetached, highest);
        } finally {
            lock.unlock();
        }
    }

    /** The outcome of {@link #attach}. */
    record Attach(boolean ok, Connection previous, boolean wasDetached, long lastSeq) {
        static final Attach GONE = new Attach(false, null, false, -1);
    }

    /** Notes in the store that a connection still carries the session. */
    void touchIfAttached() {
        lock.lock();
        try {
            if (attached != null && !closed) {
                write(() -> {
                    durable.store().touch(id, durable.clock().instant());
                    return CompletableFuture.completedFuture(null);
                });
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Closes the session when it has been detached for the resume window: it is closed in the scheduler and its
     * journal removed, unless the store shows that a connection carried the session since this node last did
     * (it was resumed on another node, which owns the journal now).
     *
     * @return whether it expired now
     */
    boolean expireIfDue(long nowNanos) {
        lock.lock();
        try {
            if (closed || attached != null || nowNanos - detachedAtNanos < durable.resumeWindow().toNanos()) {
                return false;
            }
            closed = true;
            closeQuietly();
            if (!carriedElsewhere()) {
                write(() -> {
                    durable.store().end(id);
                    return CompletableFuture.completedFuture(null);
                });
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Whether the store's last-seen time is another than the one this node wrote when the connection dropped
     * (compared to the millisecond, as stores keep it), so another node touched the session since. A store that
     * cannot answer counts as no: the journal is then ended here, as a single node would.
     */
    private boolean carriedElsewhere() {
        Instant mine = detachedAt;
        if (mine == null) {
            return false;
        }
        try {
            Optional<StoredSession> stored = durable.store().find(id);
            return stored.isPresent() && stored.get().lastSeenAt().toEpochMilli() != mine.toEpochMilli();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "reading session " + id + " from the store failed: " + e);
            return false;
        }
    }

    boolean isDetached() {
        lock.lock();
        try {
            return attached == null && !closed;
        } finally {
            lock.unlock();
        }
    }

    /** The client said {@code end} and its connection is gone: the journal goes. */
    void ended() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            attached = null;
            write(() -> {
                durable.store().end(id);
                return CompletableFuture.completedFuture(null);
            });
        } finally {
            lock.unlock();
        }
    }

    /** The transport stops: the session is closed here and stays in the store, resumable elsewhere. */
    void stop() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            attached = null;
            closeQuietly();
        } finally {
            lock.unlock();
        }
    }

    private void closeQuietly() {
        Session s = session;
        if (s != null) {
            try {
                s.close();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "closing session " + id + " failed", e);
            }
        }
    }

    /** Runs one store write (under the lock); a write that throws becomes a failed stage. */
    private CompletionStage<Void> write(java.util.function.Supplier<CompletionStage<Void>> call) {
        try {
            return call.get();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** A result waiting for delivery. */
    private static final class Entry {
        final long seq;
        final boolean isFinal;
        String frame;
        boolean failure;
        boolean acceptCalled;
        boolean acceptedDone;
        boolean outcomeCalled;
        boolean outcomeDone;

        Entry(long seq, boolean isFinal) {
            this.seq = seq;
            this.isFinal = isFinal;
        }

        boolean ready() {
            return frame != null && (!isFinal || (acceptedDone && outcomeDone));
        }
    }
}
