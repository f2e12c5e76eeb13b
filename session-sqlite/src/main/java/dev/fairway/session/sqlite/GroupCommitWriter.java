package dev.fairway.session.sqlite;

import dev.fairway.api.SessionId;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Group commit: one writer thread takes the first pending write, gathers those that arrive within the
 * interval, commits them in one transaction and completes their stages. A platform thread, because the
 * driver's native calls would pin a virtual thread's carrier anyway; the stages are completed on a new
 * virtual thread, so that what callers chain on them never delays the next commit.
 */
final class GroupCommitWriter {

    private record Pending(SessionId id, SqliteSessionStore.JournalWrite write, CompletableFuture<Void> done) {
    }

    /** Tells the thread to commit what it has and stop. */
    private static final Pending STOP = new Pending(null, null, null);

    private final SqliteSessionStore store;
    private final long intervalNanos;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final ReentrantLock submitLock = new ReentrantLock();
    private final Thread thread;
    private boolean closed;

    GroupCommitWriter(SqliteSessionStore store, Duration interval) {
        this.store = store;
        this.intervalNanos = interval.toNanos();
        this.thread = Thread.ofPlatform().daemon().name("fairway-session-sqlite-writer").start(this::run);
    }

    CompletionStage<Void> submit(SessionId id, SqliteSessionStore.JournalWrite write) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        submitLock.lock();
        try {
            if (closed) {
                return CompletableFuture.failedFuture(new IllegalStateException("the session store is closed"));
            }
            queue.add(new Pending(id, write, done));
        } finally {
            submitLock.unlock();
        }
        return done;
    }

    private void run() {
        boolean stop = false;
        List<Pending> batch = new ArrayList<>();
        while (!stop) {
            try {
                Pending first = queue.take();
                if (first == STOP) {
                    break;
                }
                batch.add(first);
                long deadline = System.nanoTime() + intervalNanos;
                for (long left = intervalNanos; left > 0; left = deadline - System.nanoTime()) {
                    Pending next = queue.poll(left, TimeUnit.NANOSECONDS);
                    if (next == null) {
                        break;
                    }
                    if (next == STOP) {
                        stop = true;
                        break;
                    }
                    batch.add(next);
                }
            } catch (InterruptedException e) {
                // Only close() may stop the writer: it sends STOP instead of interrupting.
                Thread.currentThread().interrupt();
                stop = true;
            }
            commit(batch);
            batch = new ArrayList<>();
        }
        // close() refuses new writes before it sends STOP: what is still queued arrived before it.
        List<Pending> rest = new ArrayList<>();
        queue.drainTo(rest);
        rest.remove(STOP);
        commit(rest);
    }

    private void commit(List<Pending> batch) {
        if (batch.isEmpty()) {
            return;
        }
        boolean[] written;
        SQLException failure = null;
        try {
            written = store.commitBatch(batch.stream().map(Pending::write).toList());
        } catch (SQLException e) {
            written = null;
            failure = e;
        }
        boolean[] result = written;
        SQLException error = failure;
        Thread.ofVirtual().name("fairway-session-sqlite-complete").start(() -> {
            for (int i = 0; i < batch.size(); i++) {
                Pending pending = batch.get(i);
                if (error != null) {
                    pending.done().completeExceptionally(
                            new SqliteSessionStoreException("cannot journal for " + pending.id(), error));
                } else if (result[i]) {
                    pending.done().complete(null);
                } else {
                    pending.done().completeExceptionally(SqliteSessionStore.unknown(pending.id()));
                }
            }
        });
    }

    /** Refuses new writes, commits those queued, and waits for the thread to end. */
    void close() {
        submitLock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            queue.add(STOP);
        } finally {
            submitLock.unlock();
        }
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
