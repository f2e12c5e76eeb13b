package dev.fairway.transport.websocket;

import dev.fairway.test.support.WsClient;
import com.fasterxml.jackson.databind.JsonNode;
import dev.fairway.api.SegmentKind;
import dev.fairway.api.TranslationRequest;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Floods, slow readers and clients that ignore a close: refused or cut off, never a crash, never a blocked scheduler. */
class AbuseTest {

    /** The server under test, closed after each test. */
    @AutoClose
    private Fixture fixture;

    @Test
    void floodIsRateLimitedWithOneErrorPerEpisodeAndOnePerRefusedFinal() throws Exception {
        AtomicLong now = new AtomicLong();
        fixture = Fixture.start(TestScheduler.echo(),
                Map.of("max-messages-per-second", "10", "max-messages-burst", "10"), now::get);
        WsClient client = fixture.connect();
        client.start("en", "fr");                                 // token 1 of 10
        for (int seq = 1; seq <= 9; seq++) {                      // tokens 2 to 10
            client.sendJson("type", "partial", "seq", seq, "text", "word " + seq);
            assertEquals(seq, client.expect("translation").path("seq").asInt());
        }
        for (int seq = 10; seq < 60; seq++) {                     // the clock stands still: no token
            client.sendJson("type", "partial", "seq", seq, "text", "word " + seq);
        }
        client.sendJson("type", "final", "seq", 60, "text", "the end");

        JsonNode episode = client.expectError("rate_limited");
        assertEquals(10, episode.path("seq").asLong(), "the first refused message of the episode");
        JsonNode refusedFinal = client.expectError("rate_limited");
        assertEquals(60, refusedFinal.path("seq").asLong(), "every refused final is reported");

        now.addAndGet(TimeUnit.SECONDS.toNanos(1));               // ten tokens again
        client.roundTrip("after the flood");
        client.sendJson("type", "final", "seq", 60, "text", "the end");
        assertEquals("fr: the end", client.expect("translation").path("text").asText());

        assertEquals(51, fixture.transport.stats().rateLimitedDropped.sum());
        assertEquals(200, fixture.get("/health").statusCode());
    }

    @Test
    void clientThatDoesNotReadIsClosedWithPolicyViolationAndTheServerStaysHealthy() throws Exception {
        fixture = Fixture.start(TestScheduler.holding(), Map.of("outbound-queue-limit", "4", "close-timeout", "1m"));
        WsClient slow = fixture.connect(Map.of(), false);
        slow.start("en", "fr");                                   // reads this one frame, then no more
        TestScheduler.TestSession session = fixture.scheduler.nextOpened();

        // The scheduler keeps delivering; the client's socket buffers fill, the writer blocks, the queue fills.
        // None of these calls may block: they run on scheduler threads.
        int pushed = push(session, 2_000_000, 200);
        session.awaitClosed();
        assertTrue(pushed < 2_000_000, "the connection was closed before the bound");
        assertEquals(1, fixture.transport.stats().closedSlowClients.sum());

        slow.resumeReading();
        JsonNode frame;
        do {
            frame = slow.next();
        } while (frame.path("type").asText().equals("translation"));
        assertEquals("_close", frame.path("type").asText(), frame::toString);
        assertEquals(1008, frame.path("code").asInt());
        assertTrue(fixture.transport.awaitConnectionsAtMost(0, WsClient.TIMEOUT));

        assertEquals(200, fixture.get("/health").statusCode());
        fixture.scheduler.mode = TestScheduler.Mode.ECHO;
        WsClient healthy = fixture.connect();
        healthy.start("en", "fr");
        healthy.sendJson("type", "final", "seq", 1, "text", "still serving");
        healthy.expect("translation");
    }

    @Test
    void clientThatIgnoresTheCloseIsCutAfterTheCloseTimeout() throws Exception {
        fixture = Fixture.start(TestScheduler.holding(),
                Map.of("outbound-queue-limit", "2", "close-timeout", "100ms"));
        WsClient slow = fixture.connect(Map.of(), false);
        slow.start("en", "fr");
        TestScheduler.TestSession session = fixture.scheduler.nextOpened();
        push(session, 2_000_000, 16_000);
        session.awaitClosed();
        assertTrue(fixture.transport.awaitConnectionsAtMost(0, WsClient.TIMEOUT), "the socket was cut");
        assertEquals(1, fixture.transport.stats().closedSlowClients.sum());
        assertEquals(200, fixture.get("/health").statusCode());
    }

    @Test
    void clientThatReadsKeepsUpWithTheSameSmallQueue() throws Exception {
        fixture = Fixture.start(TestScheduler.holding(), Map.of("outbound-queue-limit", "2"));
        WsClient client = fixture.connect();
        client.start("en", "fr");
        TestScheduler.TestSession session = fixture.scheduler.nextOpened();
        for (int seq = 0; seq < 300; seq++) {
            session.listener.onTranslation(TestScheduler.translation(request(session, seq, "x".repeat(100)), "y"));
            assertEquals(seq, client.expect("translation").path("seq").asInt());
        }
        assertEquals(0, fixture.transport.stats().closedSlowClients.sum());
        client.roundTrip("still open");
    }

    @Test
    void thousandsOfErrorFramesToANonReaderEndInAPolicyCloseNotInMemory() throws Exception {
        fixture = Fixture.start(TestScheduler.echo(), Map.of("outbound-queue-limit", "8", "close-timeout", "100ms",
                "max-messages-per-second", "100000", "max-messages-burst", "1000000"));
        WsClient slow = fixture.connect(Map.of(), false);
        // Every bad message earns an error frame the client never reads.
        for (int i = 0; i < 500_000 && !slow.gone().isDone(); i++) {
            try {
                slow.send("not json " + "x".repeat(200));
            } catch (RuntimeException e) {
                break;                                            // the server cut the connection
            }
            if (fixture.transport.stats().closedSlowClients.sum() > 0) {
                break;
            }
        }
        assertEquals(1, fixture.transport.stats().closedSlowClients.sum());
        assertTrue(fixture.transport.awaitConnectionsAtMost(0, WsClient.TIMEOUT));
        assertEquals(200, fixture.get("/health").statusCode());
    }

    @Test
    void clientOverItsOutboundByteBudgetIsClosedWithPolicyViolationAndCounted() throws Exception {
        fixture = Fixture.start(TestScheduler.holding(), Map.of("outbound-max-bytes", "65536",
                "outbound-queue-limit", "1000000", "close-timeout", "1m"));
        WsClient slow = fixture.connect(Map.of(), false);
        slow.start("en", "fr");
        TestScheduler.TestSession session = fixture.scheduler.nextOpened();
        int pushed = push(session, 2_000_000, 1_000);
        session.awaitClosed();
        assertTrue(pushed < 2_000_000, "the connection was closed before the bound");
        JsonNode ws = fixture.status().path("websocket");
        assertEquals(1, ws.path("closedOverBudget").asInt(), ws::toString);
        assertEquals(0, ws.path("closedOverSharedBudget").asInt(), ws::toString);
        assertTrue(ws.path("outboundBytes").asLong() <= 65_536, ws::toString);

        slow.resumeReading();
        JsonNode frame;
        do {
            frame = slow.next();
        } while (frame.path("type").asText().equals("translation"));
        assertEquals("_close", frame.path("type").asText(), frame::toString);
        assertEquals(1008, frame.path("code").asInt());
    }

    @Test
    void sharedOutboundByteBudgetClosesTheClientWhoseFrameDoesNotFitWithTryAgainLater() throws Exception {
        fixture = Fixture.start(TestScheduler.holding(), Map.of("outbound-max-total-bytes", "65536",
                "outbound-max-bytes", "1000000", "outbound-queue-limit", "1000000", "close-timeout", "1m"));
        WsClient slow = fixture.connect(Map.of(), false);
        slow.start("en", "fr");
        TestScheduler.TestSession session = fixture.scheduler.nextOpened();
        push(session, 2_000_000, 1_000);
        session.awaitClosed();
        assertEquals(1, fixture.transport.stats().closedOverSharedBudget.sum());
        assertEquals(0, fixture.transport.stats().closedOverBudget.sum());
        assertTrue(fixture.transport.budget().used() <= 65_536);

        slow.resumeReading();
        JsonNode frame;
        do {
            frame = slow.next();
        } while (frame.path("type").asText().equals("translation"));
        assertEquals(1013, frame.path("code").asInt(), frame::toString);
        assertTrue(fixture.transport.awaitConnectionsAtMost(0, WsClient.TIMEOUT));

        fixture.scheduler.mode = TestScheduler.Mode.ECHO;
        WsClient healthy = fixture.connect();
        healthy.start("en", "fr");
        healthy.sendJson("type", "final", "seq", 1, "text", "still serving");
        healthy.expect("translation");
    }

    @Test
    void pingsWithTheLargestIdToAClientThatNeverReadsEndInACloseNotInMemory() throws Exception {
        fixture = Fixture.start(TestScheduler.echo(), Map.of("outbound-max-bytes", "16384", "close-timeout", "100ms",
                "max-messages-per-second", "100000", "max-messages-burst", "1000000"));
        String id = "i".repeat(Settings.MAX_PING_ID_BYTES - 2);          // 128 bytes of JSON with its quotes
        try (WsClient attacker = WsClient.raw(fixture.transport.address())) {
            attacker.start("en", "fr");
            for (int i = 0; i < 2_000_000 && fixture.transport.stats().closedOverBudget.sum() == 0; i++) {
                try {
                    attacker.sendJson("type", "ping", "id", id);
                } catch (java.io.UncheckedIOException e) {
                    break;                                              // the server cut the connection
                }
            }
        }
        assertEquals(1, fixture.transport.stats().closedOverBudget.sum());
        assertEquals(0, fixture.transport.stats().errors(ErrorCode.BAD_VALUE), "128 bytes is allowed");
        assertTrue(fixture.transport.awaitConnectionsAtMost(0, WsClient.TIMEOUT));
        assertEquals(200, fixture.get("/health").statusCode());
    }

    @Test
    void idleConnectionIsClosedAfterTheIdleTimeoutAndItsSessionReleased() throws Exception {
        fixture = Fixture.start(TestScheduler.echo(), Map.of("idle-timeout", "200ms"));
        WsClient idle = fixture.connect();
        idle.start("en", "fr");
        TestScheduler.TestSession session = fixture.scheduler.nextOpened();
        session.awaitClosed();
        idle.gone().get(WsClient.TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertEquals(200, fixture.get("/health").statusCode());
    }

    /** Delivers translations to the session's listener until the transport closes the session. */
    private static int push(TestScheduler.TestSession session, int bound, int textLength) {
        String text = "x".repeat(textLength);
        int n = 0;
        while (n < bound && !session.isClosed()) {
            session.listener.onTranslation(TestScheduler.translation(request(session, n, "source"), text));
            n++;
        }
        return n;
    }

    private static TranslationRequest request(TestScheduler.TestSession session, long seq, String text) {
        return new TranslationRequest(session.id, SegmentKind.PARTIAL, seq, text, "en", "fr", 10);
    }
}
