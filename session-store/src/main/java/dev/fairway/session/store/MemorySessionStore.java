package dev.fairway.session.store;

import dev.fairway.api.SessionId;
import dev.fairway.api.session.AcceptedFinal;
import dev.fairway.api.session.Journal;
import dev.fairway.api.session.JournaledOutcome;
import dev.fairway.api.session.SessionStore;
import dev.fairway.api.session.StoredSession;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The {@code memory} store: one {@link Entry} per session in a concurrent map, each guarded by a lock of its
 * own, so that different sessions never wait for each other.
 */
final class MemorySessionStore implements SessionStore {

    private final String epoch = UUID.randomUUID().toString();
    private final ConcurrentHashMap<SessionId, Entry> sessions = new ConcurrentHashMap<>();

    /** A session's record and journal; {@code removed} once it left the map (ended, pruned, closed). */
    private static final class Entry {
        final ReentrantLock lock = new ReentrantLock();
        final TreeMap<Long, AcceptedFinal> unanswered = new TreeMap<>();
        final TreeMap<Long, JournaledOutcome> outcomes = new TreeMap<>();
        StoredSession record;
        boolean removed;

        Entry(StoredSession record) {
            this.record = record;
        }
    }

    @Override
    public String epoch() {
        return epoch;
    }

    @Override
    public void create(StoredSession session) {
        Objects.requireNonNull(session, "session");
        if (sessions.putIfAbsent(session.id(), new Entry(session)) != null) {
            throw new IllegalStateException("session " + session.id() + " exists");
        }
    }

    @Override
    public Optional<StoredSession> find(SessionId id) {
        Entry entry = sessions.get(id);
        if (entry == null) {
            return Optional.empty();
        }
        entry.lock.lock();
        try {
            return entry.removed ? Optional.empty() : Optional.of(entry.record);
        } finally {
            entry.lock.unlock();
        }
    }

    @Override
    public CompletionStage<Void> accepted(SessionId id, AcceptedFinal accepted) {
        Objects.requireNonNull(accepted, "accepted");
        return write(id, entry -> entry.unanswered.put(accepted.seq(), accepted));
    }

    @Override
    public CompletionStage<Void> outcome(SessionId id, JournaledOutcome outcome) {
        Objects.requireNonNull(outcome, "outcome");
        return write(id, entry -> {
            entry.outcomes.put(outcome.seq(), outcome);
            if (outcome.isFinal()) {
                entry.unanswered.remove(outcome.seq());
            }
        });
    }

    private CompletionStage<Void> write(SessionId id, Consumer<Entry> change) {
        boolean written = withEntry(id, entry -> change.accept(entry));
        return written ? CompletableFuture.completedFuture(null)
                : CompletableFuture.failedFuture(new IllegalStateException("unknown session " + id));
    }

    /** Runs {@code action} under the entry's lock; false when the session is not held. */
    private boolean withEntry(SessionId id, Consumer<Entry> action) {
        Entry entry = sessions.get(id);
        if (entry == null) {
            return false;
        }
        entry.lock.lock();
        try {
            if (entry.removed) {
                return false;
            }
            action.accept(entry);
            return true;
        } finally {
            entry.lock.unlock();
        }
    }

    @Override
    public Optional<Journal> read(SessionId id, long afterSeq) {
        Entry entry = sessions.get(id);
        if (entry == null) {
            return Optional.empty();
        }
        entry.lock.lock();
        try {
            if (entry.removed) {
                return Optional.empty();
            }
            List<JournaledOutcome> later = List.copyOf(entry.outcomes.tailMap(afterSeq, false).values());
            return Optional.of(new Journal(entry.record, later, List.copyOf(entry.unanswered.values())));
        } finally {
            entry.lock.unlock();
        }
    }

    @Override
    public void touch(SessionId id, Instant at) {
        Objects.requireNonNull(at, "at");
        withEntry(id, entry -> {
            StoredSession r = entry.record;
            entry.record = new StoredSession(r.id(), r.options(), r.tokenHash(), r.epoch(), r.createdAt(), at);
        });
    }

    @Override
    public void trim(SessionId id, long throughSeq) {
        // A final's outcome already removed the final it settles: only the outcomes go.
        withEntry(id, entry -> entry.outcomes.headMap(throughSeq, true).clear());
    }

    @Override
    public void end(SessionId id) {
        Entry entry = sessions.remove(id);
        if (entry != null) {
            markRemoved(entry);
        }
    }

    @Override
    public int prune(Instant lastSeenBefore) {
        Objects.requireNonNull(lastSeenBefore, "lastSeenBefore");
        int removed = 0;
        for (Map.Entry<SessionId, Entry> e : sessions.entrySet()) {
            Entry entry = e.getValue();
            entry.lock.lock();
            try {
                if (!entry.removed && entry.record.lastSeenAt().isBefore(lastSeenBefore)
                        && sessions.remove(e.getKey(), entry)) {
                    entry.removed = true;
                    entry.unanswered.clear();
                    entry.outcomes.clear();
                    removed++;
                }
            } finally {
                entry.lock.unlock();
            }
        }
        return removed;
    }

    private static void markRemoved(Entry entry) {
        entry.lock.lock();
        try {
            entry.removed = true;
            entry.unanswered.clear();
            entry.outcomes.clear();
        } finally {
            entry.lock.unlock();
        }
    }

    @Override
    public Map<String, Object> status() {
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("store", MemorySessionStoreFactory.NAME);
        status.put("sessions", sessions.size());
        return status;
    }

    @Override
    public void close() {
        sessions.values().forEach(MemorySessionStore::markRemoved);
        sessions.clear();
    }
}
