package dev.fairway.test.support;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The WebSocket client of Fairway's tests: sends JSON text frames and takes the server's frames in order,
 * each as a JSON tree. What is not a text frame arrives as a pseudo-frame: {@code {"type":"_close",
 * "code":...}} for the server's close, {@code _pong}, {@code _binary}, {@code _not_json}, {@code _error}.
 *
 * <p>Two ways to speak, one surface:
 * <ul>
 *   <li>{@link #connect(HttpClient, URI)}: the JDK's {@code java.net.http.WebSocket}, a real client as
 *       users have; it can stop reading ({@link #connect(HttpClient, URI, Map, boolean)}) to play a slow reader.</li>
 *   <li>{@link #raw(URI)}: a plain blocking socket (RFC 6455 framing, no extensions), for what the JDK's
 *       client cannot do: send frames that break the protocol ({@link #sendFrame}), and see the server cut
 *       the connection without a close frame ({@link #awaitEndOfStream}). The JDK client now and then misses
 *       that end of stream (the socket stays in CLOSE_WAIT and no listener method is called); here it is a
 *       read that returns -1.</li>
 * </ul>
 * Every wait is bounded by {@link #TIMEOUT}, a generous failure timeout that never stands for an expected
 * delay. Expectations fail with {@link AssertionError}.
 */
public final class WsClient implements AutoCloseable {

    /** The longest any wait lasts before the test fails. */
    public static final Duration TIMEOUT = Duration.ofSeconds(60);

    /** Opcodes for {@link #sendFrame(boolean, int, byte[])}. */
    public static final int CONTINUATION = 0x0;
    public static final int TEXT = 0x1;
    public static final int BINARY = 0x2;
    public static final int CLOSE = 0x8;
    public static final int PING = 0x9;

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Jdk jdk;
    private final Raw raw;
    /** Frames {@link #next(Predicate, String)} passed over, in order; any later take looks here first. */
    private final List<JsonNode> skipped = new ArrayList<>();

    private WsClient(Jdk jdk, Raw raw) {
        this.jdk = jdk;
        this.raw = raw;
    }

    /**
     * Connects through the JDK's client and reads every frame as it comes.
     *
     * @param http the HTTP client
     * @param uri the endpoint
     * @return the connected client
     */
    public static WsClient connect(HttpClient http, URI uri) {
        return connect(http, uri, Map.of(), true);
    }

    /**
     * Connects through the JDK's client.
     *
     * @param http the HTTP client
     * @param uri the endpoint
     * @param headers extra request headers
     * @param reads whether to read frames as they come; false makes a client that reads one frame and then
     *     stops until {@link #resumeReading()}
     * @return the connected client
     */
    public static WsClient connect(HttpClient http, URI uri, Map<String, String> headers, boolean reads) {
        Collector collector = new Collector(reads);
        WebSocket socket = builder(http, headers).buildAsync(uri, collector)
                .orTimeout(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).join();
        return new WsClient(new Jdk(socket, collector), null);
    }

    /**
     * Connects through the JDK's client without waiting.
     *
     * @param http the HTTP client
     * @param uri the endpoint
     * @return the client once connected
     */
    public static CompletableFuture<WsClient> connectAsync(HttpClient http, URI uri) {
        Collector collector = new Collector(true);
        return builder(http, Map.of()).buildAsync(uri, collector)
                .thenApply(socket -> new WsClient(new Jdk(socket, collector), null));
    }

    /**
     * The HTTP status with which the server refuses the upgrade; fails when it accepts it.
     *
     * @param http the HTTP client
     * @param uri the endpoint
     * @param headers extra request headers
     * @return the status
     */
    public static int refusedStatus(HttpClient http, URI uri, Map<String, String> headers) {
        try {
            WebSocket socket = builder(http, headers).buildAsync(uri, new Collector(true))
                    .orTimeout(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).join();
            socket.abort();
            throw new AssertionError("the upgrade was accepted");
        } catch (CompletionException e) {
            if (e.getCause() instanceof WebSocketHandshakeException handshake) {
                return handshake.getResponse().statusCode();
            }
            throw e;
        }
    }

    /**
     * Connects on a plain socket and completes the upgrade handshake; fails when the server refuses it.
     *
     * @param uri the endpoint ({@code ws://host:port/path})
     * @return the connected client, which reads only when asked to
     * @throws IOException when the connection fails
     */
    public static WsClient raw(URI uri) throws IOException {
        return new WsClient(null, Raw.connect(uri));
    }

    /**
     * A JSON object of keys and values, in order.
     *
     * @param keysAndValues key, value, key, value...
     * @return the JSON text
     */
    public static String json(Object... keysAndValues) {
        ObjectNode node = JSON.createObjectNode();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            node.set((String) keysAndValues[i], JSON.valueToTree(keysAndValues[i + 1]));
        }
        return node.toString();
    }

    /**
     * Sends one text frame and waits until it is sent.
     *
     * @param text the frame's text
     * @return this client
     */
    public WsClient send(String text) {
        if (raw != null) {
            return sendFrame(true, TEXT, text.getBytes(StandardCharsets.UTF_8));
        }
        jdk.socket.sendText(text, true).orTimeout(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).join();
        return this;
    }

    /**
     * Sends one text frame of JSON made of these keys and values.
     *
     * @param keysAndValues key, value, key, value...
     * @return this client
     */
    public WsClient sendJson(Object... keysAndValues) {
        return send(json(keysAndValues));
    }

    /**
     * The next frame (frames passed over by {@link #next(String)} first), waiting for it.
     *
     * @return the frame
     * @throws InterruptedException when interrupted
     */
    public JsonNode next() throws InterruptedException {
        if (!skipped.isEmpty()) {
            return skipped.remove(0);
        }
        return raw != null ? raw.next() : jdk.next();
    }

    /**
     * The next frame of a type, passing over others, which later takes see first.
     *
     * @param type the wanted type
     * @return the frame
     * @throws InterruptedException when interrupted
     */
    public JsonNode next(String type) throws InterruptedException {
        return next(m -> type.equals(m.path("type").asText()), "a '" + type + "' frame");
    }

    /**
     * The next frame that matches, passing over others, which later takes see first.
     *
     * @param wanted the condition
     * @param what what it is, for the failure message
     * @return the frame
     * @throws InterruptedException when interrupted
     */
    public JsonNode next(Predicate<JsonNode> wanted, String what) throws InterruptedException {
        for (Iterator<JsonNode> it = skipped.iterator(); it.hasNext(); ) {
            JsonNode m = it.next();
            if (wanted.test(m)) {
                it.remove();
                return m;
            }
        }
        List<JsonNode> passed = new ArrayList<>();
        try {
            while (true) {
                JsonNode m = raw != null ? raw.next() : jdk.next(what);
                if (wanted.test(m)) {
                    return m;
                }
                passed.add(m);
            }
        } finally {
            skipped.addAll(passed);
        }
    }

    /**
     * The next frame, which must be of this type.
     *
     * @param type the type
     * @return the frame
     * @throws InterruptedException when interrupted
     */
    public JsonNode expect(String type) throws InterruptedException {
        JsonNode frame = next();
        if (!type.equals(frame.path("type").asText())) {
            throw new AssertionError("expected a " + type + " frame, got " + frame);
        }
        return frame;
    }

    /**
     * The next frame, which must be an error with this code.
     *
     * @param code the error code
     * @return the frame
     * @throws InterruptedException when interrupted
     */
    public JsonNode expectError(String code) throws InterruptedException {
        JsonNode frame = expect("error");
        if (!code.equals(frame.path("code").asText())) {
            throw new AssertionError("expected error " + code + ", got " + frame);
        }
        return frame;
    }

    /**
     * Sends {@code start} and returns the {@code ready} frame.
     *
     * @param source the source language
     * @param target the target language
     * @return the ready frame
     * @throws InterruptedException when interrupted
     */
    public JsonNode start(String source, String target) throws InterruptedException {
        sendJson("type", "start", "v", 1, "source", source, "target", target);
        return expect("ready");
    }

    /**
     * Sends a ping and waits for its pong, skipping nothing: every frame before it must have been taken.
     *
     * @param id the ping's id
     * @throws InterruptedException when interrupted
     */
    public void roundTrip(String id) throws InterruptedException {
        sendJson("type", "ping", "id", id);
        JsonNode pong = expect("pong");
        if (!id.equals(pong.path("id").asText())) {
            throw new AssertionError("expected the pong of " + id + ", got " + pong);
        }
    }

    /**
     * The server's close, which must be the next frame.
     *
     * @return its code
     * @throws InterruptedException when interrupted
     */
    public int expectClose() throws InterruptedException {
        return expect("_close").path("code").asInt();
    }

    /**
     * Waits for the server's close, passing over (and keeping) the frames before it.
     *
     * @return its code
     * @throws InterruptedException when interrupted
     */
    public int awaitClose() throws InterruptedException {
        return next("_close").path("code").asInt();
    }

    /**
     * Takes every frame received so far (passed over ones first), without waiting. JDK client only.
     *
     * @return the frames, in order
     */
    public List<JsonNode> takeAll() {
        List<JsonNode> all = new ArrayList<>(skipped);
        skipped.clear();
        jdk().collector.frames.drainTo(all);
        return all;
    }

    /**
     * Frames received and not yet taken. JDK client only.
     *
     * @return how many
     */
    public int pending() {
        return skipped.size() + jdk().collector.frames.size();
    }

    /** Lets a client that stopped reading read again. JDK client only. */
    public void resumeReading() {
        Jdk j = jdk();
        j.collector.reads = true;
        j.socket.request(Long.MAX_VALUE);
    }

    /**
     * Completes when the connection is gone, either way. JDK client only.
     *
     * @return the future
     */
    public CompletableFuture<Void> gone() {
        return jdk().collector.gone;
    }

    /**
     * The JDK client's socket, for what this class does not wrap (pings, a client-side close).
     *
     * @return the socket
     */
    public WebSocket socket() {
        return jdk().socket;
    }

    /**
     * Sends one masked frame with any FIN bit, opcode (0 to 15) and payload, valid or not. Raw client only.
     *
     * @param fin the FIN bit
     * @param opcode the opcode
     * @param payload the payload
     * @return this client
     */
    public WsClient sendFrame(boolean fin, int opcode, byte[] payload) {
        return sendFrame((fin ? 0x80 : 0) | opcode, payload, true);
    }

    /**
     * Sends one frame exactly as told. Raw client only.
     *
     * @param firstByte FIN, RSV1-3 and the opcode
     * @param payload the payload
     * @param masked whether to mask it (clients must)
     * @return this client
     */
    public WsClient sendFrame(int firstByte, byte[] payload, boolean masked) {
        raw().sendFrame(firstByte, payload, masked);
        return this;
    }

    /**
     * Answers the server's close with a close frame of this code. Raw client only.
     *
     * @param code the close code
     * @return this client
     */
    public WsClient sendClose(int code) {
        return sendFrame(true, CLOSE, new byte[] {(byte) (code >>> 8), (byte) code});
    }

    /**
     * Reads frames until the server's close frame, skipping text and control frames; fails on anything
     * that is not a WebSocket frame (an HTTP response written into the upgraded stream) or an end of
     * stream first. Raw client only.
     *
     * @return the close code (1005 when the close frame has none)
     * @throws IOException when reading fails
     */
    public int awaitCloseCode() throws IOException {
        return raw().awaitCloseCode();
    }

    /**
     * Reads and drops whatever the server still sends until it ends the connection; fails when it has
     * not within {@link #TIMEOUT} of the last byte. Raw client only.
     *
     * @throws IOException when reading fails or times out
     */
    public void awaitEndOfStream() throws IOException {
        raw().awaitEndOfStream();
    }

    /** Drops the connection at once, without a close handshake. */
    @Override
    public void close() {
        if (raw == null) {
            jdk.socket.abort();
            return;
        }
        try {
            raw.socket.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Jdk jdk() {
        if (jdk == null) {
            throw new IllegalStateException("only a client made by connect(...) does this");
        }
        return jdk;
    }

    private Raw raw() {
        if (raw == null) {
            throw new IllegalStateException("only a client made by raw(uri) does this");
        }
        return raw;
    }

    private static WebSocket.Builder builder(HttpClient http, Map<String, String> headers) {
        WebSocket.Builder builder = http.newWebSocketBuilder().connectTimeout(TIMEOUT);
        headers.forEach(builder::header);
        return builder;
    }

    /** The JDK client and the listener that queues what it receives. */
    private record Jdk(WebSocket socket, Collector collector) {

        JsonNode next() throws InterruptedException {
            return next("a frame");
        }

        JsonNode next(String what) throws InterruptedException {
            JsonNode frame = collector.frames.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (frame == null) {
                throw new AssertionError("no " + what + " within " + TIMEOUT);
            }
            return frame;
        }
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
            frames.add(JSON.createObjectNode().put("type", "_pong")
                    .put("payload", new String(payload, StandardCharsets.UTF_8)));
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

    /** The plain-socket client: reads happen in the caller's thread, each waiting at most {@link #TIMEOUT}. */
    private static final class Raw {
        private final Socket socket;
        private final DataInputStream in;
        private final OutputStream out;

        private Raw(Socket socket) throws IOException {
            this.socket = socket;
            this.in = new DataInputStream(socket.getInputStream());
            this.out = socket.getOutputStream();
        }

        static Raw connect(URI uri) throws IOException {
            Socket socket = new Socket(uri.getHost(), uri.getPort());
            socket.setSoTimeout((int) TIMEOUT.toMillis());
            Raw client = new Raw(socket);
            byte[] nonce = new byte[16];
            ThreadLocalRandom.current().nextBytes(nonce);
            String request = "GET " + uri.getRawPath() + " HTTP/1.1\r\n"
                    + "Host: " + uri.getHost() + ":" + uri.getPort() + "\r\n"
                    + "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: " + Base64.getEncoder().encodeToString(nonce) + "\r\n"
                    + "Sec-WebSocket-Version: 13\r\n\r\n";
            client.out.write(request.getBytes(StandardCharsets.US_ASCII));
            client.out.flush();
            String status = client.readLine();
            if (!status.startsWith("HTTP/1.1 101")) {
                socket.close();
                throw new AssertionError("the upgrade was refused: " + status);
            }
            while (!client.readLine().isEmpty()) {
                // the response's headers
            }
            return client;
        }

        void sendFrame(int firstByte, byte[] payload, boolean masked) {
            byte[] mask = new byte[4];
            ThreadLocalRandom.current().nextBytes(mask);
            int maskBit = masked ? 0x80 : 0;
            ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 14);
            frame.write(firstByte);
            if (payload.length < 126) {
                frame.write(maskBit | payload.length);
            } else if (payload.length <= 0xFFFF) {
                frame.write(maskBit | 126);
                frame.write(payload.length >>> 8);
                frame.write(payload.length);
            } else {
                frame.write(maskBit | 127);
                for (int shift = 56; shift >= 0; shift -= 8) {
                    frame.write((int) ((long) payload.length >>> shift));
                }
            }
            if (masked) {
                frame.writeBytes(mask);
            }
            for (int i = 0; i < payload.length; i++) {
                frame.write(masked ? payload[i] ^ mask[i & 3] : payload[i]);
            }
            try {
                out.write(frame.toByteArray());
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** The next text frame as JSON, or the server's close as {@code {"type":"_close","code":...}}. */
        JsonNode next() {
            try {
                ByteArrayOutputStream message = new ByteArrayOutputStream();
                for (;;) {
                    int first = in.readUnsignedByte();
                    int opcode = first & 0x0F;
                    byte[] payload = readPayload();
                    if (opcode == CLOSE) {
                        return JSON.createObjectNode().put("type", "_close").put("code", closeCode(payload));
                    }
                    if (opcode > CLOSE) {
                        continue;                                     // ping or pong: not a message
                    }
                    message.writeBytes(payload);
                    if ((first & 0x80) != 0) {
                        return JSON.readTree(message.toString(StandardCharsets.UTF_8));
                    }
                }
            } catch (EOFException e) {
                throw new AssertionError("the server ended the connection while a frame was expected");
            } catch (JsonProcessingException e) {
                throw new AssertionError("the server sent a frame that is not JSON: " + e.getMessage());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        int awaitCloseCode() throws IOException {
            for (;;) {
                int first = in.read();
                if (first < 0) {
                    throw new AssertionError("the server ended the connection without a close frame");
                }
                if ((first & 0x70) != 0 || (first & 0x0F) > 0xA || first == 'H') {
                    byte[] rest = in.readNBytes(Math.min(in.available(), 200));
                    throw new AssertionError("not a WebSocket frame from the server: " + (char) first
                            + new String(rest, StandardCharsets.ISO_8859_1));
                }
                byte[] payload = readPayload();
                if ((first & 0x0F) == CLOSE) {
                    return closeCode(payload);
                }
            }
        }

        void awaitEndOfStream() throws IOException {
            byte[] buffer = new byte[4096];
            while (in.read(buffer) >= 0) {
                // frames sent before the cut
            }
        }

        private static int closeCode(byte[] payload) {
            return payload.length >= 2 ? ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF) : 1005;
        }

        private byte[] readPayload() throws IOException {
            int second = in.readUnsignedByte();
            long length = second & 0x7F;
            if (length == 126) {
                length = in.readUnsignedShort();
            } else if (length == 127) {
                length = in.readLong();
            }
            if (length > Integer.MAX_VALUE) {
                throw new AssertionError("a frame of " + length + " bytes");
            }
            byte[] payload = new byte[(int) length];
            in.readFully(payload);
            return payload;
        }

        private String readLine() throws IOException {
            StringBuilder line = new StringBuilder();
            for (int b; (b = in.read()) != '\n'; ) {
                if (b < 0) {
                    throw new EOFException("the connection ended during the handshake");
                }
                if (b != '\r') {
                    line.append((char) b);
                }
            }
            return line.toString();
        }
    }

    @Override
    public String toString() {
        return "WsClient[" + (raw != null ? "raw " + raw.socket : Objects.toString(jdk.socket)) + "]";
    }
}
