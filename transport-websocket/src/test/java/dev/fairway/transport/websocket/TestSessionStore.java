package dev.fairway.transport.websocket;

import dev.fairway.api.SessionId;
import dev.fairway.api.session.AcceptedFinal;
import dev.fairway.api.session.Journal;
import dev.fairway.api.session.JournaledOutcome;
import dev.fairway.api.session.SessionStore;
import dev.fairway.api.session.StoredSession;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An in-memory {@link SessionStore} for the transport's tests, honest to the SPI's contract (sync: every write
 * is durable when its stage completes). {@link #loseData()} plays a store that started empty (a new epoch);
 * {@link #failAccepted} makes journaling finals fail.
 */
final class TestSessionStore implements SessionStore {

    private final ReentrantLock lock = new ReentrantLock();
    private final Map<SessionId, Record> sessions = new HashMap<>();
    private String epoch = UUID.randomUUID().toString();
    volatile boolean failAccepted;

    private static final class Record {
        StoredSession session;
        final TreeMap<Long, AcceptedFinal> finals = new TreeMap<>();
        final TreeMap<Long, JournaledOutcome> outcomes = new TreeMap<>();

        Record(StoredSession session) {
            this.session = session;
        }
    }

    /** Forgets everything and starts a new epoch, as a store whose data was lost. */
    void loseData() {
        lock.lock();
        try {
            sessions.clear();
            epoch = UUID.randomUUID().toString();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String epoch() {
        lock.lock();
        try {
            return epoch;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void create(StoredSession session) {
        lock.lock();
        try {
            if (sessions.putIfAbsent(session.id(), new Record(session)) != null) {
                throw new IllegalStateException("session " + session.id() + " exists");
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Optional<StoredSession> find(SessionId id) {
        lock.lock();
        try {
            Record r = sessions.get(id);
            return r == null ? Optional.empty() : Optional.of(r.session);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public CompletionStage<Void> accepted(SessionId id, AcceptedFinal accepted) {
        lock.lock();
        try {
            Record r = sessions.get(id);
            if (r == null) {
                return CompletableFuture.failedFuture(new IllegalStateException("unknown session " + id));
            }
            if (failAccepted) {
                return CompletableFuture.failedFuture(new IllegalStateException("the disk is full"));
            }
            r.finals.put(accepted.seq(), accepted);
            return CompletableFuture.completedFuture(null);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public CompletionStage<Void> outcome(SessionId id, JournaledOutcome outcome) {
        lock.lock();
        try {
            Record r = sessions.get(id);
            if (r == null) {
                return CompletableFuture.failedFuture(new IllegalStateException("unknown session " + id));
            }
            r.outcomes.put(outcome.seq(), outcome);
            return CompletableFuture.completedFuture(null);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Optional<Journal> read(SessionId id, long afterSeq) {
        lock.lock();
        try {
            Record r = sessions.get(id);
            if (r == null) {
                return Optional.empty();
            }
            List<AcceptedFinal> unanswered = new ArrayList<>();
            for (AcceptedFinal f : r.finals.values()) {
                JournaledOutcome o = r.outcomes.get(f.seq());
                if (o == null || !o.isFinal()) {
                    unanswered.add(f);
                }
            }
            return Optional.of(new Journal(r.session, List.copyOf(r.outcomes.tailMap(afterSeq, false).values()),
                    unanswered));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void touch(SessionId id, Instant at) {
        lock.lock();
        try {
            Record r = sessions.get(id);
            if (r != null) {
                StoredSession s = r.session;
                r.session = new StoredSession(s.id(), s.options(), s.tokenHash(), s.epoch(), s.createdAt(), at);
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void trim(SessionId id, long throughSeq) {
        lock.lock();
        try {
            Record r = sessions.get(id);
            if (r != null) {
                for (JournaledOutcome o : List.copyOf(r.outcomes.headMap(throughSeq, true).values())) {
                    r.outcomes.remove(o.seq());
                    if (o.isFinal()) {
                        r.finals.remove(o.seq());
                    }
                }
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void end(SessionId id) {
        lock.lock();
        try {
            sessions.remove(id);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int prune(Instant lastSeenBefore) {
        lock.lock();
        try {
            int before = sessions.size();
            sessions.values().removeIf(r -> r.session.lastSeenAt().isBefore(lastSeenBefore));
            return before - sessions.size();
        } finally {
            lock.unlock();
        }
    }

    /** How many outcomes the store holds for a session (0 when unknown). */
    int outcomes(SessionId id) {
        lock.lock();
        try {
            Record r = sessions.get(id);
            return r == null ? 0 : r.outcomes.size();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Map<String, Object> status() {
        lock.lock();
        try {
            return Map.of("store", "test", "sessions", sessions.size());
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
    }
}
