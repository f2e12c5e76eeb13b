package dev.fairway.transport.websocket;

import dev.fairway.test.support.WsClient;
import com.fasterxml.jackson.databind.JsonNode;
import dev.fairway.api.FailureReason;
import dev.fairway.api.SegmentKind;
import dev.fairway.api.SubmitOutcome;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One connection is one session: opened on start, answered in order, closed on end or disconnect. */
class SessionsTest {

    /** The server under test, closed after each test. */
    @AutoClose
    private Fixture fixture;

    @Test
    void twoConcurrentSessionsEachReceiveOnlyTheirOwnTranslationsInOrder() throws Exception {
        fixture = Fixture.start(TestScheduler.echo());
        WsClient alice = fixture.connect();
        WsClient bob = fixture.connect();
        String aliceSession = alice.start("en", "fr").path("session").asText();
        String bobSession = bob.start("en", "de").path("session").asText();
        assertNotEquals(aliceSession, bobSession);

        int segments = 40;
        try (ExecutorService both = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<List<JsonNode>> a = both.submit(speak(alice, "alice", segments));
            Future<List<JsonNode>> b = both.submit(speak(bob, "bob", segments));
            checkOwn(a.get(WsClient.TIMEOUT.toSeconds(), TimeUnit.SECONDS), "alice", "fr", segments);
            checkOwn(b.get(WsClient.TIMEOUT.toSeconds(), TimeUnit.SECONDS), "bob", "de", segments);
        }
        assertEquals(0, fixture.transport.stats().misrouted.sum());
    }

    /** Sends partials and a final every fourth segment, then collects the answers. */
    private static Callable<List<JsonNode>> speak(WsClient client, String who, int segments) {
        return () -> {
            for (int seq = 1; seq <= segments; seq++) {
                client.sendJson("type", seq % 4 == 0 ? "final" : "partial", "seq", seq, "text", who + " says " + seq);
            }
            List<JsonNode> answers = new ArrayList<>();
            for (int i = 0; i < segments; i++) {
                answers.add(client.expect("translation"));
            }
            return answers;
        };
    }

    private static void checkOwn(List<JsonNode> answers, String who, String target, int segments) {
        assertEquals(segments, answers.size());
        for (int i = 0; i < segments; i++) {
            JsonNode t = answers.get(i);
            int seq = i + 1;
            assertEquals(seq, t.path("seq").asInt(), "in order");
            assertEquals(who + " says " + seq, t.path("source").asText(), "own source text");
            assertEquals(target + ": " + who + " says " + seq, t.path("text").asText(), "own translation");
            assertEquals(seq % 4 == 0 ? "final" : "partial", t.path("kind").asText());
        }
    }

    @Test
    void resultsHeldAndReleasedTogetherStillReachOnlyTheirOwnSession() throws Exception {
        fixture = Fixture.start(TestScheduler.holding());
        WsClient alice = fixture.connect();
        WsClient bob = fixture.connect();
        alice.start("en", "fr");
        TestScheduler.TestSession aliceSession = fixture.scheduler.nextOpened();
        bob.start("en", "es");
        TestScheduler.TestSession bobSession = fixture.scheduler.nextOpened();
        for (int seq = 1; seq <= 5; seq++) {
            alice.sendJson("type", "final", "seq", seq, "text", "a" + seq);
            bob.sendJson("type", "final", "seq", seq, "text", "b" + seq);
        }
        alice.roundTrip("a");
        bob.roundTrip("b");
        bobSession.release();
        aliceSession.release();
        for (int seq = 1; seq <= 5; seq++) {
            JsonNode a = alice.expect("translation");
            JsonNode b = bob.expect("translation");
            assertEquals("fr: a" + seq, a.path("text").asText());
            assertEquals("es: b" + seq, b.path("text").asText());
        }
        alice.roundTrip("done");
        bob.roundTrip("done");
    }

    @Test
    void resultHandedToTheWrongListenerIsDroppedNotDelivered() throws Exception {
        fixture = Fixture.start(TestScheduler.holding());
        WsClient alice = fixture.connect();
        WsClient bob = fixture.connect();
        alice.start("en", "fr");
        TestScheduler.TestSession aliceSession = fixture.scheduler.nextOpened();
        bob.start("en", "fr");
        TestScheduler.TestSession bobSession = fixture.scheduler.nextOpened();
        bob.sendJson("type", "final", "seq", 1, "text", "bob's secret");
        bob.roundTrip("sent");

        // A buggy scheduler hands Bob's result to Alice's listener: the transport refuses to deliver it.
        aliceSession.listener.onTranslation(TestScheduler.translation(bobSession.accepted.get(0), "fr: secret"));
        alice.roundTrip("nothing before this");
        assertEquals(1, fixture.transport.stats().misrouted.sum());
    }

    @Test
    void translationFrameCarriesLatencyBreakdownAndUsage() throws Exception {
        fixture = Fixture.start(TestScheduler.echo());
        WsClient client = fixture.connect();
        JsonNode ready = client.start("en", "fr");
        assertEquals(1, ready.path("v").asInt());
        assertTrue(ready.path("session").asText().startsWith("s-"), ready::toString);

        client.sendJson("type", "final", "seq", 7, "text", "Good morning");
        JsonNode t = client.expect("translation");
        assertEquals("final", t.path("kind").asText());
        assertEquals(7, t.path("seq").asLong());
        assertEquals("Good morning", t.path("source").asText());
        assertEquals("fr: Good morning", t.path("text").asText());
        assertEquals(1.234, t.path("latency").path("queueMs").asDouble(), 1e-9);
        assertEquals(0.0, t.path("latency").path("limiterMs").asDouble(), 1e-9);
        assertEquals(7.0, t.path("latency").path("providerMs").asDouble(), 1e-9);
        assertEquals(8.234, t.path("latency").path("totalMs").asDouble(), 1e-9);
        assertEquals(15, t.path("usage").path("total").asInt());
        assertEquals("stop", t.path("finish").asText());
    }

    @Test
    void startPassesLanguagesLabelAndWeightToTheScheduler() throws Exception {
        fixture = Fixture.start(TestScheduler.echo());
        WsClient client = fixture.connect();
        client.sendJson("type", "start", "v", 1, "source", "pt-BR", "target", "en", "label", "room 4", "weight", 3);
        client.expect("ready");
        TestScheduler.TestSession session = fixture.scheduler.nextOpened();
        assertEquals("pt-BR", session.options.sourceLanguage());
        assertEquals("en", session.options.targetLanguage());
        assertEquals("room 4", session.options.label());
        assertEquals(3, session.options.weight());
    }

    @Test
    void endClosesTheSessionAtOnceAndTheConnectionAfterAcceptedFinalsAreAnswered() throws Exception {
        fixture = Fixture.start(TestScheduler.holding());
        WsClient client = fixture.connect();
        client.start("en", "fr");
        TestScheduler.TestSession session = fixture.scheduler.nextOpened();
        client.sendJson("type", "final", "seq", 1, "text", "last words");
        client.sendJson("type", "end");

        session.awaitClosed();
        assertEquals(0, client.pending(), "the connection stays open while a final is pending");
        session.release();
        JsonNode t = client.expect("translation");
        assertEquals("fr: last words", t.path("text").asText());
        assertEquals(1000, client.expectClose());
    }

    @Test
    void endWithNothingPendingClosesNormallyAtOnce() throws Exception {
        fixture = Fixture.start(TestScheduler.echo());
        WsClient client = fixture.connect();
        client.start("en", "fr");
        client.sendJson("type", "end");
        assertEquals(1000, client.expectClose());
        fixture.scheduler.nextOpened().awaitClosed();
    }

    @Test
    void failedFinalIsReportedWithItsReasonAndSupersededPartialIsSilent() throws Exception {
        fixture = Fixture.start(TestScheduler.holding());
        WsClient client = fixture.connect();
        client.start("en", "fr");
        TestScheduler.TestSession session = fixture.scheduler.nextOpened();
        client.sendJson("type", "partial", "seq", 1, "text", "hel");
        client.roundTrip("p");
        session.fail(FailureReason.SUPERSEDED);
        client.sendJson("type", "final", "seq", 2, "text", "hello");
        client.roundTrip("f");
        session.fail(FailureReason.RETRIES_EXHAUSTED);

        JsonNode error = client.expectError("failed");
        assertEquals(2, error.path("seq").asLong());
        assertEquals("final", error.path("kind").asText());
        assertEquals("retries_exhausted", error.path("reason").asText());
        client.roundTrip("nothing else");
    }

    @Test
    void clientDisconnectWithoutCloseFrameClosesTheSession() throws Exception {
        fixture = Fixture.start(TestScheduler.holding());
        WsClient client = fixture.connect();
        client.start("en", "fr");
        TestScheduler.TestSession session = fixture.scheduler.nextOpened();
        client.socket().abort();
        session.awaitClosed();
    }

    @Test
    void clientCloseFrameClosesTheSession() throws Exception {
        fixture = Fixture.start(TestScheduler.holding());
        WsClient client = fixture.connect();
        client.start("en", "fr");
        TestScheduler.TestSession session = fixture.scheduler.nextOpened();
        client.socket().sendClose(1000, "bye").join();
        session.awaitClosed();
        assertFalse(fixture.transport.stats().sessionsOpen.get() > 0);
    }

    @Test
    void backpressureFromTheSchedulerIsAFrameAndTheSameSeqMaySendAgain() throws Exception {
        fixture = Fixture.start(TestScheduler.echo());
        WsClient client = fixture.connect();
        client.start("en", "fr");
        fixture.scheduler.mode = TestScheduler.Mode.REFUSE;
        client.sendJson("type", "final", "seq", 3, "text", "wait for me");
        JsonNode backpressure = client.expect("backpressure");
        assertEquals(3, backpressure.path("seq").asLong());
        assertEquals("backlog full", backpressure.path("message").asText());

        fixture.scheduler.mode = TestScheduler.Mode.ECHO;
        client.sendJson("type", "final", "seq", 3, "text", "wait for me");
        assertEquals(3, client.expect("translation").path("seq").asLong());
    }

    @Test
    void schedulerRefusalsBecomeErrorFrames() throws Exception {
        fixture = Fixture.start(TestScheduler.echo());
        WsClient client = fixture.connect();
        client.start("en", "fr");
        fixture.scheduler.mode = TestScheduler.Mode.REFUSE;
        fixture.scheduler.refusal = SubmitOutcome.refused(SubmitOutcome.Status.OUT_OF_ORDER, "seq too small");
        client.sendJson("type", "partial", "seq", 1, "text", "a");
        assertEquals(1, client.expectError("out_of_order").path("seq").asLong());
        fixture.scheduler.refusal = SubmitOutcome.refused(SubmitOutcome.Status.CLOSED, "closed by scheduler");
        client.sendJson("type", "partial", "seq", 2, "text", "b");
        assertEquals(2, client.expectError("session_closed").path("seq").asLong());
    }

    @Test
    void schedulerThatOpensNoSessionIsUnavailable() throws Exception {
        fixture = Fixture.start(TestScheduler.echo());
        fixture.scheduler.refuseOpen = true;
        WsClient client = fixture.connect();
        client.sendJson("type", "start", "v", 1, "source", "en", "target", "fr");
        client.expectError("unavailable");
        fixture.scheduler.refuseOpen = false;
        client.start("en", "fr");
    }

    @Test
    void schedulerIsCalledOnVirtualThreadsNeverOnJettysSelector() throws Exception {
        fixture = Fixture.start(TestScheduler.echo());
        WsClient client = fixture.connect();
        client.start("en", "fr");
        for (int seq = 1; seq <= 20; seq++) {
            client.sendJson("type", "partial", "seq", seq, "text", "word " + seq);
            client.expect("translation");
        }
        assertEquals(21, fixture.scheduler.callers.size());
        for (Thread caller : fixture.scheduler.callers) {
            assertTrue(caller.isVirtual(), () -> "called on " + caller);
        }
    }

    @Test
    void segmentKindsReachTheSchedulerAsSent() throws Exception {
        fixture = Fixture.start(TestScheduler.holding());
        WsClient client = fixture.connect();
        client.start("en", "fr");
        TestScheduler.TestSession session = fixture.scheduler.nextOpened();
        client.sendJson("type", "partial", "seq", 0, "text", "a");
        client.sendJson("type", "final", "seq", 1, "text", "a b");
        client.roundTrip("x");
        assertEquals(List.of(SegmentKind.PARTIAL, SegmentKind.FINAL),
                session.accepted.stream().map(r -> r.kind()).toList());
    }
}
