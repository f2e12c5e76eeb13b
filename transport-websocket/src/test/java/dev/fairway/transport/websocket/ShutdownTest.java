package dev.fairway.transport.websocket;

import dev.fairway.test.support.WsClient;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
        HttpResponse<String> ready = fixture.get("/ready");
        assertEquals(503, ready.statusCode());
        JsonNode readiness = Fixture.JSON.readTree(ready.body());
        assertEquals("shutting-down", readiness.path("reason").asText());
        assertEquals("transport", readiness.path("checks").path(0).path("name").asText());
        assertEquals("NOT_READY", readiness.path("checks").path(0).path("status").asText());
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
    void shutdownGraceRunningOutReportsWhatIsLeftAndCloses() throws Exception {
        fixture = Fixture.start(TestScheduler.holding());
        WsClient client = fixture.connect();
        client.start("en", "fr");
        TestScheduler.TestSession session = fixture.scheduler.nextOpened();
        client.sendJson("type", "final", "seq", 1, "text", "never answered");
        client.roundTrip("accepted");

        fixture.transport.shutdown(Duration.ofMillis(100));

        session.awaitClosed();
        client.expect("closing");
        assertEquals("shutdown", client.expectError("failed").path("reason").asText());
        assertEquals(1001, client.expectClose());
        client.gone().get(WsClient.TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertEquals(0, fixture.transport.stats().connectionsOpen.get());
    }

    @Test
    void graceRunningOutAnswersEveryUnansweredFinalWithFailedThenClosesWithGoingAway() throws Exception {
        // The scheduler is slower than the grace: it answers finals 1 and 2 of each session, never 3 to 6.
        fixture = Fixture.start(TestScheduler.holding(), Map.of("close-timeout", "1m"));
        List<WsClient> clients = new ArrayList<>();
        List<TestScheduler.TestSession> sessions = new ArrayList<>();
        try {
            for (int c = 0; c < 3; c++) {
                WsClient client = WsClient.raw(fixture.transport.address());
                clients.add(client);
                client.start("en", "fr");
                sessions.add(fixture.scheduler.nextOpened());
                for (int seq = 1; seq <= 6; seq++) {
                    client.sendJson("type", "final", "seq", seq, "text", "final " + seq);
                }
                client.roundTrip("all sent");
            }
            for (TestScheduler.TestSession session : sessions) {
                session.releaseOne();
                session.releaseOne();
            }

            CompletableFuture<Void> shutdown = shutdownInBackground(Duration.ofMillis(50));

            for (WsClient client : clients) {
                assertEquals(1, client.expect("translation").path("seq").asInt());
                assertEquals(2, client.expect("translation").path("seq").asInt());
                client.expect("closing");
                for (int seq = 3; seq <= 6; seq++) {
                    JsonNode failed = client.expectError("failed");
                    assertEquals(seq, failed.path("seq").asInt(), failed::toString);
                    assertEquals("final", failed.path("kind").asText());
                    assertEquals("shutdown", failed.path("reason").asText());
                }
                assertEquals(1001, client.expectClose(), "a close frame, then the socket");
                client.sendClose(1001);
                client.awaitEndOfStream();
            }
            shutdown.get(WsClient.TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            assertEquals(12, fixture.transport.stats().finalsFailedAtShutdown.sum());

            // The scheduler answers late: nothing more is sent, and nothing breaks.
            for (TestScheduler.TestSession session : sessions) {
                session.release();
            }
        } finally {
            for (WsClient client : clients) {
                client.close();
            }
        }
    }

    @Test
    void translationsRacingTheEndOfTheGraceAnswerEveryFinalExactlyOnce() throws Exception {
        int finals = 60;
        fixture = Fixture.start(TestScheduler.holding(), Map.of("close-timeout", "1m"));
        List<WsClient> clients = new ArrayList<>();
        List<TestScheduler.TestSession> sessions = new ArrayList<>();
        try {
            for (int c = 0; c < 3; c++) {
                WsClient client = WsClient.raw(fixture.transport.address());
                clients.add(client);
                client.start("en", "fr");
                sessions.add(fixture.scheduler.nextOpened());
                for (int seq = 1; seq <= finals; seq++) {
                    client.sendJson("type", "final", "seq", seq, "text", "final " + seq);
                }
                client.roundTrip("all sent");
            }
            // The scheduler delivers the held finals one by one while the grace runs out under it.
            Thread releasing = Thread.ofVirtual().start(() -> {
                boolean any = true;
                while (any) {
                    any = false;
                    for (TestScheduler.TestSession session : sessions) {
                        any |= session.releaseOne();
                    }
                }
            });
            CompletableFuture<Void> shutdown = shutdownInBackground(Duration.ZERO);

            for (WsClient client : clients) {
                int[] answers = new int[finals + 1];
                JsonNode frame;
                while (!(frame = client.next()).path("type").asText().equals("_close")) {
                    String type = frame.path("type").asText();
                    if (type.equals("translation") || type.equals("error") && frame.path("code").asText().equals("failed")) {
                        answers[frame.path("seq").asInt()]++;
                    } else {
                        assertEquals("closing", type, frame::toString);
                    }
                }
                assertEquals(1001, frame.path("code").asInt());
                for (int seq = 1; seq <= finals; seq++) {
                    assertEquals(1, answers[seq], "answers to final " + seq);
                }
                client.sendClose(1001);
                client.awaitEndOfStream();
            }
            releasing.join();
            shutdown.get(WsClient.TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } finally {
            for (WsClient client : clients) {
                client.close();
            }
        }
    }

    @Test
    void endedSessionWhoseFinalsOutliveTheGraceGetsFailedThenTheClose() throws Exception {
        fixture = Fixture.start(TestScheduler.holding());
        WsClient client = fixture.connect();
        client.start("en", "fr");
        TestScheduler.TestSession session = fixture.scheduler.nextOpened();
        client.sendJson("type", "final", "seq", 1, "text", "last words");
        client.sendJson("type", "end");
        session.awaitClosed();

        fixture.transport.shutdown(Duration.ZERO);

        client.expect("closing");
        JsonNode failed = client.expectError("failed");
        assertEquals(1, failed.path("seq").asInt());
        assertEquals("shutdown", failed.path("reason").asText());
        assertEquals(1001, client.expectClose());
        session.release();                                      // too late: dropped, never a second answer
        assertEquals(0, client.pending());
    }

    @Test
    void closeStopsAtOnceAndClosesSessions() throws Exception {
        fixture = Fixture.start(TestScheduler.holding());
        // The cut comes without a close frame, which the JDK's client sometimes misses (see WsClient).
        try (WsClient client = WsClient.raw(fixture.transport.address())) {
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
