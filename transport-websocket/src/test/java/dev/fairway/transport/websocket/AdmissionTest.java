package dev.fairway.transport.websocket;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fairway.test.support.WsClient;
import dev.fairway.api.NanoClock;
import dev.fairway.api.spi.Admission;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

import java.net.Socket;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Admission control: while the application's {@link Admission} refuses, a new session is refused at the
 * handshake (HTTP 503, Retry-After, code {@code overloaded} with the application's reason) and {@code /ready}
 * says so; the sessions already open keep their service, and the node admits again when the refusal ends.
 */
class AdmissionTest {

    private static final Admission.Refusal SATURATED = new Admission.Refusal("saturated",
            "this node is saturated (queue wait p95 1500 ms over 1000 ms): try again later or another node",
            Duration.ofMillis(2500));

    private static final ObjectMapper JSON = new ObjectMapper();

    @AutoClose
    private Fixture fixture;

    private final AtomicReference<Admission.Refusal> refusing = new AtomicReference<>();

    private Fixture start(OpenTelemetrySdk openTelemetry) {
        Admission admission = () -> Optional.ofNullable(refusing.get());
        return Fixture.start(TestScheduler.echo(), Map.of(), NanoClock.SYSTEM,
                openTelemetry == null ? io.opentelemetry.api.OpenTelemetry.noop() : openTelemetry, admission);
    }

    @Test
    void aRefusedSessionIsTurnedAwayAtTheDoorAndTheOpenOnesKeepTheirService() throws Exception {
        fixture = start(null);
        WsClient open = fixture.connect();
        open.start("en", "fr");

        refusing.set(SATURATED);
        HttpResponse<?> response = refusal();
        assertEquals(503, response.statusCode());
        assertEquals("3", response.headers().firstValue("retry-after").orElse(""), "2.5 s rounds up");
        String raw = rawUpgrade();
        assertTrue(raw.startsWith("HTTP/1.1 503"), raw);
        JsonNode body = JSON.readTree(raw.substring(raw.indexOf("\r\n\r\n") + 4));
        assertEquals("overloaded", body.path("code").asText());
        assertEquals(SATURATED.message(), body.path("message").asText());

        JsonNode ready = JSON.readTree(fixture.get("/ready").body());
        assertEquals(503, fixture.get("/ready").statusCode());
        assertEquals("saturated", ready.path("reason").asText());
        assertEquals(SATURATED.message(), ready.path("message").asText());

        open.sendJson("type", "final", "seq", 1, "text", "still served");
        assertEquals("still served", open.expect("translation").path("source").asText());
        assertEquals(2, fixture.status().path("websocket").path("upgradesRefused").path("saturated").asInt(),
                "both upgrades were refused");

        refusing.set(null);
        assertEquals(200, fixture.get("/ready").statusCode());
        assertTrue(fixture.connect().start("en", "de").path("session").asText().startsWith("s-"));
    }

    @Test
    void refusalsAreCountedByReasonInTheMetrics() throws Exception {
        InMemoryMetricReader reader = InMemoryMetricReader.create();
        try (SdkMeterProvider meters = SdkMeterProvider.builder().registerMetricReader(reader).build()) {
            fixture = start(OpenTelemetrySdk.builder().setMeterProvider(meters).build());
            refusing.set(SATURATED);
            assertEquals(503, WsClient.refusedStatus(fixture.http, fixture.transport.address(), Map.of()));
            long saturated = reader.collectAllMetrics().stream()
                    .filter(m -> m.getName().equals("fairway.websocket.upgrades.refused"))
                    .flatMap(m -> m.getLongSumData().getPoints().stream())
                    .filter(p -> "saturated".equals(p.getAttributes().get(AttributeKey.stringKey("reason"))))
                    .mapToLong(LongPointData::getValue).sum();
            assertEquals(1, saturated);
        }
    }

    /** A WebSocket upgrade written on a raw socket: the whole answer, head and body. */
    private String rawUpgrade() throws Exception {
        var uri = fixture.transport.address();
        try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
            socket.setSoTimeout((int) WsClient.TIMEOUT.toMillis());
            socket.getOutputStream().write(("GET " + uri.getPath() + " HTTP/1.1\r\nHost: " + uri.getAuthority()
                    + "\r\nUpgrade: websocket\r\nConnection: Upgrade, close\r\nSec-WebSocket-Version: 13\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private HttpResponse<?> refusal() {
        try {
            fixture.http.newWebSocketBuilder().connectTimeout(WsClient.TIMEOUT)
                    .buildAsync(fixture.transport.address(), new WebSocket.Listener() { })
                    .orTimeout(WsClient.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).join().abort();
        } catch (CompletionException e) {
            if (e.getCause() instanceof WebSocketHandshakeException handshake) {
                return handshake.getResponse();
            }
            throw e;
        }
        throw new AssertionError("the upgrade was accepted");
    }
}
