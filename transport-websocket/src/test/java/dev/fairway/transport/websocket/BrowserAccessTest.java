package dev.fairway.transport.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fairway.test.support.WsClient;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/**
 * How a browser, which cannot set headers on a WebSocket handshake, sends its token: the subprotocols
 * {@code fairway.v1, token.<base64url(token)>}; and how a page learns why its handshake failed.
 */
class BrowserAccessTest {

    private static final String TOKENS = "first-secret-token, s3cret/with=chars+";

    /** The server under test, closed after each test. */
    @AutoClose
    private Fixture fixture;

    private WebSocket open(String... subprotocols) {
        WebSocket.Builder builder = fixture.http.newWebSocketBuilder();
        if (subprotocols.length > 0) {
            builder.subprotocols(subprotocols[0], java.util.Arrays.copyOfRange(subprotocols, 1, subprotocols.length));
        }
        return builder.buildAsync(fixture.transport.address(), new WebSocket.Listener() { })
                .orTimeout(WsClient.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).join();
    }

    private int refused(String... subprotocols) {
        try {
            open(subprotocols).abort();
            throw new AssertionError("the upgrade was accepted");
        } catch (CompletionException e) {
            return assertInstanceOf(WebSocketHandshakeException.class, e.getCause()).getResponse().statusCode();
        }
    }

    @Test
    void aTokenInTheSubprotocolIsAcceptedAndNeverEchoed() {
        fixture = Fixture.start(TestScheduler.echo(), Map.of("auth.tokens", TOKENS));
        for (String token : List.of("first-secret-token", "s3cret/with=chars+")) {
            WebSocket socket = open(Subprotocols.PROTOCOL, Subprotocols.tokenEntry(token));
            assertEquals("fairway.v1", socket.getSubprotocol(), "the server selects the protocol, not the token");
            socket.abort();
        }
        assertEquals(0, fixture.transport.stats().refusedUnauthorized.sum());
    }

    @Test
    void aWrongOrMalformedSubprotocolTokenIsRefusedWith401() {
        fixture = Fixture.start(TestScheduler.echo(), Map.of("auth.tokens", TOKENS));
        assertEquals(401, refused(Subprotocols.PROTOCOL, Subprotocols.tokenEntry("wrong-token-here")));
        assertEquals(401, refused(Subprotocols.PROTOCOL, "token.%%%"));
        assertEquals(401, refused(Subprotocols.PROTOCOL));
        assertEquals(3, fixture.transport.stats().refusedUnauthorized.sum());
    }

    @Test
    void withoutTokensTheProtocolIsSelectedAndClientsWithoutSubprotocolsStillConnect() throws Exception {
        fixture = Fixture.start(TestScheduler.echo());
        WebSocket socket = open(Subprotocols.PROTOCOL);
        assertEquals("fairway.v1", socket.getSubprotocol());
        socket.abort();
        assertTrue(fixture.connect().start("en", "fr").path("session").asText().startsWith("s-"));
    }

    @Test
    void subprotocolEntriesAreSplitAndDecoded() {
        List<String> entries = Subprotocols.entries(List.of("fairway.v1, token.Zmlyc3Qtc2VjcmV0LXRva2Vu", " x ,"));
        assertEquals(List.of("fairway.v1", "token.Zmlyc3Qtc2VjcmV0LXRva2Vu", "x"), entries);
        assertEquals(List.of("first-secret-token"), Subprotocols.tokens(entries));
        assertEquals("token.Zmlyc3Qtc2VjcmV0LXRva2Vu", Subprotocols.tokenEntry("first-secret-token"));
        assertTrue(Subprotocols.tokens(List.of("token.", "token.!!", "fairway.v1")).isEmpty());
    }

    @Test
    void aPostToTheSessionPathTellsAPageWhyItsHandshakeFailed() throws Exception {
        fixture = Fixture.start(TestScheduler.echo(), Map.of("auth.tokens", TOKENS,
                "allowed-origins", "https://app.example.com"));
        assertEquals(401, post(Map.of()).statusCode());
        assertEquals(403, post(Map.of("Authorization", "Bearer first-secret-token",
                "Origin", "https://evil.example.com")).statusCode());
        HttpResponse<String> fine = post(Map.of("Authorization", "Bearer first-secret-token",
                "Origin", "https://app.example.com"));
        assertEquals(426, fine.statusCode(), fine.body());
    }

    @Test
    void theEventStreamNeedsTheTokenLikeStatus() {
        fixture = Fixture.start(TestScheduler.echo(), Map.of("auth.tokens", TOKENS));
        HttpResponse<String> refused = fixture.get(StatusEvents.PATH);
        assertEquals(401, refused.statusCode());
        assertTrue(refused.headers().firstValue("www-authenticate").orElse("").startsWith("Bearer"));
        assertFalse(refused.body().contains("first-secret-token"));
    }

    private HttpResponse<String> post(Map<String, String> headers) throws Exception {
        URI ws = fixture.transport.address();
        HttpRequest.Builder request = HttpRequest.newBuilder(fixture.http(ws.getPath())).timeout(WsClient.TIMEOUT)
                .POST(HttpRequest.BodyPublishers.noBody());
        headers.forEach(request::header);
        return fixture.http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
