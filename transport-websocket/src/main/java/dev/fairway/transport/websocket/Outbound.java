package dev.fairway.transport.websocket;

import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One connection's bounded queue of frames to send, and its writer. Anyone may offer a frame without
 * blocking (scheduler threads among them); a virtual thread started on demand writes the queue out in
 * order and ends when it is empty, so an idle connection has no writer thread. The lock guards the
 * queue only and is never held while writing.
 */
final class Outbound {

    /** A frame to write. */
    sealed interface Frame {
    }

    /**
     * A text frame.
     *
     * @param json the JSON text
     */
    record Text(String json) implements Frame {
    }

    /**
     * A pong control frame answering a ping.
     *
     * @param payload the ping's payload
     */
    record Pong(byte[] payload) implements Frame {
    }

    /**
     * A close frame: the last frame the queue accepts.
     *
     * @param code the close code
     * @param reason the reason, at most 123 bytes of UTF-8
     */
    record Close(int code, String reason) implements Frame {
    }

    /** What became of an offered frame. */
    enum Offer {
        /** Queued; it will be written. */
        QUEUED,
        /** Not queued: the queue is at its limit. */
        FULL,
        /** Not queued: the connection is closing or gone. */
        SEALED
    }

    /** Writes one frame to the socket; may block while the client does not read. */
    interface Sink {
        /**
         * @param frame the frame
         */
        void write(Frame frame);
    }

    private static final Thread.Builder WRITERS = Thread.ofVirtual().name("fairway-ws-writer");

    private final int limit;
    private final Sink sink;
    private final Runnable onWriteFailure;
    private final ReentrantLock lock = new ReentrantLock();
    private ArrayDeque<Frame> queue;
    private boolean writing;
    private boolean sealed;
    private Thread writer;

    /**
     * @param limit frames that may wait at once
     * @param sink writes a frame
     * @param onWriteFailure called once when a write fails (the connection is broken)
     */
    Outbound(int limit, Sink sink, Runnable onWriteFailure) {
        this.limit = limit;
        this.sink = Objects.requireNonNull(sink, "sink");
        this.onWriteFailure = Objects.requireNonNull(onWriteFailure, "onWriteFailure");
    }

    /**
     * Queues a frame. Never blocks.
     *
     * @param frame the frame
     * @return queued, or why not
     */
    Offer offer(Frame frame) {
        boolean start;
        lock.lock();
        try {
            if (sealed) {
                return Offer.SEALED;
            }
            if (queue == null) {
                queue = new ArrayDeque<>();
            }
            if (queue.size() >= limit) {
                return Offer.FULL;
            }
            queue.addLast(frame);
            start = startWriter();
        } finally {
            lock.unlock();
        }
        if (start) {
            WRITERS.start(this::drain);
        }
        return Offer.QUEUED;
    }

    /**
     * Queues a close frame as the last frame; nothing is accepted after it. Never blocks.
     *
     * @param close the close frame
     * @param dropQueued whether to drop the frames still waiting (the client does not read them anyway)
     * @return false when the queue was already sealed
     */
    boolean close(Close close, boolean dropQueued) {
        boolean start;
        lock.lock();
        try {
            if (sealed) {
                return false;
            }
            sealed = true;
            if (queue == null) {
                queue = new ArrayDeque<>(1);
            }
            if (dropQueued) {
                queue.clear();
            }
            queue.addLast(close);
            start = startWriter();
        } finally {
            lock.unlock();
        }
        if (start) {
            WRITERS.start(this::drain);
        }
        return true;
    }

    /** Drops every waiting frame and accepts no more: the connection is gone. */
    void discard() {
        lock.lock();
        try {
            sealed = true;
            if (queue != null) {
                queue.clear();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Interrupts a writer blocked on a client that does not read, which closes the socket under it. */
    void interruptWriter() {
        lock.lock();
        try {
            if (writer != null) {
                writer.interrupt();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Frames waiting.
     *
     * @return the queue's length
     */
    int size() {
        lock.lock();
        try {
            return queue == null ? 0 : queue.size();
        } finally {
            lock.unlock();
        }
    }

    private boolean startWriter() {
        if (writing) {
            return false;
        }
        writing = true;
        return true;
    }

    private void drain() {
        while (true) {
            Frame frame;
            lock.lock();
            try {
                frame = queue.pollFirst();
                if (frame == null) {
                    writing = false;
                    writer = null;
                    return;
                }
                writer = Thread.currentThread();
            } finally {
                lock.unlock();
            }
            try {
                sink.write(frame);
            } catch (RuntimeException e) {
                lock.lock();
                try {
                    sealed = true;
                    queue.clear();
                    writing = false;
                    writer = null;
                } finally {
                    lock.unlock();
                }
                onWriteFailure.run();
                return;
            }
        }
    }
}
