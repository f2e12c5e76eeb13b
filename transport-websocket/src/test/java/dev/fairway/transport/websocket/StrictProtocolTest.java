package dev.fairway.transport.websocket;

import dev.fairway.test.support.WsClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * RFC 6455 is enforced, each case over a raw socket: invalid UTF-8 closes with 1007; every framing violation
 * closes with 1002 and a close frame (never an HTTP response inside the upgraded stream); a request head that
 * never ends is dropped after {@code request-head-timeout}. After each close the server ends the connection and
 * closes the session, and nothing of the bad message reaches the scheduler.
 */
class StrictProtocolTest {

    private static Fixture fixture;

    @BeforeAll
    static void startServer() {
        fixture = Fixture.start(TestScheduler.holding(), Map.of("idle-timeout", "1h"));
    }

    @AfterAll
    static void stopServer() {
        fixture.close();
    }

    @Test
    void textFrameWithInvalidUtf8ClosesWith1007AndIsNeverSubmitted() throws Exception {
        byte[] json = "{\"type\":\"final\",\"seq\":1,\"text\":\"ab\"}".getBytes(StandardCharsets.UTF_8);
        byte[] bad = Arrays.copyOf(json, json.length + 2);
        System.arraycopy(json, json.length - 3, bad, json.length - 1, 3);   // ..."ab" + FF FE + "}
        bad[json.length - 3] = (byte) 0xFF;
        bad[json.length - 2] = (byte) 0xFE;
        assertClosedWith(1007, client -> client.sendFrame(true, WsClient.TEXT, bad));
    }

    @Test
    void invalidUtf8SplitAcrossFragmentsClosesWith1007() throws Exception {
        assertClosedWith(1007, client -> client
                .sendFrame(false, WsClient.TEXT, "{\"type\":\"ping\",\"id\":\"".getBytes(StandardCharsets.UTF_8))
                .sendFrame(false, WsClient.CONTINUATION, new byte[] {(byte) 0xE2, (byte) 0x82})   // € cut short
                .sendFrame(true, WsClient.CONTINUATION, "\"}".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void unknownOpcodeClosesWith1002() throws Exception {
        assertClosedWith(1002, client -> client.sendFrame(true, 3, "x".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void continuationWithoutAStartedMessageClosesWith1002() throws Exception {
        assertClosedWith(1002, client -> client.sendFrame(true, WsClient.CONTINUATION,
                "{\"type\":\"ping\"}".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void newTextFrameInsideAFragmentedMessageClosesWith1002() throws Exception {
        assertClosedWith(1002, client -> client
                .sendFrame(false, WsClient.TEXT, "{\"type\":".getBytes(StandardCharsets.UTF_8))
                .sendFrame(true, WsClient.TEXT, "{\"type\":\"ping\"}".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void fragmentedPingClosesWith1002() throws Exception {
        assertClosedWith(1002, client -> client.sendFrame(false, WsClient.PING, new byte[] {1, 2, 3}));
    }

    @Test
    void pingOver125BytesClosesWith1002() throws Exception {
        assertClosedWith(1002, client -> client.sendFrame(true, WsClient.PING, new byte[200]));
    }

    @Test
    void unmaskedClientFrameClosesWith1002() throws Exception {
        assertClosedWith(1002, client -> client.sendFrame(0x80 | WsClient.TEXT,
                "{\"type\":\"ping\"}".getBytes(StandardCharsets.UTF_8), false));
    }

    @Test
    void reservedBitWithoutAnExtensionClosesWith1002() throws Exception {
        assertClosedWith(1002, client -> client.sendFrame(0x80 | 0x40 | WsClient.TEXT,
                "{\"type\":\"ping\"}".getBytes(StandardCharsets.UTF_8), true));
    }

    @Test
    void halfSentRequestHeadIsDroppedAfterTheRequestHeadTimeoutButAnIdleSessionIsNot() throws Exception {
        // A server of its own: a request-head timeout short enough to pass during the test, long enough that a
        // busy machine still reads a whole head in time (the shared server keeps the default, so no other test
        // races it). The session idle timeout is long: only the request-head timeout can end the half-sent request.
        try (Fixture own = Fixture.start(TestScheduler.holding(),
                Map.of("request-head-timeout", "2s", "idle-timeout", "1h"))) {
            halfSentRequestHead(own);
        }
    }

    private static void halfSentRequestHead(Fixture fixture) throws Exception {
        URI uri = fixture.transport.address();
        WsClient upgraded = WsClient.raw(uri);
        upgraded.start("en", "fr");
        fixture.scheduler.nextOpened();
        try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
            socket.setSoTimeout((int) WsClient.TIMEOUT.toMillis());   // an upper bound for failing, not a wait
            socket.getOutputStream().write(("GET " + uri.getRawPath() + " HTTP/1.1\r\nHost: " + uri.getHost()
                    + "\r\nUpgrade: websocket\r\n").getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[1024];
            while (in.read(buffer) >= 0) {
                // whatever the server says before it closes (an HTTP 408, or nothing)
            }
        }
        // The half-sent request was dropped, so more than request-head-timeout has passed: the upgraded
        // connection, idle all that time, is governed by idle-timeout and still answers.
        upgraded.roundTrip("still open");
        upgraded.close();
        assertEquals(200, fixture.get("/health").statusCode());
    }

    /** Opens a session on a raw connection, breaks the protocol, and expects this close code, the end of the stream and a closed session. */
    private static void assertClosedWith(int code, Breach breach) throws Exception {
        try (WsClient client = WsClient.raw(fixture.transport.address())) {
            client.start("en", "fr");
            TestScheduler.TestSession session = fixture.scheduler.nextOpened();
            breach.commit(client);
            assertEquals(code, client.awaitCloseCode());
            client.awaitEndOfStream();
            session.awaitClosed();
            assertTrue(session.accepted.isEmpty(), () -> "submitted: " + session.accepted);
        }
    }

    private interface Breach {
        void commit(WsClient client) throws IOException;
    }
}
