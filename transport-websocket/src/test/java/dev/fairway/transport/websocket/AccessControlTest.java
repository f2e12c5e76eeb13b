package dev.fairway.transport.websocket;

import dev.fairway.test.support.WsClient;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** API tokens and allowed origins are checked at the upgrade: a refused client is never upgraded. */
class AccessControlTest {

    private static final String TOKENS = "first-secret-token, second-secret-token";

    /** The server under test, closed after each test. */
    @AutoClose
    private Fixture fixture;

    @Test
    void connectionWithoutAValidTokenIsRefusedWith401() {
        fixture = Fixture.start(TestScheduler.echo(), Map.of("auth.tokens", TOKENS));
        URI uri = fixture.transport.address();
        assertEquals(401, WsClient.refusedStatus(fixture.http, uri, Map.of()));
        assertEquals(401, WsClient.refusedStatus(fixture.http, uri, Map.of("Authorization", "Bearer wrong-token")));
        assertEquals(401, WsClient.refusedStatus(fixture.http, URI.create(uri + "?token=first-secret"), Map.of()));
        assertEquals(3, fixture.transport.stats().refusedUnauthorized.sum());
        assertEquals(0, fixture.scheduler.sessions.size());
    }

    @Test
    void bearerHeaderOrQueryTokenIsAccepted() throws Exception {
        fixture = Fixture.start(TestScheduler.echo(), Map.of("auth.tokens", TOKENS));
        URI uri = fixture.transport.address();
        fixture.track(WsClient.connect(fixture.http, uri, Map.of("Authorization", "Bearer first-secret-token"), true))
                .start("en", "fr");
        fixture.track(WsClient.connect(fixture.http, URI.create(uri + "?token=second-secret-token"), Map.of(), true))
                .start("en", "fr");
    }

    @Test
    void statusNeedsTheTokenButHealthDoesNot() {
        fixture = Fixture.start(TestScheduler.echo(), Map.of("auth.tokens", TOKENS));
        assertEquals(200, fixture.get("/health").statusCode());
        assertEquals(401, fixture.get("/status").statusCode());
        assertEquals(200, fixture.get("/status", "Authorization", "Bearer second-secret-token").statusCode());
    }

    @Test
    void originNotAllowedIsRefusedWith403() throws Exception {
        fixture = Fixture.start(TestScheduler.echo(), Map.of("allowed-origins", "https://app.example.com"));
        URI uri = fixture.transport.address();
        assertEquals(403, WsClient.refusedStatus(fixture.http, uri, Map.of("Origin", "https://evil.example.com")));
        fixture.track(WsClient.connect(fixture.http, uri, Map.of("Origin", "https://app.example.com"), true))
                .start("en", "fr");
        fixture.connect().start("en", "fr");                     // no Origin: not a browser
    }

    @Test
    void withoutAllowedOriginsOnlyTheSameOriginIsAccepted() throws Exception {
        fixture = Fixture.start(TestScheduler.echo());
        URI uri = fixture.transport.address();
        assertEquals(403, WsClient.refusedStatus(fixture.http, uri, Map.of("Origin", "https://evil.example.com")));
        String same = "http://" + uri.getHost() + ":" + uri.getPort();
        fixture.track(WsClient.connect(fixture.http, uri, Map.of("Origin", same), true)).start("en", "fr");
    }
}
