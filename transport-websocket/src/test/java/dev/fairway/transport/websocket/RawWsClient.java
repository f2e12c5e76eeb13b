package dev.fairway.transport.websocket;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A WebSocket client on a plain blocking socket (RFC 6455 framing, no extensions), for what the JDK's client
 * cannot do: send frames that break the protocol (any opcode, FIN bit, length, mask, payload), and see the
 * server cut the connection without a close frame. The
 * JDK client now and then misses that end of stream: the socket stays in CLOSE_WAIT and no listener
 * method is ever called (about 7% of runs on a loaded 2-core machine). Here the end of the stream is a
 * read that returns -1. Every read waits at most {@link WsClient#TIMEOUT}.
 */
final class RawWsClient implements TestClient, AutoCloseable {

    static final int CONTINUATION = 0x0;
    static final int TEXT = 0x1;
    static final int BINARY = 0x2;
    static final int CLOSE = 0x8;
    static final int PING = 0x9;

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    private RawWsClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /** Connects and completes the upgrade handshake. */
    static RawWsClient connect(URI uri) throws IOException {
        Socket socket = new Socket(uri.getHost(), uri.getPort());
        socket.setSoTimeout((int) WsClient.TIMEOUT.toMillis());
        RawWsClient client = new RawWsClient(socket);
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
        assertTrue(status.startsWith("HTTP/1.1 101"), () -> "the upgrade was refused: " + status);
        while (!client.readLine().isEmpty()) {
            // the response's headers
        }
        return client;
    }

    @Override
    public RawWsClient sendJson(Object... keysAndValues) {
        return sendFrame(true, TEXT, WsClient.json(keysAndValues).getBytes(StandardCharsets.UTF_8));
    }

    /** Sends one masked frame with any FIN bit, opcode (0 to 15) and payload, valid or not. */
    RawWsClient sendFrame(boolean fin, int opcode, byte[] payload) {
        return sendFrame((fin ? 0x80 : 0) | opcode, payload, true);
    }

    /**
     * Sends one frame exactly as told.
     *
     * @param firstByte FIN, RSV1-3 and the opcode
     * @param payload the payload
     * @param masked whether to mask it (clients must)
     */
    RawWsClient sendFrame(int firstByte, byte[] payload, boolean masked) {
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
        return this;
    }

    /** Answers the server's close with a close frame of this code. */
    RawWsClient sendClose(int code) {
        return sendFrame(true, CLOSE, new byte[] {(byte) (code >>> 8), (byte) code});
    }

    /** Reads frames until the server's close, which must come next after what was already taken. */
    int expectCloseCode() throws InterruptedException {
        return expect("_close").path("code").asInt();
    }

    /**
     * Reads frames until the server's close frame, skipping text and control frames; fails on anything that is
     * not a WebSocket frame (an HTTP response written into the upgraded stream) or an end of stream first.
     *
     * @return the close code (1005 when the close frame has none)
     */
    int awaitCloseCode() throws IOException {
        for (;;) {
            int first = in.read();
            if (first < 0) {
                return fail("the server ended the connection without a close frame");
            }
            if ((first & 0x70) != 0 || (first & 0x0F) > 0xA || first == 'H') {
                byte[] rest = in.readNBytes(Math.min(in.available(), 200));
                return fail("not a WebSocket frame from the server: " + (char) first
                        + new String(rest, StandardCharsets.ISO_8859_1));
            }
            byte[] payload = readPayload();
            if ((first & 0x0F) == CLOSE) {
                return payload.length >= 2 ? ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF) : 1005;
            }
        }
    }

    /** The next text frame as JSON, or the server's close as {@code {"type":"_close","code":...}}. */
    @Override
    public JsonNode next() {
        try {
            ByteArrayOutputStream message = new ByteArrayOutputStream();
            for (;;) {
                int first = in.readUnsignedByte();
                int opcode = first & 0x0F;
                byte[] payload = readPayload();
                if (opcode == CLOSE) {
                    int code = payload.length >= 2 ? ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF) : 1005;
                    return WsClient.JSON.createObjectNode().put("type", "_close").put("code", code);
                }
                if (opcode > CLOSE) {
                    continue;                                     // ping or pong: not a message
                }
                message.writeBytes(payload);
                if ((first & 0x80) != 0) {
                    return WsClient.JSON.readTree(message.toString(StandardCharsets.UTF_8));
                }
            }
        } catch (EOFException e) {
            return fail("the server ended the connection while a frame was expected");
        } catch (JsonProcessingException e) {
            return fail("the server sent a frame that is not JSON: " + e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Reads and drops whatever the server still sends until it ends the connection; fails when it has
     * not within {@link WsClient#TIMEOUT} of the last byte.
     */
    void awaitEndOfStream() throws IOException {
        byte[] buffer = new byte[4096];
        while (in.read(buffer) >= 0) {
            // frames sent before the cut
        }
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
            return fail("a frame of " + length + " bytes");
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

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
