package dev.fairway.transport.websocket;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.fairway.api.FairwayException;
import dev.fairway.api.NanoClock;
import dev.fairway.api.TranslationScheduler;
import dev.fairway.api.spi.Transport;
import dev.fairway.api.spi.TransportContext;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.helidon.webserver.websocket.WsConfig;
import io.helidon.webserver.websocket.WsRouting;

import java.lang.System.Logger.Level;
import java.net.URI;
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
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The WebSocket transport: a Helidon 4 WebServer serving the session endpoint (by default
 * {@code ws://127.0.0.1:8080/v1/session}), {@code GET /health} and {@code GET /status}. Every connection
 * runs on its own virtual thread; one connection is one session of the scheduler.
 *
 * <p>Life cycle: {@link #start()}, then {@link #shutdown(Duration)} (refuse new connections and segments,
 * send every client a {@code closing} frame, let accepted finals be delivered, close with 1001), then
 * {@link #close()}, which stops at once. The scheduler's own shutdown is the caller's job.
 *
 * <p>The module's README documents the protocol, the error codes and the configuration keys.
 */
public final class WebSocketTransport implements Transport {

    private static final System.Logger LOG = System.getLogger(WebSocketTransport.class.getName());
    private static final String JSON = "application/json";
    private static final Status UPGRADE_REQUIRED = Status.create(426, "Upgrade Required");

    private enum State { NEW, RUNNING, DRAINING, STOPPED }

    private final Settings settings;
    private final TransportContext context;
    private final NanoClock clock;
    private final TransportStats stats = new TransportStats();
    private final ClientMessageParser parser;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final List<byte[]> tokens;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition connectionGone = lock.newCondition();
    private volatile State state = State.NEW;
    private volatile WebServer server;
    private volatile URI address;

    private WebSocketTransport(Settings settings, TransportContext context, NanoClock clock) {
        this.settings = settings;
        this.context = context;
        this.clock = clock;
        this.parser = new ClientMessageParser(settings.maxTextChars());
        List<byte[]> t = new ArrayList<>();
        for (String token : settings.authTokens()) {
            t.add(token.getBytes(StandardCharsets.UTF_8));
        }
        this.tokens = List.copyOf(t);
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
            WebServer built = build();
            try {
                built.start();
            } catch (RuntimeException e) {
                throw new FairwayException("cannot serve WebSockets on " + settings.host() + ":" + settings.port()
                        + ": " + e.getMessage(), e);
            }
            if (!built.isRunning() || built.port() <= 0) {
                // Helidon logs why a listener failed (typically "Address already in use") and does not throw.
                built.stop();
                throw new FairwayException("cannot serve WebSockets on " + settings.host() + ":" + settings.port()
                        + ": the server did not start (is the port taken? the log says why)");
            }
            server = built;
            address = URI.create("ws://" + uriHost(settings.host()) + ":" + built.port() + settings.path());
            state = State.RUNNING;
        } finally {
            lock.unlock();
        }
        LOG.log(Level.INFO, () -> "serving WebSocket sessions on " + address + " with " + settings);
    }

    private WebServer build() {
        Duration idle = settings.idleTimeout().isZero() ? Duration.ofDays(36_500) : settings.idleTimeout();
        Duration idleCheck = settings.idleTimeout().isZero() ? Duration.ofHours(1)
                : clamp(settings.idleTimeout().dividedBy(4), Duration.ofMillis(50), Duration.ofMinutes(2));
        WsConfig ws = WsConfig.builder()
                .name("websocket")
                .maxFrameLength(settings.hardFrameBytes())
                .origins(settings.allowedOrigins())
                .build();
        return WebServer.builder()
                .host(settings.host())
                .port(settings.port())
                .shutdownHook(false)
                .featuresDiscoverServices(false)
                .idleConnectionTimeout(idle)
                .idleConnectionPeriod(idleCheck)
                .shutdownGracePeriod(Duration.ofMillis(200))
                .addProtocol(ws)
                .routing(routing -> routing
                        .addFilter(this::gate)
                        .get("/health", this::health)
                        .get("/status", this::status)
                        .get(settings.path(), this::upgradeRequired))
                .addRouting(WsRouting.builder().endpoint(settings.path(), () -> new Connection(this, settings, stats,
                        parser, new TokenBucket(settings.maxMessagesPerSecond(), settings.burst(), clock))))
                .build();
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
            awaitConnectionsAtMost(0, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        } finally {
            int left = connections.size();
            if (left > 0) {
                LOG.log(Level.WARNING, left + " connections were still open when the shutdown grace of " + grace
                        + " ran out; they are cut");
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
        WebServer s;
        lock.lock();
        try {
            state = State.STOPPED;
            s = server;
            server = null;
        } finally {
            lock.unlock();
        }
        if (s != null) {
            try {
                s.stop();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "stopping the web server failed", e);
            }
        }
        for (Connection connection : List.copyOf(connections)) {
            connection.abort();
            connection.ended();
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

    // ---- HTTP ----

    /** Refuses an upgrade (or a status request) before the protocol switch: 503 while shutting down, 401 without a token. */
    private void gate(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        String path = req.prologue().uriPath().path();
        boolean session = path.equals(settings.path());
        if (session && state != State.RUNNING) {
            stats.refusedShuttingDown.increment();
            json(res, Status.SERVICE_UNAVAILABLE_503, errorDocument(ErrorCode.SHUTTING_DOWN,
                    "the server is shutting down and accepts no new connections"));
            return;
        }
        if ((session || path.equals("/status")) && settings.authRequired() && !authorized(req)) {
            if (session) {
                stats.refusedUnauthorized.increment();
            }
            res.header(HeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"fairway\"");
            json(res, Status.UNAUTHORIZED_401, errorDocument(ErrorCode.UNAUTHORIZED,
                    "a valid API token is required: send 'Authorization: Bearer <token>' or '?token=<token>'"));
            return;
        }
        chain.proceed();
    }

    private boolean authorized(ServerRequest req) {
        Optional<String> header = req.headers().first(HeaderNames.AUTHORIZATION);
        if (header.isPresent()) {
            String value = header.get().trim();
            if (value.regionMatches(true, 0, "Bearer ", 0, 7) && known(value.substring(7).trim())) {
                return true;
            }
        }
        return req.query().contains("token") && known(req.query().get("token"));
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

    private void health(ServerRequest req, ServerResponse res) {
        boolean up = state == State.RUNNING;
        json(res, up ? Status.OK_200 : Status.SERVICE_UNAVAILABLE_503, Map.of("status", up ? "UP" : "DOWN"));
    }

    private void status(ServerRequest req, ServerResponse res) {
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
        Map<String, Object> websocket = stats.snapshot(state.name().toLowerCase(Locale.ROOT));
        websocket.put("address", String.valueOf(address));
        doc.put("websocket", websocket);
        json(res, Status.OK_200, doc);
    }

    private void upgradeRequired(ServerRequest req, ServerResponse res) {
        res.header(HeaderNames.UPGRADE, "websocket");
        json(res, UPGRADE_REQUIRED, errorDocument(ErrorCode.UPGRADE_REQUIRED,
                "this is a WebSocket endpoint: connect with a WebSocket client"));
    }

    private static Map<String, Object> errorDocument(ErrorCode code, String message) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("type", "error");
        doc.put("code", code.wire());
        doc.put("message", message);
        return doc;
    }

    private static void json(ServerResponse res, Status status, Object document) {
        byte[] body;
        Status actual = status;
        try {
            body = ServerMessages.mapper().writeValueAsBytes(document);
        } catch (JsonProcessingException e) {
            LOG.log(Level.WARNING, "a status document is not JSON-ready", e);
            actual = Status.INTERNAL_SERVER_ERROR_500;
            body = ("{\"type\":\"error\",\"code\":\"internal\",\"message\":\"the status document is not JSON: "
                    + ClientMessageParser.abbreviate(e.getOriginalMessage()).replace("\"", "'") + "\"}")
                    .getBytes(StandardCharsets.UTF_8);
        }
        res.status(actual);
        res.header(HeaderNames.CONTENT_TYPE, JSON);
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        res.send(body);
    }

    private static String uriHost(String host) {
        return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    private static Duration clamp(Duration value, Duration min, Duration max) {
        return value.compareTo(min) < 0 ? min : value.compareTo(max) > 0 ? max : value;
    }

    @Override
    public String toString() {
        return "WebSocketTransport[" + (address == null ? settings.host() + ":" + settings.port() + settings.path()
                : address) + ", " + state.name().toLowerCase(Locale.ROOT) + "]";
    }
}
