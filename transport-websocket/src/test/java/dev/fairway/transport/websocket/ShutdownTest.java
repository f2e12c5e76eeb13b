package dev.fairway.transport.websocket;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Graceful shutdown keeps accepted finals; close stops at once. */
class ShutdownTest {

    /** The server under test, closed after each test. */
    @AutoClose
    private Fixture fixture;

    @Test
    void gracefulShutdownDeliversAFinalAcceptedBeforeItThenClosesWithGoingAway() throws Exception {
        fixture = Fixture.start(TestScheduler.holding(), Map.of("shutdown-notice", "maintenance"));
        WsClient speaking = fixture.connect();
        speaking.start("en", "fr");
        TestScheduler.TestSession session = fixture.scheduler.nextOpened();
        speaking.sendJson("type", "final", "seq", 1, "text", "accepted before shutdown");
        speaking.roundTrip("accepted");
        WsClient idle = fixture.connect();
        idle.start("en", "de");

        CompletableFuture<Void> shutdown = shutdownInBackground(Duration.ofSeconds(30));

        JsonNode closing = speaking.expect("closing");
        assertEquals("maintenance", closing.path("message").asText());
        assertEquals(30_000, closing.path("graceMs").asLong());
        idle.expect("closing");
        assertEquals(1001, idle.expectClose(), "nothing pending: closed at once");

        // While draining: no new connections, sessions or segments, and /health says so.
        assertEquals(503, fixture.get("/health").statusCode());
        assertEquals(503, WsClient.refusedStatus(fixture.http, fixture.transport.address(), Map.of()));
        speaking.sendJson("type", "final", "seq", 2, "text", "too late");
        assertEquals(2, speaking.expectError("shutting_down").path("seq").asLong());
        assertFalse(shutdown.isDone(), "shutdown waits for the accepted final");

        session.release();
        JsonNode translation = speaking.expect("translation");
        assertEquals(1, translation.path("seq").asLong());
        assertEquals("fr: accepted before shutdown", translation.path("text").asText());
        assertEquals(1001, speaking.expectClose());

        shutdown.get(WsClient.TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        session.awaitClosed();
        HttpRequest health = HttpRequest.newBuilder(fixture.http("/health")).timeout(WsClient.TIMEOUT).build();
        Exception refused = assertThrows(Exception.class,
                () -> fixture.http.send(health, HttpResponse.BodyHandlers.ofString()));
        assertInstanceOf(ConnectException.class, refused, "the port is closed");
    }

    /**
     * Runs shutdown on its own virtual thread. Not on the common pool: with two cores it has one worker, and a
     * blocked worker there starves the JDK's HTTP client, which completes some stages on it.
     */
    private CompletableFuture<Void> shutdownInBackground(Duration grace) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                fixture.transport.shutdown(grace);
                done.complete(null);
            } catch (Throwable e) {
                done.completeExceptionally(e);
            }
        });
        return done;
    }

    @Test
    void failedFinalDuringShutdownIsStillReportedBeforeTheClose() throws Exception {
        fixture = Fixture.start(TestScheduler.holding());
        WsClient client = fixture.connect();
        client.start("en", "fr");
        TestScheduler.TestSession session = fixture.scheduler.nextOpened();
        client.sendJson("type", "final", "seq", 1, "text", "doomed");
        client.roundTrip("accepted");
        CompletableFuture<Void> shutdown = shutdownInBackground(Duration.ofSeconds(30));
        client.expect("closing");
        session.fail(dev.fairway.api.FailureReason.PERMANENT_PROVIDER_ERROR);
        assertEquals("permanent_provider_error", client.expectError("failed").path("reason").asText());
        assertEquals(1001, client.expectClose());
        shutdown.get(WsClient.TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }

    @Test
    void shutdownGraceRunningOutCutsWhatIsLeft() throws Exception {
        fixture = Fixture.start(TestScheduler.holding());
        WsClient client = fixture.connect();
        client.start("en", "fr");
        TestScheduler.TestSession session = fixture.scheduler.nextOpened();
        client.sendJson("type", "final", "seq", 1, "text", "never answered");
        client.roundTrip("accepted");

        fixture.transport.shutdown(Duration.ofMillis(100));

        session.awaitClosed();
        client.expect("closing");
        client.gone().get(WsClient.TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertEquals(0, fixture.transport.stats().connectionsOpen.get());
    }

    @Test
    void closeStopsAtOnceAndClosesSessions() throws Exception {
        fixture = Fixture.start(TestScheduler.holding());
        // The cut comes without a close frame, which the JDK's client sometimes misses (see RawWsClient).
        try (RawWsClient client = RawWsClient.connect(fixture.transport.address())) {
            client.start("en", "fr");
            TestScheduler.TestSession session = fixture.scheduler.nextOpened();
            client.sendJson("type", "final", "seq", 1, "text", "pending");
            client.roundTrip("accepted");

            fixture.transport.close();
            fixture.transport.close();

            session.awaitClosed();
            client.awaitEndOfStream();
        }
        assertTrue(fixture.transport.toString().contains("stopped"), fixture.transport::toString);
    }

    @Test
    void shutdownAndCloseBeforeStartDoNothing() throws Exception {
        WebSocketTransport transport = WebSocketTransport.create(new dev.fairway.api.spi.TransportContext(
                dev.fairway.api.spi.PluginConfig.of(Settings.PREFIX, Map.of("port", "0")), TestScheduler.echo(),
                io.opentelemetry.api.OpenTelemetry.noop(), Map::of));
        assertThrows(IllegalStateException.class, transport::address);
        transport.shutdown(Duration.ZERO);
        transport.close();
        assertThrows(IllegalStateException.class, transport::start);
    }
}
