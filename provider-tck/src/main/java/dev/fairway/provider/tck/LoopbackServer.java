package dev.fairway.provider.tck;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A real HTTP server on the loopback interface whose answers a test scripts: it records every
 * request, answers each with what the current {@link Responder} returns, and can hold requests
 * without answering (a slow server) until released. Built on the JDK's
 * {@code com.sun.net.httpserver}; each exchange runs on its own virtual thread, so any number of
 * requests can be held at once.
 *
 * <pre>{@code
 * try (LoopbackServer server = LoopbackServer.start()) {
 *     server.respond(request -> LoopbackServer.Reply.json(429, "{\"error\":\"slow down\"}")
 *             .withHeader("retry-after", "2"));
 *     // point the provider at server.uri() and call it
 * }
 * }</pre>
 */
public final class LoopbackServer implements AutoCloseable {

    /** Answers one request. Called on the exchange's own thread; must be thread-safe. */
    @FunctionalInterface
    public interface Responder {

        /**
         * The answer to a request.
         *
         * @param request the request as received
         * @return the reply to send
         */
        Reply answer(Request request);
    }

    /**
     * A request as the server received it.
     *
     * @param method the HTTP method
     * @param path the path and query, for example {@code /v1/messages}
     * @param headers the headers; names are looked up ignoring case
     * @param body the body as UTF-8 text
     */
    public record Request(String method, String path, Map<String, List<String>> headers, String body) {

        /** Copies the headers into an unmodifiable map that ignores the case of names. */
        public Request {
            Objects.requireNonNull(method, "method");
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(body, "body");
            TreeMap<String, List<String>> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            headers.forEach((name, values) -> copy.put(name, List.copyOf(values)));
            headers = Collections.unmodifiableMap(copy);
        }

        /**
         * The first value of a header.
         *
         * @param name the header's name, in any case
         * @return the value when the header was sent
         */
        public Optional<String> header(String name) {
            List<String> values = headers.get(name);
            return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
        }
    }

    /**
     * What the server answers.
     *
     * @param status the HTTP status
     * @param headers the response headers ({@code Content-Type} defaults to {@code application/json})
     * @param body the body, sent as UTF-8; empty for none
     */
    public record Reply(int status, Map<String, String> headers, String body) {

        /** Validates the status and copies the headers, keeping their order. */
        public Reply {
            if (status < 100 || status > 999) {
                throw new IllegalArgumentException("status must be 100 to 999, was " + status);
            }
            headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
            Objects.requireNonNull(body, "body");
        }

        /**
         * A JSON answer.
         *
         * @param status the HTTP status
         * @param body the JSON text
         * @return the reply
         */
        public static Reply json(int status, String body) {
            return new Reply(status, Map.of("Content-Type", "application/json"), body);
        }

        /**
         * This reply with one more header.
         *
         * @param name the header's name
         * @param value its value
         * @return a copy with the header
         */
        public Reply withHeader(String name, String value) {
            Map<String, String> more = new LinkedHashMap<>(headers);
            more.put(name, value);
            return new Reply(status, more, body);
        }
    }

    private final HttpServer server;
    private final ExecutorService exchanges = Executors.newVirtualThreadPerTaskExecutor();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private volatile Responder responder;
    private final HoldGate gate = new HoldGate();

    private LoopbackServer(Responder responder) throws IOException {
        this.responder = responder;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
        server.setExecutor(exchanges);
        server.createContext("/", this::exchange);
        server.start();
    }

    /**
     * Starts a server on an ephemeral loopback port that answers every request with HTTP 500 until a
     * responder is set.
     *
     * @return the running server
     * @throws UncheckedIOException when no port can be opened
     */
    public static LoopbackServer start() {
        return start(request -> Reply.json(500, "{\"error\":\"the test set no responder\"}"));
    }

    /**
     * Starts a server on an ephemeral loopback port.
     *
     * @param responder answers requests until another is set
     * @return the running server
     * @throws UncheckedIOException when no port can be opened
     */
    public static LoopbackServer start(Responder responder) {
        Objects.requireNonNull(responder, "responder");
        try {
            return new LoopbackServer(responder);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a loopback port", e);
        }
    }

    /**
     * Where the server listens.
     *
     * @return for example {@code http://127.0.0.1:41234}, without a trailing slash
     */
    public URI uri() {
        InetSocketAddress address = server.getAddress();
        return URI.create("http://" + address.getAddress().getHostAddress() + ":" + address.getPort());
    }

    /**
     * Answers the requests that arrive from now on (and held ones, once released) with this responder.
     *
     * @param responder the responder
     */
    public void respond(Responder responder) {
        this.responder = Objects.requireNonNull(responder, "responder");
    }

    /** Holds the requests that arrive from now on, unanswered, until {@link #release()}. */
    public void hold() {
        gate.hold();
    }

    /**
     * Waits until at least {@code count} requests are held since the last {@link #hold()}.
     *
     * @param count how many, >= 1
     * @param timeout the longest wait
     * @return whether that many arrived in time; false when nothing is being held
     * @throws InterruptedException when the waiting thread is interrupted
     */
    public boolean awaitHeld(int count, Duration timeout) throws InterruptedException {
        return gate.awaitHeld(count, timeout);
    }

    /** Lets held requests go on, to be answered by the current responder; stops holding. */
    public void release() {
        gate.release();
    }

    /**
     * Every request received so far, in order of arrival.
     *
     * @return a snapshot
     */
    public List<Request> requests() {
        return List.copyOf(new ArrayList<>(requests));
    }

    /** Releases held requests, closes the port and stops the exchanges' threads. Idempotent. */
    @Override
    public void close() {
        release();
        server.stop(0);
        exchanges.shutdownNow();
    }

    @Override
    public String toString() {
        return "LoopbackServer[" + uri() + "]";
    }

    private void exchange(HttpExchange exchange) {
        try (exchange) {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Request request = new Request(exchange.getRequestMethod(), exchange.getRequestURI().toString(),
                    exchange.getRequestHeaders(), body);
            requests.add(request);
            gate.arrive();
            Reply reply;
            try {
                reply = responder.answer(request);
            } catch (RuntimeException e) {
                reply = Reply.json(500, "{\"error\":\"the test's responder threw " + e.getClass().getSimpleName() + "\"}");
            }
            send(exchange, reply);
        } catch (InterruptedException e) {
            // The server is closing: the held request is dropped.
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // The client went away (it was interrupted or timed out): there is no one to answer.
        }
    }

    private static void send(HttpExchange exchange, Reply reply) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        reply.headers().forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
        byte[] bytes = exchange.getRequestMethod().equals("HEAD") ? new byte[0] : reply.body().getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(reply.status(), bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }
}
