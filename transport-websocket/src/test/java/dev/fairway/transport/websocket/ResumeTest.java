package dev.fairway.transport.websocket;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fairway.api.NanoClock;
import dev.fairway.api.SessionId;
import dev.fairway.api.session.DurableSessions;
import dev.fairway.test.support.ManualClock;
import dev.fairway.test.support.WsClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Protocol version 2: durable sessions resume after a dropped connection and after a restart, with no final lost. */
class ResumeTest {

    private final TestSessionStore store = new TestSessionStore();
    private Fixture fixture;
    private Fixture second;

    @AfterEach
    void closeAll() {
        if (second != null) {
            second.close();
        }
        if (fixture != null) {
            fixture.close();
        }
    }

    private Fixture durable(TestScheduler scheduler) {
        return Fixture.durable(scheduler, new DurableSessions(store, DurableSessions.DEFAULT_RESUME_WINDOW),
                NanoClock.SYSTEM);
    }

    private static JsonNode startV2(WsClient client) throws InterruptedException {
        client.sendJson("type", "start", "v", 2, "source", "en", "target", "fr");
        return client.expect("ready");
    }

    private static void resume(WsClient client, JsonNode ready, long lastSeq) {
        client.sendJson("type", "resume", "v", 2, "session", ready.path("session").asText(), "token",
                ready.path("resumeToken").asText(), "lastSeq", lastSeq);
    }

    private static void finalAccepted(WsClient client, long seq, String text) throws InterruptedException {
        client.sendJson("type", "final", "seq", seq, "text", text);
        assertEquals(seq, client.expect("accepted").path("seq").asLong());
    }

    /** Waits for a state the transport reaches on its own threads (bounded by the test timeout). */
    private static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + WsClient.TIMEOUT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + WsClient.TIMEOUT + ": " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    private void awaitDetached(Fixture f, long n) {
        await(() -> f.transport.stats().sessionsDetached.get() == n, n + " detached sessions");
    }

    @Test
    void versionOneWithAStoreIsUnchanged() throws Exception {
        fixture = durable(TestScheduler.echo());
        WsClient client = fixture.connect();
        JsonNode ready = client.start("en", "fr");
        assertEquals(1, ready.path("v").asInt());
        assertTrue(ready.path("resumeToken").isMissingNode());
        client.sendJson("type", "final", "seq", 1, "text", "hello");
        assertEquals("fr: hello", client.expect("translation").path("text").asText(), "no accepted frame in v1");
        assertEquals(0, store.status().get("sessions"));
    }

    @Test
    void versionTwoStartGivesAResumeTokenWhoseHashAloneIsStored() throws Exception {
        fixture = durable(TestScheduler.echo());
        WsClient client = fixture.connect();
        JsonNode ready = startV2(client);
        assertEquals(2, ready.path("v").asInt());
        assertEquals(120_000, ready.path("resumeWindowMs").asLong());
        String token = ready.path("resumeToken").asText();
        String secret = token.substring(token.indexOf('.') + 1);
        assertEquals(32, Base64.getUrlDecoder().decode(secret).length);
        assertEquals(store.epoch(), ResumeTokens.epochOf(token));
        SessionId id = SessionId.of(ready.path("session").asText());
        assertArrayEquals(ResumeTokens.hash(token), store.find(id).orElseThrow().tokenHash());
    }

    @Test
    void resumeAfterADroppedConnectionReplaysExactlyTheMissedOutcomesInOrderThenGoesOnLive() throws Exception {
        fixture = durable(TestScheduler.holding());
        WsClient first = fixture.connect();
        JsonNode ready = startV2(first);
        TestScheduler.TestSession session = fixture.scheduler.nextOpened();
        for (int seq = 1; seq <= 3; seq++) {
            finalAccepted(first, seq, "line " + seq);
        }
        assertTrue(session.releaseOne());
        assertEquals(1, first.expect("translation").path("seq").asInt());

        first.close();
        awaitDetached(fixture, 1);
        session.release();
        SessionId id = session.id;
        await(() -> store.outcomes(id) == 3, "outcomes journaled while detached");
        session.awaitClosed(); // parked: every final answered and nobody listening

        WsClient again = fixture.connect();
        resume(again, ready, 1);
        JsonNode resumed = again.expect("resumed");
        assertEquals(3, resumed.path("lastSeq").asLong());
        assertEquals(2, resumed.path("replayed").asInt());
        assertEquals("fr: line 2", again.expect("translation").path("text").asText());
        assertEquals("fr: line 3", again.expect("translation").path("text").asText());
        again.roundTrip("replay done");
        TestScheduler.TestSession reopened = fixture.scheduler.nextOpened();
        assertEquals(id, reopened.id, "opened again with the same id");

        finalAccepted(again, 4, "line 4");
        reopened.release();
        assertEquals("fr: line 4", again.expect("translation").path("text").asText());
        again.roundTrip("live");
        assertEquals(0, fixture.transport.stats().sessionsDetached.get());
        assertEquals(1, fixture.transport.stats().resumed.sum());
        assertEquals(3, store.outcomes(id), "the outcome the client confirmed (seq 1) is trimmed; 2 to 4 stay");
    }

    @Test
    void aDetachedSessionStaysInTheSchedulerUntilItsFinalsAreAnsweredThenResumesThere() throws Exception {
        fixture = durable(TestScheduler.holding());
        WsClient first = fixture.connect();
        JsonNode ready = startV2(first);
        TestScheduler.TestSession session = fixture.scheduler.nextOpened();
        for (int seq = 1; seq <= 3; seq++) {
            finalAccepted(first, seq, "line " + seq);
        }
        assertTrue(session.releaseOne());
        assertEquals(1, first.expect("translation").path("seq").asInt());

        first.close();
        awaitDetached(fixture, 1);
        assertFalse(session.isClosed(), "a detached session keeps its scheduler session while finals are pending");

        WsClient again = fixture.connect();
        resume(again, ready, 1);
        JsonNode resumed = again.expect("resumed");
        assertEquals(3, resumed.path("lastSeq").asLong());
        assertEquals(0, resumed.path("replayed").asInt());
        session.release();
        assertEquals("fr: line 2", again.expect("translation").path("text").asText());
        assertEquals("fr: line 3", again.expect("translation").path("text").asText());
        finalAccepted(again, 4, "line 4");
        session.release();
        assertEquals("fr: line 4", again.expect("translation").path("text").asText());
        again.roundTrip("live");
        assertEquals(1, fixture.scheduler.sessions.size(), "resumed here: the same scheduler session");
        assertEquals(4, session.accepted.size(), "each final submitted once");
    }

    @Test
    void ackTrimsTheJournalUpToWhatWasDelivered() throws Exception {
        fixture = durable(TestScheduler.echo());
        WsClient client = fixture.connect();
        startV2(client);
        SessionId id = fixture.scheduler.nextOpened().id;
        for (int seq = 1; seq <= 3; seq++) {
            finalAccepted(client, seq, "line " + seq);
            assertEquals(seq, client.expect("translation").path("seq").asInt());
        }
        await(() -> store.outcomes(id) == 3, "three outcomes journaled");
        client.sendJson("type", "ack", "seq", 2);
        await(() -> store.outcomes(id) == 1, "outcomes 1 and 2 trimmed");
        client.sendJson("type", "ack", "seq", 99);
        await(() -> store.outcomes(id) == 0, "an ack past what was delivered trims what was delivered");
        finalAccepted(client, 4, "line 4");
        assertEquals(4, client.expect("translation").path("seq").asInt());
        await(() -> store.outcomes(id) == 1, "a later outcome is journaled as before");
    }

    @Test
    void ackBeforeStartIsAnError() throws Exception {
        fixture = durable(TestScheduler.echo());
        WsClient client = fixture.connect();
        client.sendJson("type", "ack", "seq", 1);
        client.expectError("not_started");
        client.sendJson("type", "ack", "seq", -1);
        client.expectError("bad_value");
    }

    @Test
    void theJournalKeepsAtMostItsLimitOfAnsweredFinals() throws Exception {
        int limit = DurableSessions.MIN_JOURNAL_LIMIT;
        fixture = Fixture.durable(TestScheduler.echo(), new DurableSessions(store,
                DurableSessions.DEFAULT_RESUME_WINDOW, java.time.InstantSource.system(), limit), NanoClock.SYSTEM);
        WsClient client = fixture.connect();
        startV2(client);
        SessionId id = fixture.scheduler.nextOpened().id;
        int finals = limit + limit / 4 + 1;
        for (int seq = 1; seq <= finals; seq++) {
            finalAccepted(client, seq, "line " + seq);
            assertEquals(seq, client.expect("translation").path("seq").asInt());
        }
        await(() -> store.outcomes(id) == limit, "trimmed back to the limit once a quarter over it");
        assertEquals(finals - limit + 1, store.read(id, -1).orElseThrow().outcomes().get(0).seq(),
                "the oldest went");
    }

    @Test
    void aFinalAcceptedThenTheConnectionDroppedIsDeliveredOnResume() throws Exception {
        fixture = durable(TestScheduler.holding());
        WsClient first = fixture.connect();
        JsonNode ready = startV2(first);
        TestScheduler.TestSession session = fixture.scheduler.nextOpened();
        finalAccepted(first, 1, "still pending");
        first.close();
        awaitDetached(fixture, 1);

        WsClient again = fixture.connect();
        resume(again, ready, -1);
        JsonNode resumed = again.expect("resumed");
        assertEquals(1, resumed.path("lastSeq").asLong());
        assertEquals(0, resumed.path("replayed").asInt());
        session.release();
        JsonNode translation = again.expect("translation");
        assertEquals(1, translation.path("seq").asInt());
        again.sendJson("type", "end");
        assertEquals(1000, again.expectClose());
        await(() -> store.find(session.id).isEmpty(), "the journal of an ended session is removed");
    }

    @Test
    void aResumeOnANewConnectionTakesTheSessionOverFromAStaleOne() throws Exception {
        fixture = durable(TestScheduler.echo());
        WsClient first = fixture.connect();
        JsonNode ready = startV2(first);
        WsClient again = fixture.connect();
        resume(again, ready, -1);
        again.expect("resumed");
        assertEquals(1008, first.awaitClose());
        again.sendJson("type", "final", "seq", 1, "text", "after takeover");
        assertEquals("accepted", again.expect("accepted").path("type").asText());
        assertEquals("fr: after takeover", again.expect("translation").path("text").asText());
    }

    @Test
    void aWrongTokenIsRefusedAsUnknown() throws Exception {
        fixture = durable(TestScheduler.echo());
        WsClient first = fixture.connect();
        JsonNode ready = startV2(first);
        first.close();
        awaitDetached(fixture, 1);
        String token = ready.path("resumeToken").asText();
        String forged = token.substring(0, token.indexOf('.') + 1) + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(new byte[32]);
        WsClient again = fixture.connect();
        again.sendJson("type", "resume", "v", 2, "session", ready.path("session").asText(), "token", forged,
                "lastSeq", -1);
        JsonNode refused = again.expectError("resume_refused");
        assertEquals("unknown_or_expired", refused.path("reason").asText());
        assertEquals(1008, again.expectClose());
    }

    @Test
    void anUnknownSessionIsRefusedWithTheSameAnswer() throws Exception {
        fixture = durable(TestScheduler.echo());
        WsClient client = fixture.connect();
        client.sendJson("type", "resume", "v", 2, "session", "s-nobody", "token", ResumeTokens.mint(store.epoch()),
                "lastSeq", -1);
        assertEquals("unknown_or_expired", client.expectError("resume_refused").path("reason").asText());
        assertEquals(1008, client.expectClose());
        assertEquals(1, fixture.status().path("websocket").path("resumesRefused").path("unknown_or_expired").asInt());
    }

    @Test
    void aTokenFromAnotherEpochIsRefusedAsEpochChanged() throws Exception {
        fixture = durable(TestScheduler.echo());
        WsClient first = fixture.connect();
        JsonNode ready = startV2(first);
        first.close();
        awaitDetached(fixture, 1);
        store.loseData();
        WsClient again = fixture.connect();
        resume(again, ready, -1);
        assertEquals("epoch_changed", again.expectError("resume_refused").path("reason").asText());
        assertEquals(1008, again.expectClose());
    }

    @Test
    void aDetachedSessionExpiresAfterTheResumeWindow() throws Exception {
        ManualClock clock = ManualClock.create();
        Duration window = Duration.ofMillis(200);
        fixture = Fixture.durable(TestScheduler.holding(), new DurableSessions(store, window), clock);
        WsClient first = fixture.connect();
        JsonNode ready = startV2(first);
        TestScheduler.TestSession session = fixture.scheduler.nextOpened();
        first.close();
        awaitDetached(fixture, 1);
        session.awaitClosed(); // parked at once: nothing pending

        clock.advance(window);
        await(() -> fixture.transport.stats().sessionsExpired.sum() == 1, "expired");
        assertTrue(store.find(session.id).isEmpty(), "the expired session's journal is removed");
        assertEquals(0, fixture.transport.stats().sessionsDetached.get());

        WsClient again = fixture.connect();
        resume(again, ready, -1);
        assertEquals("unknown_or_expired", again.expectError("resume_refused").path("reason").asText());
    }

    @Test
    void aSessionResumedOnAnotherNodeKeepsItsJournalWhenItExpiresHere() throws Exception {
        ManualClock clock = ManualClock.create();
        Duration window = Duration.ofMillis(200);
        fixture = Fixture.durable(TestScheduler.holding(), new DurableSessions(store, window), clock);
        WsClient first = fixture.connect();
        startV2(first);
        TestScheduler.TestSession session = fixture.scheduler.nextOpened();
        first.close();
        awaitDetached(fixture, 1);
        // Another node's connection carries the session now: it touched the shared store.
        await(() -> store.find(session.id).isPresent(), "recorded");
        store.touch(session.id, java.time.Instant.now().plusSeconds(5));

        clock.advance(window);
        await(() -> fixture.transport.stats().sessionsExpired.sum() == 1, "expired here");
        assertTrue(store.find(session.id).isPresent(), "the journal stays for the node that carries the session");
    }

    @Test
    void resumeAfterARestartOverTheSameStoreTranslatesUnansweredFinalsAgain() throws Exception {
        fixture = durable(TestScheduler.holding());
        WsClient first = fixture.connect();
        JsonNode ready = startV2(first);
        TestScheduler.TestSession session = fixture.scheduler.nextOpened();
        finalAccepted(first, 1, "answered");
        finalAccepted(first, 2, "lost with the node");
        assertTrue(session.releaseOne());
        assertEquals(1, first.expect("translation").path("seq").asInt());
        fixture.close();
        fixture = null;

        TestScheduler restarted = TestScheduler.echo();
        second = durable(restarted);
        WsClient again = second.connect();
        resume(again, ready, 1);
        JsonNode resumed = again.expect("resumed");
        assertEquals(2, resumed.path("lastSeq").asLong());
        assertEquals(0, resumed.path("replayed").asInt());
        JsonNode translation = again.expect("translation");
        assertEquals(2, translation.path("seq").asInt());
        assertEquals("fr: lost with the node", translation.path("text").asText());
        TestScheduler.TestSession reopened = restarted.nextOpened();
        assertEquals(session.id, reopened.id, "opened again with the same id");

        again.sendJson("type", "final", "seq", 3, "text", "carry on");
        again.expect("accepted");
        assertEquals("fr: carry on", again.expect("translation").path("text").asText());
        assertEquals(1, second.transport.stats().resumedFromStore.sum());
    }

    @Test
    void aFinalThatCannotBeJournaledIsRefusedAndAcceptedWhenSentAgain() throws Exception {
        fixture = durable(TestScheduler.holding());
        WsClient client = fixture.connect();
        startV2(client);
        TestScheduler.TestSession session = fixture.scheduler.nextOpened();
        store.failAccepted = true;
        client.sendJson("type", "final", "seq", 1, "text", "not durable");
        assertEquals(1, client.expectError("unavailable").path("seq").asInt());
        store.failAccepted = false;
        finalAccepted(client, 1, "not durable");
        session.release();
        assertEquals(1, client.expect("translation").path("seq").asInt());
        client.roundTrip("once");
        assertEquals(1, session.accepted.size(), "submitted once");
    }
}
