package dev.fairway.transport.websocket;

import dev.fairway.test.support.WsClient;
import com.fasterxml.jackson.databind.JsonNode;
import dev.fairway.api.NanoClock;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpResponse;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code max-connections}: past it a new connection is refused at the handshake (HTTP 503 with
 * Retry-After, never upgraded) while the sessions already open keep their service; {@code /ready}
 * tells a load balancer so, and {@code /status} counts the refusals.
 */
class ConnectionCapTest {

    /** The server under test, closed after each test. */
    @AutoClose
    private Fixture fixture;

    @Test
    void aConnectionOverTheCapIsRefusedAtTheDoorAndTheOthersKeepTheirService() throws Exception {
        fixture = Fixture.start(TestScheduler.echo(), Map.of("max-connections", "2"));
        URI uri = fixture.transport.address();
        WsClient first = fixture.connect();
        first.start("en", "fr");
        assertEquals("READY", readiness().path("status").asText(), "below the cap");
        WsClient second = fixture.connect();
        second.start("en", "de");

        assertEquals(503, WsClient.refusedStatus(fixture.http, uri, Map.of()));
        JsonNode ready = readiness();
        assertEquals("NOT_READY", ready.path("status").asText());
        assertEquals("max-connections", ready.path("reason").asText());

        // The sessions already open are served as before.
        first.sendJson("type", "final", "seq", 1, "text", "still here");
        assertEquals("still here", first.expect("translation").path("source").asText());
        JsonNode ws = fixture.status().path("websocket");
        assertEquals(1, ws.path("upgradesRefused").path("overloaded").asInt());
        assertEquals(2, ws.path("connectionsOpen").asInt());

        // One leaves: the node takes sessions again.
        second.sendJson("type", "end");
        second.expectClose();
        assertTrue(fixture.transport.awaitConnectionsAtMost(1, WsClient.TIMEOUT));
        assertEquals(200, fixture.get("/ready").statusCode());
        WsClient third = fixture.connect();
        assertTrue(third.start("en", "it").path("session").asText().startsWith("s-"));
    }

    @Test
    void refusalSaysWhenToTryAgain() throws Exception {
        fixture = Fixture.start(TestScheduler.echo(), Map.of("max-connections", "1"));
        fixture.connect().start("en", "fr");
        HttpResponse<?> response = refusal(fixture.transport.address());
        assertEquals(503, response.statusCode());
        assertEquals(String.valueOf(WebSocketTransport.RETRY_AFTER_SECONDS),
                response.headers().firstValue("retry-after").orElse(""));
    }

    /** The answer to an upgrade that must be refused. */
    private HttpResponse<?> refusal(URI uri) {
        try {
            fixture.http.newWebSocketBuilder().connectTimeout(WsClient.TIMEOUT)
                    .buildAsync(uri, new java.net.http.WebSocket.Listener() { })
                    .orTimeout(WsClient.TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS).join()
                    .abort();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof java.net.http.WebSocketHandshakeException handshake) {
                return handshake.getResponse();
            }
            throw e;
        }
        throw new AssertionError("the upgrade was accepted");
    }

    @Test
    void requestsThatAreNotUpgradedGiveTheirPlaceBack() throws Exception {
        fixture = Fixture.start(TestScheduler.echo(), Map.of("max-connections", "1"));
        for (int i = 0; i < 5; i++) {
            assertEquals(426, fixture.get(fixture.transport.address().getPath()).statusCode());
        }
        assertTrue(fixture.connect().start("en", "fr").path("session").asText().startsWith("s-"),
                "the plain requests held no place");
    }

    @Test
    void refusalsAreCountedInTheMetrics() throws Exception {
        InMemoryMetricReader reader = InMemoryMetricReader.create();
        try (SdkMeterProvider meters = SdkMeterProvider.builder().registerMetricReader(reader).build()) {
            fixture = Fixture.start(TestScheduler.echo(), Map.of("max-connections", "1"), NanoClock.SYSTEM,
                    OpenTelemetrySdk.builder().setMeterProvider(meters).build());
            fixture.connect().start("en", "fr");
            assertEquals(503, WsClient.refusedStatus(fixture.http, fixture.transport.address(), Map.of()));
            assertEquals(503, WsClient.refusedStatus(fixture.http, fixture.transport.address(), Map.of()));

            long overloaded = reader.collectAllMetrics().stream()
                    .filter(m -> m.getName().equals("fairway.websocket.upgrades.refused"))
                    .flatMap(m -> m.getLongSumData().getPoints().stream())
                    .filter(p -> "overloaded".equals(p.getAttributes().get(AttributeKey.stringKey("reason"))))
                    .mapToLong(LongPointData::getValue).sum();
            assertEquals(2, overloaded);
        }
    }

    @Test
    void readyIsUpWithoutACap() throws Exception {
        fixture = Fixture.start(TestScheduler.echo());
        fixture.connect().start("en", "fr");
        assertEquals(200, fixture.get("/ready").statusCode());
    }

    private JsonNode readiness() throws Exception {
        return Fixture.JSON.readTree(fixture.get("/ready").body());
    }
}
