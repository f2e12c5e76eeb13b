package dev.fairway.transport.websocket;

import dev.fairway.api.InvalidConfigurationException;
import dev.fairway.api.TranslationRequest;
import dev.fairway.api.spi.PluginConfig;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * The transport's configuration, read from the keys under {@code fairway.transport.websocket}.
 *
 * @param host the address to bind
 * @param port the port to bind, 0 for an ephemeral one
 * @param path the WebSocket endpoint's path
 * @param maxTextChars longest {@code text} of a segment, in UTF-16 code units
 * @param maxFrameBytes largest text message answered with an error frame rather than a close
 * @param maxMessagesPerSecond the rate of a connection's token bucket
 * @param burst the size of a connection's token bucket
 * @param outboundQueueLimit frames waiting to be written to one client before it is closed as too slow
 * @param outboundMaxBytes bytes of frames waiting or being written to one client before it is closed (1008)
 * @param outboundMaxTotalBytes bytes of frames waiting or being written to all clients together; the client
 *        whose frame does not fit is closed (1013)
 * @param idleTimeout a connection that sends nothing for this long is closed; zero for never
 * @param closeTimeout how long a client has to answer the server's close frame before its socket is cut
 * @param requestHeadTimeout how long the HTTP request head (before the upgrade) may take, and how long an
 *        HTTP connection may stay idle between requests
 * @param maxConnections WebSocket connections this node holds at most; one more is refused at the
 *        handshake with HTTP 503 and {@code Retry-After}; 0 for no cap
 * @param authTokens accepted API tokens; empty for no access control
 * @param allowedOrigins accepted {@code Origin} headers; empty for same-origin only
 * @param shutdownNotice the message of the {@code closing} frame sent on graceful shutdown
 * @param maxEventStreams streams of {@code /console/events} open at once; one more is refused with HTTP 503;
 *        0 turns the endpoint off
 */
record Settings(
        String host,
        int port,
        String path,
        int maxTextChars,
        int maxFrameBytes,
        int maxMessagesPerSecond,
        int burst,
        int outboundQueueLimit,
        long outboundMaxBytes,
        long outboundMaxTotalBytes,
        Duration idleTimeout,
        Duration closeTimeout,
        Duration requestHeadTimeout,
        int maxConnections,
        List<String> authTokens,
        Set<String> allowedOrigins,
        String shutdownNotice,
        int maxEventStreams) {

    /** The prefix of the transport's keys. */
    static final String PREFIX = "fairway.transport.websocket";

    /** Frames larger than this multiple of {@link #maxFrameBytes} are not even read: the server closes with 1009. */
    static final int HARD_FRAME_FACTOR = 4;

    /** The largest {@code id} of a {@code ping}, in bytes of its JSON; a larger one is a {@code bad_value}. */
    static final int MAX_PING_ID_BYTES = 128;

    /** The default of {@code outbound-max-bytes}: 1 MiB. */
    static final long DEFAULT_OUTBOUND_MAX_BYTES = 1L << 20;

    /** The default of {@code outbound-max-total-bytes} is this fraction of the heap's maximum. */
    static final int DEFAULT_TOTAL_HEAP_DIVISOR = 8;

    static final Set<String> KEYS = Set.of("host", "port", "path", "max-text-chars", "max-frame-bytes",
            "max-messages-per-second", "max-messages-burst", "outbound-queue-limit", "outbound-max-bytes",
            "outbound-max-total-bytes", "idle-timeout", "close-timeout", "request-head-timeout", "max-connections",
            "auth.tokens",
            "allowed-origins", "shutdown-notice", "max-event-streams");

    private static final System.Logger LOG = System.getLogger(Settings.class.getName());
    private static final Set<String> RESERVED_PATHS = Set.of("/health", "/ready", "/status",
            StatusEvents.PATH);

    /** Validates every field. */
    Settings {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(closeTimeout, "closeTimeout");
        Objects.requireNonNull(requestHeadTimeout, "requestHeadTimeout");
        Objects.requireNonNull(shutdownNotice, "shutdownNotice");
        authTokens = List.copyOf(authTokens);
        allowedOrigins = Set.copyOf(allowedOrigins);
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port must be 0 to 65535, was " + port);
        }
        if (maxTextChars < 1 || maxFrameBytes < 1 || maxMessagesPerSecond < 1 || burst < 1 || outboundQueueLimit < 1) {
            throw new IllegalArgumentException("limits must be >= 1, were maxTextChars=" + maxTextChars
                    + " maxFrameBytes=" + maxFrameBytes + " maxMessagesPerSecond=" + maxMessagesPerSecond
                    + " burst=" + burst + " outboundQueueLimit=" + outboundQueueLimit);
        }
        if (outboundMaxBytes < 1 || outboundMaxTotalBytes < 1) {
            throw new IllegalArgumentException("byte budgets must be >= 1, were outboundMaxBytes=" + outboundMaxBytes
                    + " outboundMaxTotalBytes=" + outboundMaxTotalBytes);
        }
        if (maxEventStreams < 0) {
            throw new IllegalArgumentException("maxEventStreams must be >= 0, was " + maxEventStreams);
        }
        if (requestHeadTimeout.isNegative() || requestHeadTimeout.isZero()) {
            throw new IllegalArgumentException("requestHeadTimeout must be positive, was " + requestHeadTimeout);
        }
    }

    /**
     * Reads and checks the keys.
     *
     * @param config the transport's keys
     * @return the settings
     * @throws InvalidConfigurationException naming the first bad key
     */
    static Settings from(PluginConfig config) {
        for (String key : new TreeSet<>(config.keys())) {
            if (!KEYS.contains(key)) {
                LOG.log(System.Logger.Level.WARNING, "unknown configuration key " + config.fullKey(key)
                        + " ignored; known keys: " + new TreeSet<>(KEYS));
            }
        }
        String host = config.string("host", "127.0.0.1");
        int port = config.integer("port", 8080, 0, 65_535);
        String path = config.string("path", "/v1/session");
        if (!path.matches("/[A-Za-z0-9._~/-]*") || RESERVED_PATHS.contains(path) || path.endsWith("/") && path.length() > 1) {
            throw new InvalidConfigurationException(config.fullKey("path"), path,
                    "a path such as /v1/session (letters, digits, . _ ~ - /), not /health, /ready, /status or "
                            + StatusEvents.PATH);
        }
        int maxTextChars = config.integer("max-text-chars", 4000, 1, TranslationRequest.MAX_TEXT_LENGTH);
        int maxFrameBytes = config.integer("max-frame-bytes", 65_536, 256, 16 * 1024 * 1024);
        int rate = config.integer("max-messages-per-second", 50, 1, 100_000);
        int burst = config.integer("max-messages-burst", Math.max(100, rate), 1, 1_000_000);
        int queue = config.integer("outbound-queue-limit", 256, 1, 1_000_000);
        long maxBytes = config.longValue("outbound-max-bytes", DEFAULT_OUTBOUND_MAX_BYTES, 1024, 1L << 30);
        long maxTotal = config.longValue("outbound-max-total-bytes", defaultTotalBytes(), 64 * 1024, 1L << 40);
        Duration idle = config.duration("idle-timeout", Duration.ofMinutes(5), Duration.ZERO, Duration.ofDays(1));
        Duration close = config.duration("close-timeout", Duration.ofSeconds(5), Duration.ofMillis(1),
                Duration.ofMinutes(1));
        Duration head = config.duration("request-head-timeout", Duration.ofSeconds(10), Duration.ofMillis(1),
                Duration.ofMinutes(10));
        int maxConnections = config.integer("max-connections", 0, 0, 10_000_000);
        List<String> tokens = tokens(config);
        Set<String> origins = origins(config);
        String notice = config.string("shutdown-notice",
                "the server is shutting down: accepted finals are still delivered, then the connection closes");
        int eventStreams = config.integer("max-event-streams", 16, 0, 10_000);
        return new Settings(host, port, path, maxTextChars, maxFrameBytes, rate, burst, queue, maxBytes, maxTotal,
                idle, close, head, maxConnections, tokens, origins, notice, eventStreams);
    }

    /**
     * The default shared budget: an eighth of the heap's maximum, at least 64 KiB.
     *
     * @return bytes
     */
    static long defaultTotalBytes() {
        return Math.max(64 * 1024, Runtime.getRuntime().maxMemory() / DEFAULT_TOTAL_HEAP_DIVISOR);
    }

    private static List<String> tokens(PluginConfig config) {
        List<String> tokens = new ArrayList<>();
        for (String token : config.string("auth.tokens", "").split(",")) {
            String t = token.trim();
            if (t.isEmpty()) {
                continue;
            }
            if (!t.matches("[\\x21-\\x7e]+") || t.getBytes(StandardCharsets.UTF_8).length < 8) {
                // The value is a secret: the message names the key only.
                throw new InvalidConfigurationException(config.fullKey("auth.tokens"), "****",
                        "comma-separated tokens of at least 8 printable ASCII characters without spaces");
            }
            tokens.add(t);
        }
        return tokens;
    }

    private static Set<String> origins(PluginConfig config) {
        Set<String> origins = new LinkedHashSet<>();
        for (String origin : config.string("allowed-origins", "").split(",")) {
            String o = origin.trim();
            if (o.isEmpty()) {
                continue;
            }
            if (!isOrigin(o)) {
                throw new InvalidConfigurationException(config.fullKey("allowed-origins"), o,
                        "comma-separated origins as browsers send them, such as https://app.example.com"
                                + " or http://localhost:3000 (scheme and host, optional port, no path)");
            }
            origins.add(o);
        }
        return origins;
    }

    private static boolean isOrigin(String value) {
        try {
            URI uri = new URI(value);
            return ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null
                    && uri.getRawPath().isEmpty() && uri.getRawQuery() == null && uri.getRawFragment() == null
                    && uri.getRawUserInfo() == null;
        } catch (URISyntaxException e) {
            return false;
        }
    }

    /**
     * The largest frame the server reads at all.
     *
     * @return {@link #HARD_FRAME_FACTOR} times {@link #maxFrameBytes}, capped to fit an int
     */
    int hardFrameBytes() {
        return (int) Math.min(Integer.MAX_VALUE, (long) maxFrameBytes * HARD_FRAME_FACTOR);
    }

    /**
     * Whether API tokens are required.
     *
     * @return whether any token is configured
     */
    boolean authRequired() {
        return !authTokens.isEmpty();
    }

    @Override
    public String toString() {
        return "Settings[host=" + host + ", port=" + port + ", path=" + path + ", maxTextChars=" + maxTextChars
                + ", maxFrameBytes=" + maxFrameBytes + ", maxMessagesPerSecond=" + maxMessagesPerSecond
                + ", burst=" + burst + ", outboundQueueLimit=" + outboundQueueLimit + ", outboundMaxBytes="
                + outboundMaxBytes + ", outboundMaxTotalBytes=" + outboundMaxTotalBytes + ", idleTimeout=" + idleTimeout
                + ", closeTimeout=" + closeTimeout + ", requestHeadTimeout=" + requestHeadTimeout
                + ", maxConnections=" + maxConnections + ", authTokens=" + authTokens.size() + " configured"
                + ", allowedOrigins=" + allowedOrigins + ", maxEventStreams=" + maxEventStreams + "]";
    }
}
