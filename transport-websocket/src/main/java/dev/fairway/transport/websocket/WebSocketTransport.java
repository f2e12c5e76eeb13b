package dev.fairway.transport.websocket;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.fairway.api.FairwayException;
import dev.fairway.api.NanoClock;
import dev.fairway.api.Session;
import dev.fairway.api.SessionId;
import dev.fairway.api.session.DurableSessions;
import dev.fairway.api.session.Journal;
import dev.fairway.api.session.StoredSession;
import dev.fairway.api.TranslationScheduler;
import dev.fairway.api.spi.Transport;
import dev.fairway.api.spi.Admission;
import dev.fairway.api.spi.Readiness;
import dev.fairway.api.spi.TransportContext;
import dev.fairway.api.spi.WebContent;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.Meter;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;

import java.lang.System.Logger.Level;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The WebSocket transport: a Jetty 12 server (core WebSocket, no servlets) serving the session endpoint (by
 * default {@code ws://127.0.0.1:8080/v1/session}), {@code GET /health}, {@code GET /ready} and
 * {@code GET /status}. Jetty's selector and acceptor run on platform threads; everything that may block (our
 * callbacks among them) runs on virtual threads. One connection is one session of the scheduler.
 *
 * <p>Life cycle: {@link #start()}, then {@link #shutdown(Duration)} (refuse new connections and segments,
 * send every client a {@code closing} frame, let accepted finals be delivered, close with 1001; when the
 * grace runs out, report every final still unanswered as {@code failed}, reason {@code shutdown}, and close
 * with 1001), then {@link #close()}, which stops at once. The scheduler's own shutdown is the caller's job.
 *
 * <p>The module's README documents the protocol, the error codes and the configuration keys.
 */
public final class WebSocketTransport implements Transport {

    private static final System.Logger LOG = System.getLogger(WebSocketTransport.class.getName());
    private static final String JSON = "application/json";
    private static final String TRACEPARENT = "traceparent";
    private static final String TRACESTATE = "tracestate";

    private enum State { NEW, RUNNING, DRAINING, STOPPED }

    private final Settings settings;
    private final TransportContext context;
    private final NanoClock clock;
    private final TransportStats stats = new TransportStats();
    private final OutboundBudget budget;
    private final ClientMessageParser parser;
    private final TracePropagation tracing;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final List<byte[]> tokens;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition connectionGone = lock.newCondition();
    private volatile State state = State.NEW;
    private volatile Server server;
    private volatile URI address;
    private final List<AutoCloseable> instruments = new ArrayList<>();
    /** Durable sessions open on this node, attached or detached. */
    private final ConcurrentHashMap<SessionId, SessionLink> links = new ConcurrentHashMap<>();
    private volatile Thread sweeper;
    private final StatusEvents statusEvents;
    private volatile Thread ticker;

    private WebSocketTransport(Settings settings, TransportContext context, NanoClock clock) {
        this.settings = settings;
        this.context = context;
        this.clock = clock;
        this.parser = new ClientMessageParser(settings.maxTextChars());
        this.tracing = new TracePropagation(context.openTelemetry());
        this.budget = new OutboundBudget(settings.outboundMaxTotalBytes());
        List<byte[]> t = new ArrayList<>();
        for (String token : settings.authTokens()) {
            t.add(token.getBytes(StandardCharsets.UTF_8));
        }
        this.tokens = List.copyOf(t);
        this.statusEvents = new StatusEvents(settings.maxEventStreams(), this::statusJson);
    }

    /**
     * Builds a transport from its configuration; it does not listen until {@link #start()}.
     *
     * @param context the keys under {@code fairway.transport.websocket}, the scheduler and the status supplier
     * @return the transport
     * @throws dev.fairway.api.InvalidConfigurationException when a key is bad
     */
    public static WebSocketTransport create(TransportContext context) {
        return create(context, NanoClock.SYSTEM);
    }

    static WebSocketTransport create(TransportContext context, NanoClock clock) {
        Objects.requireNonNull(context, "context");
        Objects.requireNonNull(clock, "clock");
        return new WebSocketTransport(Settings.from(context.config()), context, clock);
    }

    /**
     * Binds the port and starts serving.
     *
     * @throws FairwayException when the server cannot start (for example the port is taken)
     * @throws IllegalStateException when already started
     */
    @Override
    public void start() {
        lock.lock();
        try {
            if (state != State.NEW) {
                throw new IllegalStateException("the transport was already started");
            }
            Server built = build();
            ServerConnector connector = (ServerConnector) built.getConnectors()[0];
            try {
                built.start();
            } catch (Exception e) {
                stopQuietly(built);
                throw new FairwayException("cannot serve WebSockets on " + settings.host() + ":" + settings.port()
                        + ": " + e.getMessage(), e);
            }
            server = built;
            address = URI.create("ws://" + uriHost(settings.host()) + ":" + connector.getLocalPort() + settings.path());
            state = State.RUNNING;
            registerMetrics();
            context.durableSessions().ifPresent(this::startSweeper);
            if (settings.maxEventStreams() > 0) {
                startTicker();
            }
        } finally {
            lock.unlock();
        }
        LOG.log(Level.INFO, () -> "serving WebSocket sessions on " + address + " with " + settings);
    }

    private Server build() {
        QueuedThreadPool threads = new QueuedThreadPool(64, 4);
        threads.setName("fairway-ws");
        // Selector and acceptor keep platform threads; every task that may block (reading a request, our
        // listener callbacks) runs on a virtual thread of its own.
        threads.setVirtualThreadsExecutor(Executors.newThreadPerTaskExecutor(
                Thread.ofVirtual().name("fairway-ws-", 0).factory()));
        Server built = new Server(threads);
        built.setStopTimeout(0);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        ServerConnector connector = new ServerConnector(built, 1, 1, new HttpConnectionFactory(http));
        connector.setHost(settings.host());
        connector.setPort(settings.port());
        // Until the upgrade, the connector's idle timeout bounds reading the request head (and idle keep-alive);
        // the WebSocket session has its own idle timeout afterwards.
        connector.setIdleTimeout(settings.requestHeadTimeout().toMillis());
        built.addConnector(connector);

        Duration idle = settings.idleTimeout().isZero() ? Duration.ofDays(36_500) : settings.idleTimeout();
        WebSocketUpgradeHandler upgrade = WebSocketUpgradeHandler.from(built, container -> {
            container.setIdleTimeout(idle);
            container.setMaxFrameSize(settings.hardFrameBytes());
            // Whole messages are bounded by Connection (frame_too_large, the connection stays usable).
            container.setMaxTextMessageSize(Long.MAX_VALUE);
            container.setMaxBinaryMessageSize(Long.MAX_VALUE);
            // A frame over the hard limit closes with 1009 instead of being split into fragments.
            container.setAutoFragment(false);
            container.addMapping(settings.path(), (request, response, callback) -> {
                // A browser that offers subprotocols fails a handshake whose answer selects none; the token entry
                // is never selected, so never echoed.
                if (request.hasSubProtocol(Subprotocols.PROTOCOL)) {
                    response.setAcceptedSubProtocol(Subprotocols.PROTOCOL);
                }
                return new JettyEndpoint(new Connection(this, settings, stats, parser,
                        new TokenBucket(settings.maxMessagesPerSecond(), settings.burst(), clock), budget, tracing,
                        handshakeTrace(request.getHeaders())));
            });
        });
        upgrade.setHandler(new Routes());
        built.setHandler(new Gate(upgrade));
        return built;
    }

    /** OpenTelemetry instruments read from the counters at collection time (nothing is recorded on the hot path). */
    private void registerMetrics() {
        Meter meter = context.openTelemetry().getMeter("dev.fairway.transport.websocket");
        AttributeKey<String> budgetKey = AttributeKey.stringKey("budget");
        instruments.add(meter.gaugeBuilder("fairway.websocket.outbound.bytes").ofLongs().setUnit("By")
                .setDescription("Bytes of frames waiting or being written to all clients")
                .buildWithCallback(m -> m.record(budget.used())));
        instruments.add(meter.counterBuilder("fairway.websocket.closed.over_budget")
                .setDescription("Connections closed because an outbound byte budget was full (connection: 1008,"
                        + " shared: 1013)")
                .buildWithCallback(m -> {
                    m.record(stats.closedOverBudget.sum(), Attributes.of(budgetKey, "connection"));
                    m.record(stats.closedOverSharedBudget.sum(), Attributes.of(budgetKey, "shared"));
                }));
        instruments.add(meter.upDownCounterBuilder("fairway.websocket.sessions.detached")
                .setDescription("Durable sessions open without a connection, waiting for a resume")
                .buildWithCallback(m -> m.record(stats.sessionsDetached.get())));
        instruments.add(meter.counterBuilder("fairway.websocket.sessions.resumed")
                .setDescription("Resumes honoured (attribute from: node = open here, store = opened again from the"
                        + " store)")
                .buildWithCallback(m -> {
                    long fromStore = stats.resumedFromStore.sum();
                    m.record(stats.resumed.sum() - fromStore, Attributes.of(AttributeKey.stringKey("from"), "node"));
                    m.record(fromStore, Attributes.of(AttributeKey.stringKey("from"), "store"));
                }));
        instruments.add(meter.counterBuilder("fairway.websocket.resumes.refused")
                .setDescription("Resumes refused (attribute reason: unknown_or_expired, epoch_changed)")
                .buildWithCallback(m -> {
                    AttributeKey<String> reason = AttributeKey.stringKey("reason");
                    m.record(stats.resumeRefusedUnknown.sum(), Attributes.of(reason, UNKNOWN_OR_EXPIRED));
                    m.record(stats.resumeRefusedEpoch.sum(), Attributes.of(reason, EPOCH_CHANGED));
                }));
        instruments.add(meter.upDownCounterBuilder("fairway.websocket.connections")
                .setDescription("Open WebSocket connections")
                .buildWithCallback(m -> m.record(stats.connectionsOpen.get())));
        AttributeKey<String> reasonKey = AttributeKey.stringKey("reason");
        instruments.add(meter.counterBuilder("fairway.websocket.upgrades.refused")
                .setDescription("Connections refused at the handshake, never upgraded (overloaded: max-connections"
                        + " reached; saturated: the node measured itself saturated; shutting_down; unauthorized;"
                        + " origin)")
                .buildWithCallback(m -> {
                    m.record(stats.refusedOverloaded.sum(), Attributes.of(reasonKey, "overloaded"));
                    m.record(stats.refusedShuttingDown.sum(), Attributes.of(reasonKey, "shutting_down"));
                    m.record(stats.refusedUnauthorized.sum(), Attributes.of(reasonKey, "unauthorized"));
                    m.record(stats.refusedOrigin.sum(), Attributes.of(reasonKey, "origin"));
                    stats.refusedByAdmission().forEach((reason, n) -> m.record(n, Attributes.of(reasonKey, reason)));
                }));
    }

    /**
     * The W3C trace context of the upgrade request: one {@code traceparent} header (several make it ambiguous: none
     * is used) and the {@code tracestate} headers, which W3C allows to be split, joined by commas.
     */
    private TraceHeaders handshakeTrace(HttpFields headers) {
        if (tracing.isOff()) {
            return TraceHeaders.NONE;
        }
        List<String> parents = headers.getValuesList(TRACEPARENT);
        if (parents.size() != 1) {
            return TraceHeaders.NONE;
        }
        List<String> states = headers.getValuesList(TRACESTATE);
        return TraceHeaders.of(parents.get(0), states.isEmpty() ? null : String.join(",", states));
    }

    private static void stopQuietly(Server s) {
        try {
            s.stop();
        } catch (Exception e) {
            LOG.log(Level.WARNING, "stopping the web server failed", e);
        }
    }

    /**
     * Where clients connect.
     *
     * @return {@code ws://host:port/path} with the port actually bound
     * @throws IllegalStateException before {@link #start()}
     */
    @Override
    public URI address() {
        URI a = address;
        if (a == null) {
            throw new IllegalStateException("the transport is not started");
        }
        return a;
    }

    /**
     * Stops gracefully: refuses new connections ({@code 503}), sessions and segments, sends every client a
     * {@code closing} frame, lets the finals accepted so far be delivered, and closes each connection with
     * 1001 once its finals are answered; when {@code grace} runs out, stops at once.
     *
     * @param grace the longest wait
     * @throws InterruptedException when interrupted while waiting (the server is then stopped at once)
     */
    @Override
    public void shutdown(Duration grace) throws InterruptedException {
        Objects.requireNonNull(grace, "grace");
        if (grace.isNegative()) {
            throw new IllegalArgumentException("grace must not be negative, was " + grace);
        }
        long deadline = System.nanoTime() + grace.toNanos();
        List<Connection> open;
        lock.lock();
        try {
            if (state != State.RUNNING) {
                if (state == State.NEW) {
                    state = State.STOPPED;
                }
                return;
            }
            state = State.DRAINING;
            open = List.copyOf(connections);
        } finally {
            lock.unlock();
        }
        LOG.log(Level.INFO, () -> "shutting down: " + open.size() + " connections, grace " + grace);
        String notice = ServerMessages.closing(settings.shutdownNotice(), grace);
        for (Connection connection : open) {
            connection.shutdown(notice);
        }
        try {
            if (!awaitConnectionsAtMost(0, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())))) {
                List<Connection> left = List.copyOf(connections);
                LOG.log(Level.WARNING, () -> left.size() + " connections were still open when the shutdown grace of "
                        + grace + " ran out: their unanswered finals are reported failed (shutdown) and they are closed");
                for (Connection connection : left) {
                    connection.expire();
                }
                // Each connection cuts its own socket when its client does not answer the close within close-timeout.
                awaitConnectionsAtMost(0, settings.closeTimeout().plusSeconds(1));
            }
        } finally {
            int left = connections.size();
            if (left > 0) {
                LOG.log(Level.WARNING, left + " connections were still open after the close timeout; they are cut");
            }
            stop();
        }
    }

    /** Stops at once: closes the port and every connection, and closes their sessions. Idempotent. */
    @Override
    public void close() {
        stop();
    }

    private void stop() {
        Server s;
        lock.lock();
        try {
            state = State.STOPPED;
            s = server;
            server = null;
        } finally {
            lock.unlock();
        }
        // Event streams end with an `end` event while the server still runs.
        statusEvents.close();
        Thread t = ticker;
        if (t != null) {
            t.interrupt();
        }
        if (s != null) {
            stopQuietly(s);
        }
        for (AutoCloseable instrument : instruments) {
            try {
                instrument.close();
            } catch (Exception e) {
                LOG.log(Level.DEBUG, "closing a metric instrument failed", e);
            }
        }
        for (Connection connection : List.copyOf(connections)) {
            connection.abort();
            connection.ended();
        }
        Thread s2 = sweeper;
        if (s2 != null) {
            s2.interrupt();
        }
        // The sessions stay in the store: resumable after a restart or on another node.
        for (SessionLink link : List.copyOf(links.values())) {
            link.stop();
        }
        links.clear();
        stats.sessionsDetached.set(0);
    }

    // ---- durable sessions ----

    Optional<DurableSessions> durableSessions() {
        return context.durableSessions();
    }

    /** A durable session opened by {@code start} on this node. */
    void adopt(SessionLink link) {
        links.put(link.id(), link);
    }

    /** A durable session ended by its client. */
    void forget(SessionLink link) {
        links.remove(link.id(), link);
    }

    /** A durable session's connection dropped without {@code end}. */
    void detached(SessionLink link, Connection connection) {
        if (link.detach(connection, clock.nanoTime())) {
            stats.sessionsDetached.incrementAndGet();
        }
    }

    /** What a {@code resume} came to. */
    sealed interface Resumed {
        /** Refused: {@code resume_refused} with this reason, then close 1008. */
        record Refused(String reason, String message) implements Resumed { }

        /** The session exists but cannot be opened here now ({@code unavailable}). */
        record Unavailable(String message) implements Resumed { }

        /** The connection carries the session now; {@code resumed} and the replay are queued. */
        record Attached(SessionLink link, long lastSeq) implements Resumed { }
    }

    private static final String UNKNOWN_OR_EXPIRED = "unknown_or_expired";
    private static final String EPOCH_CHANGED = "epoch_changed";

    /**
     * Resumes a session on a new connection: attaches it when it is open here, otherwise opens it again from
     * the store with the same id and submits its unanswered finals again. Every way a resume can fail for a
     * given session (unknown, ended, expired, wrong token) gives the same answer.
     */
    Resumed resume(Connection connection, ClientMessage.Resume resume) {
        DurableSessions durable = context.durableSessions().orElse(null);
        if (durable == null) {
            return refused(UNKNOWN_OR_EXPIRED, "this server keeps no sessions to resume");
        }
        SessionId id;
        try {
            id = SessionId.of(resume.session());
        } catch (IllegalArgumentException e) {
            return refused(UNKNOWN_OR_EXPIRED, null);
        }
        String tokenEpoch = ResumeTokens.epochOf(resume.token());
        if (tokenEpoch == null) {
            return refused(UNKNOWN_OR_EXPIRED, null);
        }
        String epoch;
        try {
            epoch = durable.store().epoch();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "the session store failed", e);
            return new Resumed.Unavailable("the session store is unavailable: try again later");
        }
        if (!tokenEpoch.equals(epoch)) {
            return refused(EPOCH_CHANGED, "the session store lost its data since this session started: start a"
                    + " new session (finals without an answer must be sent again)");
        }
        byte[] hash = ResumeTokens.hash(resume.token());
        try {
            for (int attempt = 0; attempt < 2; attempt++) {
                SessionLink local = links.get(id);
                if (local != null) {
                    if (!MessageDigest.isEqual(local.tokenHash(), hash)) {
                        return refused(UNKNOWN_OR_EXPIRED, null);
                    }
                    boolean wasDetached = local.isDetached();
                    SessionLink.Attach attach = local.attach(connection, resume.lastSeq(), null, false);
                    if (!attach.ok()) {
                        return refused(UNKNOWN_OR_EXPIRED, null);
                    }
                    if (attach.previous() != null) {
                        attach.previous().takenOver();
                    } else if (wasDetached) {
                        stats.sessionsDetached.decrementAndGet();
                    }
                    stats.resumed.increment();
                    return new Resumed.Attached(local, attach.lastSeq());
                }
                Optional<StoredSession> stored = durable.store().find(id);
                if (stored.isEmpty() || !MessageDigest.isEqual(stored.get().tokenHash(), hash)
                        || !epoch.equals(stored.get().epoch())) {
                    return refused(UNKNOWN_OR_EXPIRED, null);
                }
                Optional<Journal> journal = durable.store().read(id, resume.lastSeq());
                if (journal.isEmpty()) {
                    return refused(UNKNOWN_OR_EXPIRED, null);
                }
                SessionLink link = SessionLink.journaled(id, stats, durable, context.scheduler(), hash, null);
                if (links.putIfAbsent(id, link) != null) {
                    continue;
                }
                Session opened;
                try {
                    opened = context.scheduler().open(id, stored.get().options(), link);
                } catch (IllegalStateException e) {
                    links.remove(id, link);
                    return new Resumed.Unavailable("the scheduler opens no session: " + e.getMessage());
                }
                link.session(opened);
                SessionLink.Attach attach = link.attach(connection, resume.lastSeq(), journal.get(), true);
                stats.resumed.increment();
                stats.resumedFromStore.increment();
                return new Resumed.Attached(link, attach.lastSeq());
            }
            return new Resumed.Unavailable("the session is being resumed by another connection: try again");
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "resuming session " + id + " failed", e);
            return new Resumed.Unavailable("the session could not be resumed now: try again later");
        }
    }

    private Resumed refused(String reason, String message) {
        (EPOCH_CHANGED.equals(reason) ? stats.resumeRefusedEpoch : stats.resumeRefusedUnknown).increment();
        return new Resumed.Refused(reason, message != null ? message
                : "no session to resume with this id and token: it is unknown, ended or expired; start a new one");
    }

    private void startSweeper(DurableSessions durable) {
        long window = durable.resumeWindow().toNanos();
        long period = Math.clamp(window / 4, 5_000_000L, 1_000_000_000L);
        sweeper = Thread.ofVirtual().name("fairway-ws-resume-window").start(() -> {
            long lastTouch = clock.nanoTime();
            while (state != State.STOPPED) {
                try {
                    Thread.sleep(Duration.ofNanos(period));
                } catch (InterruptedException e) {
                    return;
                }
                long now = clock.nanoTime();
                boolean touch = now - lastTouch >= window / 4;
                if (touch) {
                    lastTouch = now;
                }
                sweep(now, touch);
            }
        });
    }

    /** Sends the status document to the event streams once a second. */
    private void startTicker() {
        ticker = Thread.ofVirtual().name("fairway-ws-status-events").start(() -> {
            while (state != State.STOPPED) {
                try {
                    Thread.sleep(Duration.ofSeconds(1));
                } catch (InterruptedException e) {
                    return;
                }
                try {
                    statusEvents.tick();
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "sending the status events failed", e);
                }
            }
        });
    }

    StatusEvents statusEvents() {
        return statusEvents;
    }

    /** Expires detached sessions whose window passed; notes in the store that attached ones are alive. */
    void sweep(long nowNanos, boolean touch) {
        for (SessionLink link : links.values()) {
            try {
                if (link.expireIfDue(nowNanos)) {
                    links.remove(link.id(), link);
                    stats.sessionsDetached.decrementAndGet();
                    stats.sessionsExpired.increment();
                } else if (touch) {
                    link.touchIfAttached();
                }
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "expiring session " + link.id() + " failed", e);
            }
        }
    }

    // ---- for connections ----

    TranslationScheduler scheduler() {
        return context.scheduler();
    }

    /**
     * Whether new sessions and segments are accepted.
     *
     * @return whether running and not shutting down
     */
    boolean accepting() {
        return state == State.RUNNING;
    }

    /**
     * Counts a new connection.
     *
     * @param connection the connection
     * @return whether it may stay (false while shutting down)
     */
    boolean register(Connection connection) {
        lock.lock();
        try {
            connections.add(connection);
            stats.connectionsOpen.incrementAndGet();
            stats.connectionsTotal.increment();
            return state == State.RUNNING;
        } finally {
            lock.unlock();
        }
    }

    void unregister(Connection connection) {
        lock.lock();
        try {
            connections.remove(connection);
            connectionGone.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until at most {@code n} connections are open.
     *
     * @param n the number of connections
     * @param timeout the longest wait
     * @return whether it happened in time
     * @throws InterruptedException when interrupted
     */
    boolean awaitConnectionsAtMost(int n, Duration timeout) throws InterruptedException {
        long remaining = timeout.toNanos();
        lock.lock();
        try {
            while (connections.size() > n) {
                if (remaining <= 0) {
                    return false;
                }
                remaining = connectionGone.awaitNanos(remaining);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    TransportStats stats() {
        return stats;
    }

    OutboundBudget budget() {
        return budget;
    }

    /** Connections admitted under {@code max-connections} and not yet ended (or handshakes in progress). */
    private final AtomicLong admitted = new AtomicLong();

    /** The {@code Retry-After} of a refusal for {@code max-connections}, in seconds. */
    static final long RETRY_AFTER_SECONDS = 5;

    // ---- HTTP ----

    /**
     * Refuses an upgrade (or a status request) before the protocol switch: 503 while shutting down, 401
     * without a token, 403 from a foreign origin.
     */
    private final class Gate extends Handler.Wrapper {

        Gate(Handler next) {
            super(next);
        }

        @Override
        public boolean handle(Request req, Response res, Callback callback) throws Exception {
            String path = Request.getPathInContext(req);
            boolean session = path.equals(settings.path());
            if (session && state != State.RUNNING) {
                stats.refusedShuttingDown.increment();
                json(res, callback, 503, errorDocument(ErrorCode.SHUTTING_DOWN,
                        "the server is shutting down and accepts no new connections"));
                return true;
            }
            boolean protectedPath = path.equals("/status") || path.equals(StatusEvents.PATH);
            if ((session || protectedPath) && settings.authRequired() && !authorized(req)) {
                if (session) {
                    stats.refusedUnauthorized.increment();
                }
                res.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer realm=\"fairway\"");
                json(res, callback, 401, errorDocument(ErrorCode.UNAUTHORIZED,
                        "a valid API token is required: send 'Authorization: Bearer <token>', or from a browser the"
                                + " WebSocket subprotocols 'fairway.v1, token.<base64url(token)>'"));
                return true;
            }
            if (session && !originAllowed(req)) {
                stats.refusedOrigin.increment();
                json(res, callback, 403, errorDocument(ErrorCode.FORBIDDEN,
                        "this Origin may not open sessions: see allowed-origins"));
                return true;
            }
            if (session) {
                Optional<Admission.Refusal> refusal = context.admission().admit();
                if (refusal.isPresent()) {
                    // The node measures itself saturated: refused at the door like a full node.
                    Admission.Refusal why = refusal.get();
                    stats.refusedByAdmission(why.reason());
                    res.getHeaders().put(HttpHeader.RETRY_AFTER, Long.toString(retryAfterSeconds(why.retryAfter())));
                    json(res, callback, 503, errorDocument(ErrorCode.OVERLOADED, why.message()));
                    return true;
                }
            }
            if (session && settings.maxConnections() > 0) {
                if (!reserve()) {
                    // Refused at the door, before anything is accepted: the sessions already here keep
                    // their service.
                    stats.refusedOverloaded.increment();
                    res.getHeaders().put(HttpHeader.RETRY_AFTER, Long.toString(RETRY_AFTER_SECONDS));
                    json(res, callback, 503, errorDocument(ErrorCode.OVERLOADED, "this node holds its most"
                            + " connections (" + settings.maxConnections() + "): try again later or another node"));
                    return true;
                }
                // The place is kept for the connection, which gives it back when it ends; a request that is
                // not upgraded after all gives it back when its response is done.
                Callback release = Callback.from(callback, () -> {
                    if (res.getStatus() != 101) {
                        admitted.decrementAndGet();
                    }
                });
                boolean handled;
                try {
                    handled = super.handle(req, res, release);
                } catch (Exception | Error e) {
                    admitted.decrementAndGet();
                    throw e;
                }
                if (!handled) {
                    admitted.decrementAndGet();
                }
                return handled;
            }
            return super.handle(req, res, callback);
        }
    }

    /** A {@code Retry-After} in whole seconds, rounded up. */
    private static long retryAfterSeconds(Duration wait) {
        return Math.max(1, (wait.toMillis() + 999) / 1000);
    }

    /** Whether {@code max-connections} is set and reached. */
    private boolean full() {
        return settings.maxConnections() > 0 && admitted.get() >= settings.maxConnections();
    }

    /** Takes a place under {@code max-connections}, if one is free. */
    private boolean reserve() {
        long n;
        while ((n = admitted.get()) < settings.maxConnections()) {
            if (admitted.compareAndSet(n, n + 1)) {
                return true;
            }
        }
        return false;
    }

    /** A connection admitted under {@code max-connections} ended: its place is free again. */
    void released() {
        if (settings.maxConnections() > 0) {
            admitted.decrementAndGet();
        }
    }

    /** What is left after the upgrade handler: the HTTP endpoints, and a 426 for a plain GET on the session path. */
    private final class Routes extends Handler.Abstract {

        @Override
        public boolean handle(Request req, Response res, Callback callback) {
            String path = Request.getPathInContext(req);
            boolean get = "GET".equals(req.getMethod()) || "HEAD".equals(req.getMethod());
            if (get && path.equals("/health")) {
                boolean up = state == State.RUNNING;
                json(res, callback, up ? 200 : 503, Map.of("status", up ? "UP" : "DOWN"));
            } else if (get && path.equals("/ready")) {
                // For a load balancer: whether this node takes new sessions now (/health: whether it runs).
                ReadyReport report = readiness();
                report.retryAfter().ifPresent(wait -> res.getHeaders().put(HttpHeader.RETRY_AFTER,
                        Long.toString(retryAfterSeconds(wait))));
                json(res, callback, report.httpStatus(), report.document());
            } else if (get && path.equals("/status")) {
                json(res, callback, 200, statusDocument());
            } else if ("GET".equals(req.getMethod()) && path.equals(StatusEvents.PATH) && settings.maxEventStreams() > 0) {
                if (!statusEvents.open(res, callback)) {
                    res.getHeaders().put(HttpHeader.RETRY_AFTER, Long.toString(RETRY_AFTER_SECONDS));
                    json(res, callback, 503, errorDocument(ErrorCode.OVERLOADED, "this node serves its most event"
                            + " streams (" + settings.maxEventStreams() + "): try again later"));
                }
            } else if (path.equals(settings.path())) {
                // Any method: a browser page whose handshake failed POSTs here to learn why (the Gate answered 401
                // or 403 before this; a POST carries the page's Origin, a same-origin GET does not).
                res.getHeaders().put(HttpHeader.UPGRADE, "websocket");
                json(res, callback, 426, errorDocument(ErrorCode.UPGRADE_REQUIRED,
                        "this is a WebSocket endpoint: connect with a WebSocket client"));
            } else if (get && serveFile(path, req, res, callback)) {
                return true;
            } else {
                json(res, callback, 404, errorDocument(ErrorCode.NOT_FOUND, "nothing here: "
                        + ClientMessageParser.abbreviate(path)));
            }
            return true;
        }
    }

    /**
     * What {@code /ready} says: the transport's own checks ({@code transport}: running, not shutting down;
     * {@code connections}: under {@code max-connections}; {@code admission}: the application's admission
     * control), then the application's ({@link TransportContext#readiness()}). Each answers from state kept
     * elsewhere, so a probe costs no call to a provider or a store.
     */
    private ReadyReport readiness() {
        ReadyReport report = new ReadyReport();
        report.add(state == State.RUNNING ? ReadyReport.Check.ready("transport")
                : new ReadyReport.Check("transport", "shutting-down",
                        "the server is shutting down and accepts no new connections"));
        report.add(!full() ? ReadyReport.Check.ready("connections")
                : new ReadyReport.Check("connections", "max-connections", "this node holds its most connections ("
                        + settings.maxConnections() + ")"));
        Optional<Admission.Refusal> refusal = context.admission().check();
        if (refusal.isPresent()) {
            report.add(new ReadyReport.Check("admission", refusal.get().reason(), refusal.get().message()));
            report.retryAfter(refusal.get().retryAfter());
        } else {
            report.add(ReadyReport.Check.ready("admission"));
        }
        for (Readiness check : context.readiness()) {
            Optional<String> why;
            try {
                why = Objects.requireNonNull(check.check(), "check() answered null");
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "the readiness check " + check.name() + " failed", e);
                why = Optional.of("the check failed: " + e.getClass().getSimpleName());
            }
            report.add(why.isEmpty() ? ReadyReport.Check.ready(check.name())
                    : new ReadyReport.Check(check.name(), check.name(), why.get()));
        }
        return report;
    }

    /**
     * Serves a file of the application's web content ({@link TransportContext#webContent()}), the first that has
     * one at this path, with headers that keep a browser from sniffing types, framing the pages or running scripts
     * from elsewhere.
     */
    private boolean serveFile(String path, Request req, Response res, Callback callback) {
        if (context.webContent().isEmpty() || !safePath(path)) {
            return false;
        }
        for (WebContent content : context.webContent()) {
            Optional<WebContent.File> found;
            try {
                found = content.find(path);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "the web content " + content.name() + " failed on " + path, e);
                continue;
            }
            if (found.isPresent()) {
                WebContent.File file = found.get();
                res.setStatus(200);
                res.getHeaders().put(HttpHeader.CONTENT_TYPE, file.contentType());
                res.getHeaders().put(HttpHeader.CONTENT_LENGTH, file.length());
                // Small files, revalidated on each load: a new build is seen at once.
                res.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
                res.getHeaders().put("X-Content-Type-Options", "nosniff");
                res.getHeaders().put("Referrer-Policy", "no-referrer");
                if (file.contentType().startsWith("text/html")) {
                    res.getHeaders().put("Content-Security-Policy", CONTENT_SECURITY_POLICY);
                    res.getHeaders().put("X-Frame-Options", "DENY");
                }
                res.write(true, ByteBuffer.wrap(file.bytes()), callback);
                return true;
            }
        }
        return false;
    }

    /**
     * Scripts, styles, fetches and WebSockets from this origin only ({@code connect-src 'self'} covers same-origin
     * {@code ws:}/{@code wss:} in CSP 3); inline styles are allowed because uPlot positions its legend and cursor
     * with them; no inline scripts; no framing.
     */
    static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'"
            + " 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none';"
            + " form-action 'none'";

    /** A path without dot segments, backslashes, empty segments or control characters. */
    static boolean safePath(String path) {
        if (!path.startsWith("/") || path.contains("//") || path.contains("\\") || path.length() > 512) {
            return false;
        }
        for (String segment : path.split("/")) {
            if (segment.equals("..") || segment.equals(".")) {
                return false;
            }
        }
        return path.chars().noneMatch(c -> c < 0x20 || c == 0x7f);
    }

    private boolean authorized(Request req) {
        String header = req.getHeaders().get(HttpHeader.AUTHORIZATION);
        if (header != null) {
            String value = header.trim();
            if (value.regionMatches(true, 0, "Bearer ", 0, 7) && known(value.substring(7).trim())) {
                return true;
            }
        }
        boolean viaSubprotocol = false;
        for (String token : Subprotocols.tokens(Subprotocols.entries(
                req.getHeaders().getValuesList(HttpHeader.SEC_WEBSOCKET_SUBPROTOCOL)))) {
            viaSubprotocol |= known(token);
        }
        if (viaSubprotocol) {
            return true;
        }
        String query = Request.extractQueryParameters(req).getValue("token");
        return query != null && known(query);
    }

    /**
     * Whether a browser's {@code Origin} may open a session: one of {@code allowed-origins}, or with none
     * configured the same origin as the {@code Host} header (which stops cross-site WebSocket hijacking).
     * Requests without {@code Origin} are not from browsers and are allowed.
     */
    private boolean originAllowed(Request req) {
        String origin = req.getHeaders().get(HttpHeader.ORIGIN);
        if (origin == null) {
            return true;
        }
        if (!settings.allowedOrigins().isEmpty()) {
            return settings.allowedOrigins().contains(origin);
        }
        String host = req.getHeaders().get(HttpHeader.HOST);
        if (host == null) {
            return false;
        }
        try {
            URI uri = new URI(origin);
            if (uri.getHost() == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
                return false;
            }
            int port = uri.getPort() >= 0 ? uri.getPort() : "https".equals(uri.getScheme()) ? 443 : 80;
            URI hostUri = new URI("http://" + host);
            int hostPort = hostUri.getPort() >= 0 ? hostUri.getPort() : port;
            return uri.getHost().equalsIgnoreCase(hostUri.getHost()) && port == hostPort;
        } catch (URISyntaxException e) {
            return false;
        }
    }

    private boolean known(String candidate) {
        byte[] bytes = candidate.getBytes(StandardCharsets.UTF_8);
        boolean found = false;
        for (byte[] token : tokens) {
            // Every token is compared, in constant time each, so timing tells nothing of which matched.
            found |= MessageDigest.isEqual(bytes, token);
        }
        return found;
    }

    private Map<String, Object> statusDocument() {
        Map<String, Object> doc = new LinkedHashMap<>();
        try {
            Object status = context.status().get();
            if (status instanceof Map<?, ?> map) {
                map.forEach((k, v) -> doc.put(String.valueOf(k), v));
            } else if (status != null) {
                doc.put("status", status);
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "the status supplier failed", e);
            doc.put("statusError", String.valueOf(e.getMessage()));
        }
        Map<String, Object> websocket = stats.snapshot(state.name().toLowerCase(Locale.ROOT), budget);
        websocket.put("address", String.valueOf(address));
        websocket.put("eventStreamsOpen", statusEvents.open());
        websocket.put("eventStreamsDropped", statusEvents.dropped());
        doc.put("websocket", websocket);
        return doc;
    }

    /** The status document on one line of JSON, for an event stream. */
    private byte[] statusJson() {
        try {
            return ServerMessages.mapper().writeValueAsBytes(statusDocument());
        } catch (JsonProcessingException e) {
            LOG.log(Level.WARNING, "a status document is not JSON-ready", e);
            return "{\"statusError\":\"the status document is not JSON\"}".getBytes(StandardCharsets.UTF_8);
        }
    }

    private static Map<String, Object> errorDocument(ErrorCode code, String message) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("type", "error");
        doc.put("code", code.wire());
        doc.put("message", message);
        return doc;
    }

    private static void json(Response res, Callback callback, int status, Object document) {
        byte[] body;
        int actual = status;
        try {
            body = ServerMessages.mapper().writeValueAsBytes(document);
        } catch (JsonProcessingException e) {
            LOG.log(Level.WARNING, "a status document is not JSON-ready", e);
            actual = 500;
            body = ("{\"type\":\"error\",\"code\":\"internal\",\"message\":\"the status document is not JSON: "
                    + ClientMessageParser.abbreviate(e.getOriginalMessage()).replace("\"", "'") + "\"}")
                    .getBytes(StandardCharsets.UTF_8);
        }
        res.setStatus(actual);
        res.getHeaders().put(HttpHeader.CONTENT_TYPE, JSON);
        res.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        res.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        res.write(true, ByteBuffer.wrap(body), callback);
    }

    private static String uriHost(String host) {
        return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    @Override
    public String toString() {
        return "WebSocketTransport[" + (address == null ? settings.host() + ":" + settings.port() + settings.path()
                : address) + ", " + state.name().toLowerCase(Locale.ROOT) + "]";
    }
}
