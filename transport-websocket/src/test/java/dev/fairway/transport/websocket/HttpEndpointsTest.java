package dev.fairway.transport.websocket;

import dev.fairway.test.support.WsClient;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code GET /health} and {@code GET /status} over {@link java.net.http.HttpClient}. */
class HttpEndpointsTest {

    /** The server under test, closed after each test. */
    @AutoClose
    private Fixture fixture;

    @Test
    void healthIsUpWhileRunning() throws Exception {
        fixture = Fixture.start(TestScheduler.echo());
        HttpResponse<String> health = fixture.get("/health");
        assertEquals(200, health.statusCode());
        assertEquals("application/json", health.headers().firstValue("content-type").orElse(""));
        assertEquals("UP", Fixture.JSON.readTree(health.body()).path("status").asText());
    }

    @Test
    void statusShowsTheSchedulerStatusAndTheTransportCounters() throws Exception {
        fixture = Fixture.start(TestScheduler.echo());
        WsClient client = fixture.connect();
        client.start("en", "fr");
        client.sendJson("type", "partial", "seq", 1, "text", "hello");
        client.expect("translation");
        client.send("{oops");
        client.expectError("bad_json");

        JsonNode status = fixture.status();
        assertEquals(4, status.path("queue").path("maxConcurrent").asInt(), "the scheduler's status: " + status);
        assertEquals("test", status.path("version").asText());
        JsonNode ws = status.path("websocket");
        assertEquals("running", ws.path("state").asText());
        assertEquals(fixture.transport.address().toString(), ws.path("address").asText());
        assertEquals(1, ws.path("connectionsOpen").asInt());
        assertEquals(1, ws.path("sessionsOpen").asInt());
        assertEquals(3, ws.path("messagesIn").asInt());
        assertEquals(3, ws.path("messagesOut").asInt());
        assertEquals(1, ws.path("partialsAccepted").asInt());
        assertEquals(1, ws.path("errors").path("bad_json").asInt());
    }

    @Test
    void plainGetOnTheSessionPathAsksForAnUpgrade() {
        fixture = Fixture.start(TestScheduler.echo());
        HttpResponse<String> response = fixture.get("/v1/session");
        assertEquals(426, response.statusCode());
        assertTrue(response.body().contains("WebSocket"), response.body());
    }

    @Test
    void otherPathsAreNotFound() {
        fixture = Fixture.start(TestScheduler.echo());
        assertEquals(404, fixture.get("/nothing-here").statusCode());
    }

    @Test
    void configuredPathIsServed() throws Exception {
        fixture = Fixture.start(TestScheduler.echo(), java.util.Map.of("path", "/translate"));
        assertTrue(fixture.transport.address().toString().endsWith("/translate"));
        fixture.connect().start("en", "fr");
    }
}
