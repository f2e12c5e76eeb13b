package dev.fairway.transport.websocket;

import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One connection's bounded queue of frames to send. Anyone may offer a frame without blocking (scheduler
 * threads among them). Frames are handed to the socket one at a time, asynchronously: the next one goes
 * when the previous one's write completes, so an idle connection costs no thread and a client that does
 * not read leaves its frames here, where they are counted.
 *
 * <p>Bounds: at most {@code frameLimit} frames wait (the frame being written not counted), and the bytes
 * of the frames that wait or are being written, from the offer until the socket's write completes, stay
 * within {@code byteLimit} for this connection and within the shared {@link OutboundBudget}. A close
 * frame is never refused and never counted. The lock guards the queue only and is never held while
 * writing.
 */
final class Outbound {

    /** A frame to write. */
    sealed interface Frame {
        /**
         * The bytes this frame holds until it is written: its payload.
         *
         * @return the payload's length in bytes
         */
        long bytes();
    }

    /**
     * A text frame.
     *
     * @param json the JSON text
     * @param bytes its length in UTF-8
     */
    record Text(String json, long bytes) implements Frame {
        /**
         * @param json the JSON text
         */
        Text(String json) {
            this(json, Connection.utf8Length(json));
        }
    }

    /**
     * A pong control frame answering a ping.
     *
     * @param payload the ping's payload
     */
    record Pong(byte[] payload) implements Frame {
        @Override
        public long bytes() {
            return payload.length;
        }
    }

    /**
     * A close frame: the last frame the queue accepts.
     *
     * @param code the close code
     * @param reason the reason, at most 123 bytes of UTF-8
     */
    record Close(int code, String reason) implements Frame {
        @Override
        public long bytes() {
            return 0;
        }
    }

    /** What became of an offered frame. */
    enum Offer {
        /** Queued; it will be written. */
        QUEUED,
        /** Not queued: {@code frameLimit} frames wait already. */
        FULL,
        /** Not queued: this connection's bytes would exceed its own budget. */
        OVER_BUDGET,
        /** Not queued: the bytes of all connections would exceed the shared budget. */
        OVER_SHARED_BUDGET,
        /** Not queued: the connection is closing or gone. */
        SEALED
    }

    /** Writes one frame to the socket without blocking, and says when the write is complete. */
    interface Sink {
        /**
         * Starts writing a frame. May complete {@code done} before it returns.
         *
         * @param frame the frame
         * @param done to complete once, when the frame is written or cannot be
         */
        void write(Frame frame, Done done);
    }

    /** The completion of one write. */
    interface Done {
        /** The frame was written. */
        void succeeded();

        /**
         * The frame could not be written: the connection is broken.
         *
         * @param cause why
         */
        void failed(Throwable cause);
    }

    private final int frameLimit;
    private final long byteLimit;
    private final OutboundBudget shared;
    private final Sink sink;
    private final Runnable onWriteFailure;
    private final ReentrantLock lock = new ReentrantLock();
    private ArrayDeque<Frame> queue;
    /** Bytes of the frames queued or being written. */
    private long bytes;
    private boolean writing;
    private boolean sealed;

    /**
     * @param frameLimit frames that may wait at once
     * @param byteLimit bytes that may wait or be in writing at once for this connection
     * @param shared the budget shared by all connections
     * @param sink writes a frame
     * @param onWriteFailure called once when a write fails (the connection is broken)
     */
    Outbound(int frameLimit, long byteLimit, OutboundBudget shared, Sink sink, Runnable onWriteFailure) {
        this.frameLimit = frameLimit;
        this.byteLimit = byteLimit;
        this.shared = Objects.requireNonNull(shared, "shared");
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
            if (queue.size() >= frameLimit) {
                return Offer.FULL;
            }
            long size = frame.bytes();
            if (bytes + size > byteLimit) {
                return Offer.OVER_BUDGET;
            }
            if (!shared.tryReserve(size)) {
                return Offer.OVER_SHARED_BUDGET;
            }
            bytes += size;
            queue.addLast(frame);
            start = startWriting();
        } finally {
            lock.unlock();
        }
        if (start) {
            pump();
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
                dropQueued();
            }
            queue.addLast(close);
            start = startWriting();
        } finally {
            lock.unlock();
        }
        if (start) {
            pump();
        }
        return true;
    }

    /** Drops every waiting frame and accepts no more: the connection is gone. */
    void discard() {
        lock.lock();
        try {
            sealed = true;
            dropQueued();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Frames waiting, the one being written not counted.
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

    /**
     * Bytes waiting or being written.
     *
     * @return the bytes this connection holds for its client
     */
    long bytes() {
        lock.lock();
        try {
            return bytes;
        } finally {
            lock.unlock();
        }
    }

    private void dropQueued() {
        if (queue == null) {
            return;
        }
        long dropped = 0;
        for (Frame f : queue) {
            dropped += f.bytes();
        }
        queue.clear();
        release(dropped);
    }

    /** Under the lock. */
    private void release(long size) {
        if (size > 0) {
            bytes -= size;
            shared.release(size);
        }
    }

    private boolean startWriting() {
        if (writing) {
            return false;
        }
        writing = true;
        return true;
    }

    /**
     * Writes frames until the queue is empty or a write does not complete at once; a write that completes
     * later continues from its callback. Never two writes at once; no recursion when writes complete at once.
     */
    private void pump() {
        while (true) {
            Frame frame;
            lock.lock();
            try {
                frame = queue == null ? null : queue.pollFirst();
                if (frame == null) {
                    writing = false;
                    return;
                }
            } finally {
                lock.unlock();
            }
            Write write = new Write(frame);
            try {
                sink.write(frame, write);
            } catch (RuntimeException e) {
                write.failed(e);
            }
            if (write.handOver.compareAndSet(false, true)) {
                return;                                  // still being written: its completion goes on
            }
            if (write.broken) {
                return;
            }
        }
    }

    private void completed(Frame frame) {
        lock.lock();
        try {
            release(frame.bytes());
        } finally {
            lock.unlock();
        }
    }

    private void broken(Frame frame) {
        lock.lock();
        try {
            release(frame.bytes());
            sealed = true;
            dropQueued();
            writing = false;
        } finally {
            lock.unlock();
        }
        onWriteFailure.run();
    }

    /** One frame's write: whichever of the writer and the completion comes second goes on pumping. */
    private final class Write implements Done {
        private final Frame frame;
        private final AtomicBoolean done = new AtomicBoolean();
        final AtomicBoolean handOver = new AtomicBoolean();
        volatile boolean broken;

        Write(Frame frame) {
            this.frame = frame;
        }

        @Override
        public void succeeded() {
            if (!done.compareAndSet(false, true)) {
                return;
            }
            completed(frame);
            if (!handOver.compareAndSet(false, true)) {
                pump();                                  // the writer returned already
            }
        }

        @Override
        public void failed(Throwable cause) {
            if (!done.compareAndSet(false, true)) {
                return;
            }
            broken = true;
            broken(frame);
            handOver.compareAndSet(false, true);
        }
    }
}
