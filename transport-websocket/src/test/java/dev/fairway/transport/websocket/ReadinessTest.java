package dev.fairway.transport.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fairway.api.spi.Readiness;
import dev.fairway.test.support.WsClient;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/**
 * {@code /ready} with the application's readiness checks ({@code TransportContext.readiness()}): it lists the
 * transport's own checks and then the application's, each with its state, answers 503 while any is not ready
 * with the first one's reason and message, asks each check once per request, and asks for no token.
 */
class ReadinessTest {

    @AutoClose
    private Fixture fixture;

    private final AtomicReference<String> provider = new AtomicReference<>();
    private final AtomicReference<String> store = new AtomicReference<>();
    private final AtomicInteger asked = new AtomicInteger();

    private Fixture start(Map<String, String> config) {
        fixture = Fixture.withReadiness(TestScheduler.echo(), config, List.of(
                Readiness.of("provider", () -> {
                    asked.incrementAndGet();
                    return Optional.ofNullable(provider.get());
                }),
                Readiness.of("session-store", () -> Optional.ofNullable(store.get()))));
        return fixture;
    }

    private JsonNode ready(int expectedStatus) throws Exception {
        HttpResponse<String> response = fixture.get("/ready");
        assertEquals(expectedStatus, response.statusCode(), response.body());
        assertEquals("no-store", response.headers().firstValue("cache-control").orElse(""));
        return Fixture.JSON.readTree(response.body());
    }

    private static List<String> names(JsonNode checks) {
        List<String> names = new ArrayList<>();
        checks.forEach(check -> names.add(check.path("name").asText()));
        return names;
    }

    @Test
    void everyCheckIsListedWithItsState() throws Exception {
        start(Map.of());
        JsonNode body = ready(200);

        assertEquals("READY", body.path("status").asText());
        assertFalse(body.has("reason"));
        assertEquals(List.of("transport", "connections", "admission", "provider", "session-store"),
                names(body.path("checks")));
        body.path("checks").forEach(check -> {
            assertEquals("READY", check.path("status").asText(), check.toString());
            assertFalse(check.has("message"), check.toString());
        });
    }

    @Test
    void aCheckNotReadyTurnsReadyTo503WithItsReasonUntilItRecovers() throws Exception {
        start(Map.of());
        store.set("Redis does not answer (disconnected); reconnecting");
        JsonNode body = ready(503);

        assertEquals("NOT_READY", body.path("status").asText());
        assertEquals("session-store", body.path("reason").asText());
        assertEquals("Redis does not answer (disconnected); reconnecting", body.path("message").asText());
        JsonNode row = body.path("checks").path(4);
        assertEquals("session-store", row.path("name").asText());
        assertEquals("NOT_READY", row.path("status").asText());
        assertEquals("Redis does not answer (disconnected); reconnecting", row.path("message").asText());
        assertEquals("READY", body.path("checks").path(3).path("status").asText(), "the provider is ready");

        store.set(null);
        assertEquals("READY", ready(200).path("status").asText());
    }

    @Test
    void theFirstCheckNotReadyGivesTheReasonAndEveryOneIsListed() throws Exception {
        start(Map.of());
        provider.set("warming up: the warm-up request has not answered yet");
        store.set("Redis does not answer");
        JsonNode body = ready(503);

        assertEquals("provider", body.path("reason").asText());
        assertEquals("warming up: the warm-up request has not answered yet", body.path("message").asText());
        assertEquals("NOT_READY", body.path("checks").path(3).path("status").asText());
        assertEquals("NOT_READY", body.path("checks").path(4).path("status").asText());
    }

    @Test
    void aCheckThatThrowsIsNotReady() throws Exception {
        fixture = Fixture.withReadiness(TestScheduler.echo(), Map.of(), List.of(Readiness.of("limiter-store", () -> {
            throw new IllegalStateException("bug");
        })));
        JsonNode body = ready(503);
        assertEquals("limiter-store", body.path("reason").asText());
        assertEquals("the check failed: IllegalStateException", body.path("message").asText());
    }

    @Test
    void eachProbeAsksEachCheckOnceAndNeedsNoToken() throws Exception {
        start(Map.of("auth.tokens", "secret-token"));
        ready(200);
        ready(200);
        assertEquals(2, asked.get());
    }

    @Test
    void notReadyDoesNotRefuseSessionsByItself() throws Exception {
        // Readiness steers a load balancer; admission control and the connection cap refuse at the door.
        start(Map.of());
        provider.set("unreachable");
        ready(503);
        WsClient client = fixture.connect();
        assertTrue(client.start("en", "fr").path("session").asText().startsWith("s-"));
    }

    @Test
    void theConnectionCapIsACheckOfItsOwn() throws Exception {
        start(Map.of("max-connections", "1"));
        fixture.connect().start("en", "fr");
        JsonNode body = ready(503);
        assertEquals("max-connections", body.path("reason").asText());
        JsonNode connections = body.path("checks").path(1);
        assertEquals("connections", connections.path("name").asText());
        assertEquals("NOT_READY", connections.path("status").asText());
        assertTrue(connections.path("message").asText().contains("(1)"), connections.toString());
    }
}
