package dev.fairway.transport.websocket;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * {@code GET /console/events}: the status document as server-sent events ({@code text/event-stream}), one
 * {@code status} event when a client connects and one per {@link #tick()} after that (the transport ticks once a
 * second), for the operator console and for {@code curl -N}. The document is built and serialized once per tick,
 * whatever the number of streams.
 *
 * <p>Bounded: at most {@code max-event-streams} streams (one more is refused with 503); each stream has at most
 * one event in Jetty's hands, handed over asynchronously, so no thread waits for a client. A tick that finds the
 * previous event still being written skips that stream (the console shows the next one); a stream that has not
 * taken an event for {@link #MAX_STALLED_TICKS} ticks belongs to a client that does not read, and is dropped (its
 * connection aborted). Ended on shutdown with an {@code end} event.
 */
final class StatusEvents {

    /** Where the stream is served. */
    static final String PATH = "/console/events";
    /** Ticks a stream may go without taking an event before it is dropped. */
    static final int MAX_STALLED_TICKS = 5;
    /** How long an EventSource waits before it reconnects, in milliseconds. */
    static final int RETRY_MS = 2000;

    private static final System.Logger LOG = System.getLogger(StatusEvents.class.getName());
    private static final byte[] END = "event: end\ndata: {\"reason\":\"shutdown\"}\n\n".getBytes(StandardCharsets.UTF_8);

    private final int maxStreams;
    private final Supplier<byte[]> document;
    private final Set<Stream> streams = ConcurrentHashMap.newKeySet();
    private final AtomicLong open = new AtomicLong();
    private final LongAdder dropped = new LongAdder();
    private volatile boolean closed;

    /**
     * @param maxStreams streams open at once at most
     * @param document the status document as JSON on one line
     */
    StatusEvents(int maxStreams, Supplier<byte[]> document) {
        this.maxStreams = maxStreams;
        this.document = document;
    }

    /**
     * Opens a stream on this response, and sends it the current document at once; the response stays open until
     * the client goes, is dropped, or {@link #close()}.
     *
     * @param res the response
     * @param callback the request's callback, completed when the stream ends
     * @return false when {@code max-event-streams} streams are open (nothing was written)
     */
    boolean open(Response res, Callback callback) {
        long n;
        do {
            n = open.get();
            if (n >= maxStreams || closed) {
                return false;
            }
        } while (!open.compareAndSet(n, n + 1));
        res.setStatus(200);
        res.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        res.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        // Proxies such as nginx buffer responses unless told not to; an event stream must flow.
        res.getHeaders().put("X-Accel-Buffering", "no");
        Stream stream = new Stream(res, callback);
        streams.add(stream);
        byte[] first = concat(("retry: " + RETRY_MS + "\n").getBytes(StandardCharsets.UTF_8), event(document.get()));
        stream.offer(first);
        if (closed) {
            stream.end();
        }
        return true;
    }

    /** Sends every stream the current document; drops the streams that have not read for too long. */
    void tick() {
        if (streams.isEmpty()) {
            return;
        }
        byte[] event = event(document.get());
        for (Stream stream : List.copyOf(streams)) {
            stream.offer(event);
        }
    }

    /** Ends every stream (an {@code end} event, then the response completes) and refuses new ones. */
    void close() {
        closed = true;
        for (Stream stream : List.copyOf(streams)) {
            stream.end();
        }
    }

    /**
     * Streams open now.
     *
     * @return the count
     */
    long open() {
        return open.get();
    }

    /**
     * Streams dropped because their client did not read.
     *
     * @return the count since start
     */
    long dropped() {
        return dropped.sum();
    }

    private static byte[] event(byte[] json) {
        return concat("event: status\ndata: ".getBytes(StandardCharsets.UTF_8), json, "\n\n".getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] part : parts) {
            length += part.length;
        }
        byte[] all = new byte[length];
        int at = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, all, at, part.length);
            at += part.length;
        }
        return all;
    }

    /** One client's stream: at most one write in flight. */
    private final class Stream {

        private final Response res;
        private final Callback callback;
        /** Guards the fields below; never held while waiting for anything (writes are asynchronous). */
        private final ReentrantLock lock = new ReentrantLock();
        private boolean writing;
        private boolean ending;
        private boolean done;
        private int stalled;

        Stream(Response res, Callback callback) {
            this.res = res;
            this.callback = callback;
        }

        void offer(byte[] event) {
            lock.lock();
            try {
                if (done || ending) {
                    return;
                }
                if (writing) {
                    if (++stalled >= MAX_STALLED_TICKS) {
                        dropped.increment();
                        LOG.log(Level.INFO, "an event stream client read nothing for " + stalled + " ticks: dropped");
                        finish(new java.util.concurrent.TimeoutException("the client does not read the event stream"));
                    }
                    return;
                }
                stalled = 0;
                writing = true;
            } finally {
                lock.unlock();
            }
            res.write(false, ByteBuffer.wrap(event), Callback.from(this::written, this::finish));
        }

        private void written() {
            boolean end;
            lock.lock();
            try {
                writing = false;
                end = ending && !done;
            } finally {
                lock.unlock();
            }
            if (end) {
                writeEnd();
            }
        }

        void end() {
            boolean now;
            lock.lock();
            try {
                if (done || ending) {
                    return;
                }
                ending = true;
                now = !writing;
            } finally {
                lock.unlock();
            }
            if (now) {
                writeEnd();
            }
        }

        private void writeEnd() {
            res.write(true, ByteBuffer.wrap(END), Callback.from(() -> finish(null), this::finish));
        }

        /** The stream is over: its request completes (normally, or failed, which aborts the connection). */
        private void finish(Throwable failure) {
            lock.lock();
            try {
                if (done) {
                    return;
                }
                done = true;
            } finally {
                lock.unlock();
            }
            streams.remove(this);
            open.decrementAndGet();
            if (failure == null) {
                callback.succeeded();
            } else {
                callback.failed(failure);
            }
        }
    }
}
