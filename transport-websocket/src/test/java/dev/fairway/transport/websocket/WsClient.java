package dev.fairway.transport.websocket;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A real WebSocket client (the JDK's {@code java.net.http.WebSocket}) that collects the server's frames
 * in order. The server's close arrives as a last pseudo-frame {@code {"type":"_close","code":...}}.
 */
final class WsClient implements TestClient, AutoCloseable {

    static final JsonMapper JSON = JsonMapper.builder().build();
    static final Duration TIMEOUT = TestScheduler.TIMEOUT;

    final WebSocket socket;
    private final Collector collector;

    private WsClient(WebSocket socket, Collector collector) {
        this.socket = socket;
        this.collector = collector;
    }

    static WsClient connect(HttpClient http, URI uri) {
        return connect(http, uri, Map.of(), true);
    }

    /**
     * Connects.
     *
     * @param http the client
     * @param uri the endpoint
     * @param headers extra request headers
     * @param reads whether to read frames as they come; false makes a client that reads one frame and then stops
     * @return the connected client
     */
    static WsClient connect(HttpClient http, URI uri, Map<String, String> headers, boolean reads) {
        Collector collector = new Collector(reads);
        WebSocket.Builder builder = http.newWebSocketBuilder().connectTimeout(TIMEOUT);
        headers.forEach(builder::header);
        WebSocket socket = builder.buildAsync(uri, collector).orTimeout(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .join();
        return new WsClient(socket, collector);
    }

    /**
     * Connects without waiting.
     *
     * @param http the client
     * @param uri the endpoint
     * @return the client once connected
     */
    static CompletableFuture<WsClient> connectAsync(HttpClient http, URI uri) {
        Collector collector = new Collector(true);
        return http.newWebSocketBuilder().connectTimeout(TIMEOUT).buildAsync(uri, collector)
                .thenApply(socket -> new WsClient(socket, collector));
    }

    /**
     * The HTTP status with which the server refused the upgrade.
     *
     * @return the status
     */
    static int refusedStatus(HttpClient http, URI uri, Map<String, String> headers) {
        WebSocket.Builder builder = http.newWebSocketBuilder().connectTimeout(TIMEOUT);
        headers.forEach(builder::header);
        try {
            WebSocket socket = builder.buildAsync(uri, new Collector(true))
                    .orTimeout(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).join();
            socket.abort();
            return fail("the upgrade was accepted");
        } catch (CompletionException e) {
            if (e.getCause() instanceof WebSocketHandshakeException handshake) {
                return handshake.getResponse().statusCode();
            }
            throw e;
        }
    }

    static String json(Object... keysAndValues) {
        ObjectNode node = JSON.createObjectNode();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            node.set((String) keysAndValues[i], JSON.valueToTree(keysAndValues[i + 1]));
        }
        return node.toString();
    }

    WsClient send(String text) {
        socket.sendText(text, true).orTimeout(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).join();
        return this;
    }

    @Override
    public WsClient sendJson(Object... keysAndValues) {
        return send(json(keysAndValues));
    }

    @Override
    public JsonNode next() throws InterruptedException {
        JsonNode frame = collector.frames.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertNotNull(frame, "no frame within " + TIMEOUT);
        return frame;
    }


    /** Waits for the server's close and returns its code. */
    int expectClose() throws InterruptedException {
        return expect("_close").path("code").asInt();
    }

    /** Frames received and not yet taken. */
    int pending() {
        return collector.frames.size();
    }

    /** Lets a client that stopped reading read again. */
    void resumeReading() {
        collector.reads = true;
        socket.request(Long.MAX_VALUE);
    }

    /** Whether the connection is gone, either way. */
    CompletableFuture<Void> gone() {
        return collector.gone;
    }

    @Override
    public void close() {
        socket.abort();
    }

    private static final class Collector implements WebSocket.Listener {
        final BlockingQueue<JsonNode> frames = new LinkedBlockingQueue<>();
        final CompletableFuture<Void> gone = new CompletableFuture<>();
        private final StringBuilder partial = new StringBuilder();
        volatile boolean reads;

        Collector(boolean reads) {
            this.reads = reads;
        }

        @Override
        public void onOpen(WebSocket webSocket) {
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                try {
                    frames.add(JSON.readTree(partial.toString()));
                } catch (JsonProcessingException e) {
                    frames.add(JSON.createObjectNode().put("type", "_not_json").put("text", partial.toString()));
                }
                partial.setLength(0);
            }
            if (reads) {
                webSocket.request(1);
            }
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            frames.add(JSON.createObjectNode().put("type", "_binary"));
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
            byte[] payload = new byte[message.remaining()];
            message.get(payload);
            frames.add(JSON.createObjectNode().put("type", "_pong").put("payload", new String(payload,
                    java.nio.charset.StandardCharsets.UTF_8)));
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            frames.add(JSON.createObjectNode().put("type", "_close").put("code", statusCode).put("reason", reason));
            gone.complete(null);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            frames.add(JSON.createObjectNode().put("type", "_error").put("error", String.valueOf(error)));
            gone.complete(null);
        }
    }
}
