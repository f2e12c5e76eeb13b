package dev.fairway.app.wiring;

import dev.fairway.api.session.DurableSessions;
import dev.fairway.api.session.SessionStore;

import java.time.Duration;
import java.time.InstantSource;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;

/**
 * The configured session store ({@code fairway.session.store}) with its resume window, or nothing when
 * sessions end with their connection; while open, a daemon thread prunes the sessions whose window passed.
 */
public final class SessionJournal implements AutoCloseable {

    private final String name;
    private final DurableSessions durable;
    private final Thread pruner;
    private volatile boolean open = true;

    private SessionJournal(String name, DurableSessions durable) {
        this.name = name;
        this.durable = durable;
        this.pruner = durable == null ? null
                : Thread.ofPlatform().daemon().name("fairway-session-pruner").start(this::prune);
    }

    /** No store: sessions end with their connection. */
    static SessionJournal none() {
        return new SessionJournal("none", null);
    }

    /**
     * A store, pruned every quarter of the resume window (at most every minute).
     *
     * @param name the store's name
     * @param store the open store, closed with this
     * @param resumeWindow how long a disconnected session stays resumable
     * @param journalLimit how many answered finals a session's journal keeps at most
     * @param clock wall-clock time
     * @return the journal
     */
    static SessionJournal of(String name, SessionStore store, Duration resumeWindow, int journalLimit,
            InstantSource clock) {
        return new SessionJournal(name, new DurableSessions(store, resumeWindow, clock, journalLimit));
    }

    /** The store and its window, for the transport; empty when sessions are not durable. */
    public Optional<DurableSessions> durableSessions() {
        return Optional.ofNullable(durable);
    }

    /**
     * The {@code sessions} section of {@code /status}.
     *
     * @return the store's lines, or {@code store: none}
     */
    public Map<String, Object> status() {
        return durable == null ? Map.of("store", name) : durable.store().status();
    }

    private void prune() {
        long every = Math.min(Duration.ofMinutes(1).toNanos(), Math.max(1, durable.resumeWindow().toNanos() / 4));
        while (open) {
            LockSupport.parkNanos(every);
            if (!open) {
                return;
            }
            try {
                durable.store().prune(durable.clock().instant().minus(durable.resumeWindow()));
            } catch (RuntimeException e) {
                System.getLogger(SessionJournal.class.getName()).log(System.Logger.Level.WARNING,
                        "pruning the session store failed: " + e);
            }
        }
    }

    /** Stops pruning and closes the store (pending writes are flushed). */
    @Override
    public void close() {
        open = false;
        if (pruner != null) {
            LockSupport.unpark(pruner);
        }
        if (durable != null) {
            durable.store().close();
        }
    }
}
