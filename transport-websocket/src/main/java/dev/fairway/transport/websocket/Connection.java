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
import io.helidon.common.buffers.BufferData;
import io.helidon.websocket.WsCloseCodes;
import io.helidon.websocket.WsListener;
import io.helidon.websocket.WsSession;

import java.lang.System.Logger.Level;
import java.util.EnumSet;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One WebSocket connection and its session.
 *
 * <p>Threads: Helidon calls the {@link WsListener} methods on the connection's own virtual thread (the
 * reader), one at a time; the fields marked "reader only" are touched by it alone. The scheduler calls
 * the {@link SessionListener} on its threads; those callbacks only enqueue frames on the bounded
 * {@link Outbound}, and never block. A watcher virtual thread notices the end of the reader thread,
 * because Helidon does not tell a listener about a connection that dropped without a close frame.
 */
final class Connection implements WsListener {

    private static final System.Logger LOG = System.getLogger(Connection.class.getName());
    private static final Thread.Builder WATCHERS = Thread.ofVirtual().name("fairway-ws-watch");
    /** Failed partials the client hears of; superseded, stale and shut-down partials end silently. */
    private static final Set<FailureReason> REPORTED_PARTIAL_FAILURES = EnumSet.of(
            FailureReason.RETRIES_EXHAUSTED, FailureReason.PERMANENT_PROVIDER_ERROR, FailureReason.INTERNAL);

    private final WebSocketTransport transport;
    private final Settings settings;
    private final TransportStats stats;
    private final ClientMessageParser parser;
    private final TokenBucket bucket;
    private final Outbound out;
    private final SessionListener sessionListener = new Listener();
    private final CountDownLatch gone = new CountDownLatch(1);
    private final AtomicBoolean finished = new AtomicBoolean();
    private final AtomicBoolean sessionClosed = new AtomicBoolean();
    private final AtomicInteger pendingFinals = new AtomicInteger();
    private final AtomicReference<Outbound.Close> drain = new AtomicReference<>();

    private volatile WsSession ws;
    private volatile Thread reader;
    private volatile Session session;
    private volatile SessionId sessionId;

    // Reader only.
    private long lastSeq = -1;
    private StringBuilder fragments;
    private long fragmentBytes;
    private boolean ended;
    private boolean throttled;

    Connection(WebSocketTransport transport, Settings settings, TransportStats stats, ClientMessageParser parser,
            TokenBucket bucket) {
        this.transport = transport;
        this.settings = settings;
        this.stats = stats;
        this.parser = parser;
        this.bucket = bucket;
        this.out = new Outbound(settings.outboundQueueLimit(), this::write, this::abort);
    }

    // ---- WebSocket side (reader thread) ----

    @Override
    public void onOpen(WsSession wsSession) {
        this.ws = wsSession;
        Thread self = Thread.currentThread();
        this.reader = self;
        WATCHERS.start(() -> {
            try {
                self.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                ended();
            }
        });
        if (!transport.register(this)) {
            beginClose(WsCloseCodes.GOING_AWAY, "server shutting down", false);
        }
    }

    @Override
    public void onMessage(WsSession wsSession, String text, boolean last) {
        long bytes = utf8Length(text);
        if (fragments != null || !last) {
            if (fragments == null) {
                fragments = new StringBuilder();
                fragmentBytes = 0;
            }
            fragmentBytes += bytes;
            if (fragmentBytes <= settings.maxFrameBytes()) {
                fragments.append(text);
            } else if (fragments.length() > 0) {
                // Keep counting, stop keeping: the message will be refused whole.
                fragments.setLength(0);
                fragments.trimToSize();
            }
            if (!last) {
                return;
            }
            String whole = fragments.toString();
            bytes = fragmentBytes;
            fragments = null;
            if (bytes > settings.maxFrameBytes()) {
                handle(tooLarge(bytes));
                return;
            }
            handle(parser.parse(whole));
            return;
        }
        handle(bytes > settings.maxFrameBytes() ? tooLarge(bytes) : parser.parse(text));
    }

    @Override
    public void onMessage(WsSession wsSession, BufferData buffer, boolean last) {
        if (last) {
            handle(ClientMessage.Invalid.of(ErrorCode.BINARY_NOT_SUPPORTED,
                    "binary frames are not supported: send JSON in text frames"));
        }
    }

    @Override
    public void onPing(WsSession wsSession, BufferData buffer) {
        stats.messagesIn.increment();
        byte[] payload = new byte[buffer.available()];
        buffer.read(payload);
        if (bucket.tryTake()) {
            offer(new Outbound.Pong(payload));
        }
    }

    @Override
    public void onClose(WsSession wsSession, int status, String reason) {
        ended();
    }

    @Override
    public void onError(WsSession wsSession, Throwable t) {
        LOG.log(Level.DEBUG, () -> "connection of session " + sessionId + " failed: " + t);
        ended();
    }

    private ClientMessage.Invalid tooLarge(long bytes) {
        return ClientMessage.Invalid.of(ErrorCode.FRAME_TOO_LARGE, "a message of " + bytes
                + " bytes is larger than the limit of " + settings.maxFrameBytes() + " bytes");
    }

    private void handle(ClientMessage message) {
        stats.messagesIn.increment();
        if (message instanceof ClientMessage.End) {
            end();
            return;
        }
        if (!bucket.tryTake()) {
            rateLimited(message);
            return;
        }
        throttled = false;
        if (ended) {
            refuse(ErrorCode.ENDED, "the session has ended: the connection closes once accepted finals are answered",
                    seqOf(message));
            return;
        }
        switch (message) {
            case ClientMessage.Invalid invalid -> refuse(invalid.code(), invalid.message(), invalid.seq());
            case ClientMessage.Start start -> start(start);
            case ClientMessage.Segment segment -> segment(segment);
            case ClientMessage.Ping ping -> send(ServerMessages.pong(ping.id()));
            case ClientMessage.End end -> end();
        }
    }

    private void rateLimited(ClientMessage message) {
        stats.rateLimitedDropped.increment();
        boolean isFinal = message instanceof ClientMessage.Segment s && s.kind() == SegmentKind.FINAL;
        // A refused final always gets its own answer (the client must send it again); anything else is
        // answered once per episode, so that a flood does not turn into a flood of error frames.
        if (isFinal) {
            refuse(ErrorCode.RATE_LIMITED, "final not accepted: more than " + settings.maxMessagesPerSecond()
                    + " messages a second; send it again after a pause", seqOf(message));
        } else if (!throttled) {
            refuse(ErrorCode.RATE_LIMITED, "more than " + settings.maxMessagesPerSecond() + " messages a second:"
                    + " messages are dropped until the rate falls (a dropped partial is superseded by the next one)",
                    seqOf(message));
        }
        throttled = true;
    }

    private void start(ClientMessage.Start start) {
        Session current = session;
        if (current != null) {
            refuse(ErrorCode.ALREADY_STARTED, "session " + current.id()
                    + " is already started on this connection: open another connection for another session",
                    OptionalLong.empty());
            return;
        }
        if (!transport.accepting()) {
            refuse(ErrorCode.SHUTTING_DOWN, "the server is shutting down and opens no new sessions",
                    OptionalLong.empty());
            return;
        }
        SessionOptions options;
        try {
            options = new SessionOptions(start.source(), start.target(), start.weight(), start.label());
        } catch (IllegalArgumentException e) {
            refuse(ErrorCode.BAD_VALUE, e.getMessage(), OptionalLong.empty());
            return;
        }
        Session opened;
        try {
            opened = transport.scheduler().open(options, sessionListener);
        } catch (IllegalStateException e) {
            refuse(ErrorCode.UNAVAILABLE, "the scheduler opens no session: " + e.getMessage(), OptionalLong.empty());
            return;
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "opening a session failed", e);
            refuse(ErrorCode.INTERNAL, "opening the session failed", OptionalLong.empty());
            return;
        }
        sessionId = opened.id();
        session = opened;
        stats.sessionsOpen.incrementAndGet();
        stats.sessionsTotal.increment();
        if (finished.get()) {
            closeSession();
            return;
        }
        send(ServerMessages.ready(opened.id()));
    }

    private void segment(ClientMessage.Segment segment) {
        OptionalLong seq = OptionalLong.of(segment.seq());
        Session current = session;
        if (current == null) {
            refuse(ErrorCode.NOT_STARTED, "send start before any partial or final", seq);
            return;
        }
        if (!transport.accepting()) {
            refuse(ErrorCode.SHUTTING_DOWN, "the server is shutting down: this segment was not accepted", seq);
            return;
        }
        if (segment.seq() <= lastSeq) {
            refuse(ErrorCode.OUT_OF_ORDER, (segment.seq() == lastSeq ? "seq " + segment.seq() + " was already sent"
                    : "seq " + segment.seq() + " is older than " + lastSeq)
                    + ": each segment needs a seq greater than the last accepted one", seq);
            return;
        }
        boolean isFinal = segment.kind() == SegmentKind.FINAL;
        if (isFinal) {
            // Counted before submit: the translation may arrive before submit returns.
            pendingFinals.incrementAndGet();
        }
        SubmitOutcome outcome;
        try {
            outcome = current.submit(segment.kind(), segment.seq(), segment.text());
        } catch (IllegalArgumentException e) {
            settleIf(isFinal);
            refuse(ErrorCode.BAD_VALUE, e.getMessage(), seq);
            return;
        } catch (RuntimeException e) {
            settleIf(isFinal);
            LOG.log(Level.ERROR, "submitting to session " + sessionId + " failed", e);
            refuse(ErrorCode.INTERNAL, "the segment could not be submitted", seq);
            return;
        }
        switch (outcome.status()) {
            case ACCEPTED -> {
                lastSeq = segment.seq();
                (isFinal ? stats.finalsAccepted : stats.partialsAccepted).increment();
            }
            case BACKPRESSURE -> {
                settleIf(isFinal);
                stats.backpressure.increment();
                send(ServerMessages.backpressure(segment.seq(), outcome.message().isEmpty()
                        ? "the session's backlog is full: not accepted, send it again later" : outcome.message()));
            }
            case OUT_OF_ORDER -> {
                settleIf(isFinal);
                refuse(ErrorCode.OUT_OF_ORDER, outcome.message().isEmpty()
                        ? "seq " + segment.seq() + " is not greater than one already submitted" : outcome.message(), seq);
            }
            case CLOSED -> {
                settleIf(isFinal);
                refuse(ErrorCode.SESSION_CLOSED, outcome.message().isEmpty()
                        ? "the session is closed" : outcome.message(), seq);
            }
        }
    }

    private void end() {
        if (ended) {
            return;
        }
        ended = true;
        closeSession();
        drain(WsCloseCodes.NORMAL_CLOSE, "session ended");
    }

    private static OptionalLong seqOf(ClientMessage message) {
        return switch (message) {
            case ClientMessage.Segment s -> OptionalLong.of(s.seq());
            case ClientMessage.Invalid i -> i.seq();
            default -> OptionalLong.empty();
        };
    }

    // ---- shared ----

    /**
     * Closes the connection once every accepted final is answered (at once when none is pending).
     *
     * @param code the close code
     * @param reason the close reason
     */
    void drain(int code, String reason) {
        drain.compareAndSet(null, new Outbound.Close(code, reason));
        if (pendingFinals.get() == 0) {
            Outbound.Close close = drain.get();
            beginClose(close.code(), close.reason(), false);
        }
    }

    /**
     * Tells the client the server is shutting down, then closes with 1001 once its accepted finals are answered.
     *
     * @param notice the {@code closing} frame
     */
    void shutdown(String notice) {
        send(notice);
        drain(WsCloseCodes.GOING_AWAY, "server shutting down");
    }

    /** Cuts the connection at once: interrupts the reader (which closes the socket) and the writer. */
    void abort() {
        Thread r = reader;
        if (r != null) {
            r.interrupt();
        }
        out.interruptWriter();
    }

    /** The connection is gone: releases the session and forgets the connection. Idempotent. */
    void ended() {
        if (!finished.compareAndSet(false, true)) {
            return;
        }
        out.discard();
        stats.connectionsOpen.decrementAndGet();
        transport.unregister(this);
        closeSession();
        gone.countDown();
    }

    private void closeSession() {
        Session current = session;
        if (current != null && sessionClosed.compareAndSet(false, true)) {
            stats.sessionsOpen.decrementAndGet();
            try {
                current.close();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "closing session " + current.id() + " failed", e);
            }
        }
    }

    private void settleIf(boolean isFinal) {
        if (isFinal) {
            finalSettled();
        }
    }

    private void finalSettled() {
        if (pendingFinals.decrementAndGet() == 0) {
            Outbound.Close close = drain.get();
            if (close != null) {
                beginClose(close.code(), close.reason(), false);
            }
        }
    }

    private void refuse(ErrorCode code, String message, OptionalLong seq) {
        stats.error(code);
        send(ServerMessages.error(code, message, seq));
    }

    private void send(String json) {
        offer(new Outbound.Text(json));
    }

    private void offer(Outbound.Frame frame) {
        if (out.offer(frame) == Outbound.Offer.FULL) {
            stats.closedSlowClients.increment();
            LOG.log(Level.DEBUG, () -> "closing the connection of session " + sessionId + ": "
                    + settings.outboundQueueLimit() + " frames wait for a client that does not read");
            beginClose(WsCloseCodes.VIOLATED_POLICY, "outbound queue full: the client reads too slowly", true);
        }
    }

    /**
     * Queues the close frame, then gives the client {@code close-timeout} to answer it before the socket is cut.
     */
    private void beginClose(int code, String reason, boolean dropQueued) {
        if (!out.close(new Outbound.Close(code, reason), dropQueued)) {
            return;
        }
        stats.closedByServer.increment();
        WATCHERS.start(() -> {
            if (dropQueued) {
                // A client cut off for not reading gives its share of the provider to the others at once. Not
                // closed on the caller's thread, which may be the scheduler's, inside a listener callback.
                closeSession();
            }
            try {
                if (!gone.await(settings.closeTimeout().toNanos(), TimeUnit.NANOSECONDS)) {
                    abort();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    /** Writes one frame; runs on the writer thread. */
    private void write(Outbound.Frame frame) {
        WsSession session = ws;
        switch (frame) {
            case Outbound.Text text -> {
                session.send(text.json(), true);
                stats.messagesOut.increment();
            }
            case Outbound.Pong pong -> session.pong(BufferData.create(pong.payload()));
            case Outbound.Close close -> session.close(close.code(), close.reason());
        }
    }

    static long utf8Length(String text) {
        long bytes = 0;
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    /** The scheduler's side: only enqueues. */
    private final class Listener implements SessionListener {

        @Override
        public void onTranslation(Translation translation) {
            try {
                if (!ours(translation.request())) {
                    return;
                }
                stats.translations.increment();
                send(ServerMessages.translation(translation));
                if (translation.request().isFinal()) {
                    finalSettled();
                }
            } catch (RuntimeException e) {
                LOG.log(Level.ERROR, "delivering a translation to session " + sessionId + " failed", e);
            }
        }

        @Override
        public void onFailure(SegmentFailure failure) {
            try {
                if (!ours(failure.request())) {
                    return;
                }
                boolean isFinal = failure.request().isFinal();
                if (isFinal || REPORTED_PARTIAL_FAILURES.contains(failure.reason())) {
                    stats.error(ErrorCode.FAILED);
                    send(ServerMessages.failure(failure));
                }
                if (isFinal) {
                    finalSettled();
                }
            } catch (RuntimeException e) {
                LOG.log(Level.ERROR, "reporting a failure to session " + sessionId + " failed", e);
            }
        }

        private boolean ours(TranslationRequest request) {
            SessionId id = sessionId;
            if (id != null && id.equals(request.session())) {
                return true;
            }
            stats.misrouted.increment();
            LOG.log(Level.ERROR, "dropped a result of session " + request.session() + " handed to the listener of session "
                    + id + ": results never cross sessions");
            return false;
        }
    }
}
