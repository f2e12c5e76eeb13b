package dev.fairway.transport.websocket;

import dev.fairway.api.FailureReason;
import dev.fairway.api.SegmentKind;
import dev.fairway.api.Session;
import dev.fairway.api.SessionId;
import dev.fairway.api.SessionListener;
import dev.fairway.api.SessionOptions;
import dev.fairway.api.session.DurableSessions;
import dev.fairway.api.session.StoredSession;
import dev.fairway.api.SubmitOutcome;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import org.eclipse.jetty.websocket.api.Callback;

import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One WebSocket connection and its session.
 *
 * <p>Threads: Jetty calls the {@link JettyEndpoint}'s methods, which forward here, one at a time (each after
 * the previous one returned), on virtual threads; the fields marked "reader only" are
 * touched by them alone. The scheduler calls the session's {@link SessionLink} on its threads; it only
 * enqueues frames on the bounded {@link Outbound}, and never blocks.
 *
 * <p>Answers to finals: every accepted final is answered exactly once. Its {@code seq} is recorded before it
 * is submitted; a translation or failure is sent only by whoever removes the {@code seq} from that record,
 * under a lock that also orders it before any close frame. When the shutdown grace runs out,
 * {@link #expire()} answers those still recorded with {@code failed} (reason {@code shutdown}) and closes
 * with 1001; a translation arriving later finds its {@code seq} gone and is dropped.
 *
 * <p>Trace context: the session's is the {@code start} message's {@code traceparent}, else the handshake's; a
 * segment's own wins over it. It is current around the scheduler's {@code submit}, so the segment's span is its
 * child; the span of the session's start is current around {@code open}, so the segments' spans link to it.
 */
final class Connection {

    private static final System.Logger LOG = System.getLogger(Connection.class.getName());
    private static final Thread.Builder WATCHERS = Thread.ofVirtual().name("fairway-ws-close");
    /** RFC 6455 close codes used here. */
    static final int NORMAL_CLOSE = 1000;
    static final int GOING_AWAY = 1001;
    static final int POLICY_VIOLATION = 1008;
    static final int TRY_AGAIN_LATER = 1013;

    private final WebSocketTransport transport;
    private final Settings settings;
    private final TransportStats stats;
    private final ClientMessageParser parser;
    private final TokenBucket bucket;
    private final Outbound out;
    private final TracePropagation tracing;
    /** The trace context of the upgrade request's headers. */
    private final TraceHeaders handshake;
    private final CountDownLatch gone = new CountDownLatch(1);
    private final AtomicBoolean finished = new AtomicBoolean();
    private final AtomicBoolean sessionClosed = new AtomicBoolean();
    private final AtomicReference<Outbound.Close> drain = new AtomicReference<>();
    /** Guards {@link #unanswered}; offers of final answers and the close after them happen under it. */
    private final ReentrantLock answers = new ReentrantLock();
    /** Accepted (or being submitted) finals not answered yet, by seq. */
    private final TreeSet<Long> unanswered = new TreeSet<>();

    private volatile org.eclipse.jetty.websocket.api.Session ws;
    private volatile Session session;
    private volatile SessionId sessionId;
    /** The session's listener; journaled when the session is durable. */
    private volatile SessionLink link;
    /** The client said {@code end}: a durable session's journal goes with the connection. */
    private volatile boolean endRequested;

    // Reader only.
    private long lastSeq = -1;
    private StringBuilder fragments;
    private long fragmentBytes;
    private boolean ended;
    private boolean throttled;
    private int version = ClientMessageParser.VERSION;
    /** The session's trace context, the parent of its segments' spans; null for none. */
    private Context traceContext;

    Connection(WebSocketTransport transport, Settings settings, TransportStats stats, ClientMessageParser parser,
            TokenBucket bucket, OutboundBudget budget, TracePropagation tracing, TraceHeaders handshake) {
        this.transport = transport;
        this.settings = settings;
        this.stats = stats;
        this.parser = parser;
        this.bucket = bucket;
        this.tracing = tracing;
        this.handshake = handshake;
        this.out = new Outbound(settings.outboundQueueLimit(), settings.outboundMaxBytes(), budget, this::write,
                this::abort);
    }

    // ---- WebSocket side (Jetty's calls, one at a time) ----

    void onWebSocketOpen(org.eclipse.jetty.websocket.api.Session wsSession) {
        this.ws = wsSession;
        if (!transport.register(this)) {
            beginClose(GOING_AWAY, "server shutting down", false);
        }
    }

    void onWebSocketPartialText(String text, boolean last) {
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

    void onWebSocketPartialBinary(ByteBuffer payload, boolean last, Callback callback) {
        callback.succeed();
        if (last) {
            handle(ClientMessage.Invalid.of(ErrorCode.BINARY_NOT_SUPPORTED,
                    "binary frames are not supported: send JSON in text frames"));
        }
    }

    void onWebSocketPing(ByteBuffer payload) {
        stats.messagesIn.increment();
        byte[] bytes = new byte[payload.remaining()];
        payload.get(bytes);
        if (bucket.tryTake()) {
            offer(new Outbound.Pong(bytes));
        }
    }

    void onWebSocketClose(int status, String reason) {
        ended();
    }

    void onWebSocketError(Throwable t) {
        // Jetty has closed (or is closing) the connection with the matching code (1002, 1007, 1009, ...).
        LOG.log(Level.DEBUG, () -> "connection of session " + sessionId + " failed: " + t);
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
            case ClientMessage.Resume resume -> resume(resume);
            case ClientMessage.Segment segment -> segment(segment);
            case ClientMessage.Ack ack -> ack(ack);
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
        SessionId id = SessionId.random();
        Context client = tracing.extract(start.trace());
        if (client == null) {
            client = tracing.extract(handshake);
        }
        Span span = tracing.startSession(TracePropagation.SESSION_START_SPAN, client, start.version());
        TracePropagation.session(span, id);
        try {
            start(start, options, id, client, span);
        } finally {
            span.end();
        }
    }

    /** {@code start} once its options are valid, under the span of the session's start. */
    private void start(ClientMessage.Start start, SessionOptions options, SessionId id, Context client, Span span) {
        DurableSessions durable = start.version() >= ClientMessageParser.VERSION_2
                ? transport.durableSessions().orElse(null) : null;
        String token = null;
        SessionLink opening;
        if (durable != null) {
            token = ResumeTokens.mint(durable.store().epoch());
            opening = SessionLink.journaled(id, stats, durable, transport.scheduler(), ResumeTokens.hash(token), this);
        } else {
            opening = SessionLink.direct(id, stats, this);
        }
        Session opened;
        try (Scope ignored = tracing.enter(client, span)) {
            opened = transport.scheduler().open(id, options, opening);
        } catch (IllegalStateException e) {
            refuseOpen(span, ErrorCode.UNAVAILABLE, "the scheduler opens no session: " + e.getMessage());
            return;
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "opening a session failed", e);
            refuseOpen(span, ErrorCode.INTERNAL, "opening the session failed");
            return;
        }
        if (durable != null) {
            try {
                Instant now = durable.clock().instant();
                durable.store().create(new StoredSession(id, options, opening.tokenHash(),
                        ResumeTokens.epochOf(token), now, now));
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "the session store could not record a new session", e);
                opened.close();
                refuseOpen(span, ErrorCode.UNAVAILABLE, "the session store is unavailable: " + e.getMessage());
                return;
            }
        }
        opening.session(opened);
        version = start.version();
        traceContext = client;
        sessionId = id;
        session = opened;
        link = opening;
        stats.sessionsOpen.incrementAndGet();
        stats.sessionsTotal.increment();
        if (durable != null) {
            transport.adopt(opening);
        }
        if (finished.get()) {
            endRequested = true;
            closeSession();
            finishLink();
            return;
        }
        send(ServerMessages.ready(start.version(), id, token, durable == null ? null : durable.resumeWindow()));
    }

    private void refuseOpen(Span span, ErrorCode code, String message) {
        TracePropagation.failed(span, code, message);
        refuse(code, message, OptionalLong.empty());
    }

    private void resume(ClientMessage.Resume resume) {
        if (session != null) {
            refuse(ErrorCode.ALREADY_STARTED, "session " + sessionId + " is already carried by this connection",
                    OptionalLong.empty());
            return;
        }
        if (!transport.accepting()) {
            refuse(ErrorCode.SHUTTING_DOWN, "the server is shutting down and resumes no session", OptionalLong.empty());
            return;
        }
        Context client = tracing.extract(handshake);
        Span span = tracing.startSession(TracePropagation.SESSION_RESUME_SPAN, client, ClientMessageParser.VERSION_2);
        try (Scope ignored = tracing.enter(client, span)) {
            resume(resume, client, span);
        } finally {
            span.end();
        }
    }

    /** {@code resume} under the span of the session's resume (current when the scheduler opens it again). */
    private void resume(ClientMessage.Resume resume, Context client, Span span) {
        WebSocketTransport.Resumed resumed = transport.resume(this, resume);
        switch (resumed) {
            case WebSocketTransport.Resumed.Refused refused -> {
                TracePropagation.failed(span, ErrorCode.RESUME_REFUSED, refused.reason());
                stats.error(ErrorCode.RESUME_REFUSED);
                send(ServerMessages.resumeRefused(refused.reason(), refused.message()));
                beginClose(POLICY_VIOLATION, "resume refused", false);
            }
            case WebSocketTransport.Resumed.Unavailable unavailable -> {
                TracePropagation.failed(span, ErrorCode.UNAVAILABLE, unavailable.message());
                refuse(ErrorCode.UNAVAILABLE, unavailable.message(), OptionalLong.empty());
            }
            case WebSocketTransport.Resumed.Attached attached -> {
                version = ClientMessageParser.VERSION_2;
                lastSeq = attached.lastSeq();
                SessionLink l = attached.link();
                TracePropagation.session(span, l.id());
                traceContext = client;
                sessionId = l.id();
                session = l.session();
                link = l;
                stats.sessionsOpen.incrementAndGet();
                if (finished.get()) {
                    ended();
                }
            }
        }
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
        boolean isFinal = segment.kind() == SegmentKind.FINAL;
        SessionLink l = link;
        if (isFinal && l.retryJournal(segment.seq())) {
            // Sent again after 'unavailable': it is in the scheduler already, only its journal write is repeated.
            return;
        }
        if (segment.seq() <= lastSeq) {
            refuse(ErrorCode.OUT_OF_ORDER, (segment.seq() == lastSeq ? "seq " + segment.seq() + " was already sent"
                    : "seq " + segment.seq() + " is older than " + lastSeq)
                    + ": each segment needs a seq greater than the last accepted one", seq);
            return;
        }
        if (isFinal) {
            // Recorded before submit: the translation may arrive before submit returns.
            record(segment.seq());
            l.expectFinal(segment.seq());
        }
        Context own = tracing.extract(segment.trace());
        SubmitOutcome outcome;
        try (Scope ignored = TracePropagation.enter(own != null ? own : traceContext)) {
            outcome = current.submit(segment.kind(), segment.seq(), segment.text());
        } catch (IllegalArgumentException e) {
            notAccepted(l, isFinal, segment.seq());
            refuse(ErrorCode.BAD_VALUE, e.getMessage(), seq);
            return;
        } catch (RuntimeException e) {
            notAccepted(l, isFinal, segment.seq());
            LOG.log(Level.ERROR, "submitting to session " + sessionId + " failed", e);
            refuse(ErrorCode.INTERNAL, "the segment could not be submitted", seq);
            return;
        }
        switch (outcome.status()) {
            case ACCEPTED -> {
                lastSeq = segment.seq();
                l.accepted(segment.seq());
                (isFinal ? stats.finalsAccepted : stats.partialsAccepted).increment();
                if (isFinal && l.isJournaled()) {
                    // Submitted first, journaled second: a refusal (backpressure) leaves nothing in the journal.
                    l.journalFinal(segment.seq(), segment.text());
                } else if (isFinal && version >= ClientMessageParser.VERSION_2) {
                    send(ServerMessages.accepted(segment.seq()));
                }
            }
            case BACKPRESSURE -> {
                notAccepted(l, isFinal, segment.seq());
                stats.backpressure.increment();
                send(ServerMessages.backpressure(segment.seq(), outcome.message().isEmpty()
                        ? "the session's backlog is full: not accepted, send it again later" : outcome.message()));
            }
            case OUT_OF_ORDER -> {
                notAccepted(l, isFinal, segment.seq());
                refuse(ErrorCode.OUT_OF_ORDER, outcome.message().isEmpty()
                        ? "seq " + segment.seq() + " is not greater than one already submitted" : outcome.message(), seq);
            }
            case CLOSED -> {
                notAccepted(l, isFinal, segment.seq());
                refuse(ErrorCode.SESSION_CLOSED, outcome.message().isEmpty()
                        ? "the session is closed" : outcome.message(), seq);
            }
        }
    }

    /** {@code ack}: trims the session's journal; a session without one has nothing to trim. */
    private void ack(ClientMessage.Ack ack) {
        SessionLink l = link;
        if (l == null) {
            refuse(ErrorCode.NOT_STARTED, "send start (or resume) before ack", OptionalLong.empty());
            return;
        }
        l.ack(ack.seq());
    }

    private void notAccepted(SessionLink l, boolean isFinal, long seq) {
        if (isFinal) {
            l.cancelFinal(seq);
        }
        settleIf(isFinal, seq);
    }

    private void end() {
        if (ended) {
            return;
        }
        ended = true;
        endRequested = true;
        closeSession();
        drain(NORMAL_CLOSE, "session ended");
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
        closeIfDrained();
    }

    /**
     * Tells the client the server is shutting down, then closes with 1001 once its accepted finals are answered.
     *
     * @param notice the {@code closing} frame
     */
    void shutdown(String notice) {
        send(notice);
        drain(GOING_AWAY, "server shutting down");
    }

    /**
     * The shutdown grace ran out: answers every final still unanswered with {@code failed} (reason
     * {@code shutdown}), then closes with 1001; the socket is cut when the client does not answer the close
     * within {@code close-timeout}. A translation that arrives afterwards is dropped: each final is answered once.
     */
    void expire() {
        List<Outbound.Offer> refused = new ArrayList<>();
        SessionLink l = link;
        boolean durable = l != null && l.isJournaled() && !endRequested;
        answers.lock();
        try {
            // A durable session's finals stay in the journal, translated again when the session resumes.
            for (long seq : durable ? List.<Long>of() : unanswered) {
                stats.error(ErrorCode.FAILED);
                stats.finalsFailedAtShutdown.increment();
                Outbound.Offer offer = out.offer(new Outbound.Text(ServerMessages.failure(seq, SegmentKind.FINAL,
                        FailureReason.SHUTDOWN, "the server shut down before this final was translated")));
                if (offer != Outbound.Offer.QUEUED) {
                    refused.add(offer);
                }
            }
            unanswered.clear();
            // Under the lock: no answer can be queued behind the close.
            beginClose(GOING_AWAY, "server shutting down", false);
        } finally {
            answers.unlock();
        }
        for (Outbound.Offer offer : refused) {
            refused(offer);
        }
    }

    /** Cuts the connection at once, without a close handshake. */
    void abort() {
        org.eclipse.jetty.websocket.api.Session s = ws;
        if (s != null) {
            s.disconnect();
        }
    }

    /** The connection is gone: releases the session and forgets the connection. Idempotent. */
    void ended() {
        if (!finished.compareAndSet(false, true)) {
            return;
        }
        out.discard();
        stats.connectionsOpen.decrementAndGet();
        transport.released();
        transport.unregister(this);
        closeSession();
        SessionLink l = link;
        if (l != null && l.isJournaled()) {
            if (endRequested) {
                finishLink();
            } else if (sessionClosed.compareAndSet(false, true)) {
                stats.sessionsOpen.decrementAndGet();
                transport.detached(l, this);
            }
        }
        gone.countDown();
    }

    private void finishLink() {
        SessionLink l = link;
        if (l != null && l.isJournaled()) {
            l.ended();
            transport.forget(l);
        }
    }

    /** Closes the scheduler's session, unless it is durable and the client did not say {@code end}. */
    private void closeSession() {
        Session current = session;
        SessionLink l = link;
        if (l != null && l.isJournaled() && !endRequested) {
            return;
        }
        if (current != null && sessionClosed.compareAndSet(false, true)) {
            stats.sessionsOpen.decrementAndGet();
            try {
                current.close();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "closing session " + current.id() + " failed", e);
            }
        }
    }

    /** A final journaled here could not be made durable: the client sends it again. */
    void refuseNotDurable(long seq) {
        refuse(ErrorCode.UNAVAILABLE, "final " + seq + " was not accepted: the session store could not journal it;"
                + " send it again with the same seq", OptionalLong.of(seq));
    }

    /** A final this connection owes no answer any more (a durable session's final, left to the journal). */
    void forget(long seq) {
        answers.lock();
        try {
            unanswered.remove(seq);
        } finally {
            answers.unlock();
        }
        closeIfDrained();
    }

    /** A resumed session's finals that are not answered yet: this connection owes their answers now. */
    void owe(List<Long> seqs) {
        answers.lock();
        try {
            unanswered.addAll(seqs);
        } finally {
            answers.unlock();
        }
    }

    /** Another connection resumed this one's session: this one is closed with 1008 and owes nothing. */
    void takenOver() {
        answers.lock();
        try {
            unanswered.clear();
            beginClose(POLICY_VIOLATION, "session resumed on another connection", false);
        } finally {
            answers.unlock();
        }
    }

    private void record(long seq) {
        answers.lock();
        try {
            unanswered.add(seq);
        } finally {
            answers.unlock();
        }
    }

    /** A final that was not accepted after all: forgotten, its refusal is its answer. */
    private void settleIf(boolean isFinal, long seq) {
        if (!isFinal) {
            return;
        }
        answers.lock();
        try {
            unanswered.remove(seq);
        } finally {
            answers.unlock();
        }
        closeIfDrained();
    }

    /**
     * Sends the answer to an accepted final, unless it was answered already.
     *
     * @return whether this call answered it
     */
    boolean answerFinal(long seq, String json) {
        Outbound.Offer offer;
        answers.lock();
        try {
            if (!unanswered.remove(seq)) {
                return false;
            }
            offer = out.offer(new Outbound.Text(json));
        } finally {
            answers.unlock();
        }
        if (offer != Outbound.Offer.QUEUED) {
            refused(offer);
        }
        closeIfDrained();
        return true;
    }

    private void closeIfDrained() {
        Outbound.Close close = drain.get();
        if (close == null) {
            return;
        }
        answers.lock();
        try {
            if (unanswered.isEmpty()) {
                beginClose(close.code(), close.reason(), false);
            }
        } finally {
            answers.unlock();
        }
    }

    private void refuse(ErrorCode code, String message, OptionalLong seq) {
        stats.error(code);
        send(ServerMessages.error(code, message, seq));
    }

    void send(String json) {
        offer(new Outbound.Text(json));
    }

    private void offer(Outbound.Frame frame) {
        Outbound.Offer offer = out.offer(frame);
        if (offer != Outbound.Offer.QUEUED) {
            refused(offer);
        }
    }

    /** A frame the queue refused: a client over a bound is closed, one that is closing already is left alone. */
    private void refused(Outbound.Offer offer) {
        switch (offer) {
            case QUEUED, SEALED -> { }
            case FULL -> {
                stats.closedSlowClients.increment();
                LOG.log(Level.DEBUG, () -> "closing the connection of session " + sessionId + ": "
                        + settings.outboundQueueLimit() + " frames wait for a client that does not read");
                beginClose(POLICY_VIOLATION, "outbound queue full: the client reads too slowly", true);
            }
            case OVER_BUDGET -> {
                stats.closedSlowClients.increment();
                stats.closedOverBudget.increment();
                LOG.log(Level.DEBUG, () -> "closing the connection of session " + sessionId + ": more than "
                        + settings.outboundMaxBytes() + " bytes wait for a client that does not read");
                beginClose(POLICY_VIOLATION, "outbound byte budget exceeded: the client reads too slowly", true);
            }
            case OVER_SHARED_BUDGET -> {
                stats.closedOverSharedBudget.increment();
                LOG.log(Level.DEBUG, () -> "closing the connection of session " + sessionId + ": the server's "
                        + settings.outboundMaxTotalBytes() + " bytes for all clients are taken");
                beginClose(TRY_AGAIN_LATER, "server outbound memory full: try again later", true);
            }
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

    /** Starts writing one frame; never blocks. */
    private void write(Outbound.Frame frame, Outbound.Done done) {
        org.eclipse.jetty.websocket.api.Session s = ws;
        Callback callback = Callback.from(done::succeeded, done::failed);
        switch (frame) {
            case Outbound.Text text -> {
                s.sendText(text.json(), callback);
                stats.messagesOut.increment();
            }
            case Outbound.Pong pong -> s.sendPong(ByteBuffer.wrap(pong.payload()), callback);
            case Outbound.Close close -> s.close(close.code(), close.reason(), callback);
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
}
