package dev.fairway.app.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A real WebSocket client (the JDK's) for end-to-end tests: sends JSON text frames and queues what it
 * receives. Waits are bounded by a generous failure timeout; they never stand for expected delays.
 */
public final class WsTestClient implements WebSocket.Listener, AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long TIMEOUT_SECONDS = 60;

    private final BlockingQueue<JsonNode> received = new LinkedBlockingQueue<>();
    private final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
    private final StringBuilder frame = new StringBuilder();
    private final WebSocket socket;

    private WsTestClient(HttpClient client, URI uri) throws Exception {
        socket = client.newWebSocketBuilder().buildAsync(uri, this).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    /**
     * Connects.
     *
     * @param client the HTTP client
     * @param uri the session endpoint
     * @return the connected client
     * @throws Exception when it cannot connect
     */
    public static WsTestClient connect(HttpClient client, URI uri) throws Exception {
        return new WsTestClient(client, uri);
    }

    /**
     * Sends one JSON text frame and waits until it is sent.
     *
     * @param json the message
     * @throws Exception when sending fails
     */
    public void send(String json) throws Exception {
        socket.sendText(json, true).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    /**
     * The next message of this type, skipping others (which are kept in {@link #skipped}).
     *
     * @param type the wanted type
     * @return the message
     * @throws InterruptedException when interrupted
     */
    public JsonNode next(String type) throws InterruptedException {
        return next(m -> type.equals(m.path("type").asText()), "a '" + type + "' message");
    }

    /**
     * The next message matching a condition.
     *
     * @param wanted the condition
     * @param what what it is, for the failure message
     * @return the message
     * @throws InterruptedException when interrupted
     */
    public JsonNode next(Predicate<JsonNode> wanted, String what) throws InterruptedException {
        for (java.util.Iterator<JsonNode> it = skipped.iterator(); it.hasNext();) {
            JsonNode m = it.next();
            if (wanted.test(m)) {
                it.remove();
                return m;
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
        while (true) {
            JsonNode m = received.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (m == null) {
                throw new AssertionError("no " + what + " within " + TIMEOUT_SECONDS + " s");
            }
            if (wanted.test(m)) {
                return m;
            }
            skipped.add(m);
        }
    }

    /** Messages {@link #next} passed over, in order; a later {@code next} looks here first. */
    public final BlockingQueue<JsonNode> skipped = new LinkedBlockingQueue<>();

    /**
     * Takes every message received so far (passed over ones first), without waiting.
     *
     * @return the messages, in order
     */
    public java.util.List<JsonNode> takeAll() {
        java.util.List<JsonNode> all = new java.util.ArrayList<>();
        skipped.drainTo(all);
        received.drainTo(all);
        return all;
    }

    /**
     * Waits for the server to close the connection.
     *
     * @return the close code
     * @throws Exception on timeout
     */
    public int awaitClose() throws Exception {
        return closeCode.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        frame.append(data);
        if (last) {
            try {
                received.add(JSON.readTree(frame.toString()));
            } catch (java.io.IOException e) {
                throw new AssertionError("server sent a frame that is not JSON: " + frame, e);
            }
            frame.setLength(0);
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closeCode.complete(statusCode);
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closeCode.completeExceptionally(error);
    }

    @Override
    public void close() {
        socket.abort();
    }
}
