package dev.fairway.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fairway.api.FinishReason;
import dev.fairway.api.RateLimitFeedback;
import dev.fairway.api.TokenUsage;
import dev.fairway.api.TranslationRequest;
import dev.fairway.api.TranslationResult;
import dev.fairway.api.spi.ProviderContext;
import dev.fairway.api.spi.TranslationProvider;
import dev.fairway.api.spi.TranslationProviderFactory;
import dev.fairway.app.config.ConfigSources;
import dev.fairway.app.wiring.Plugins;
import dev.fairway.app.wiring.Wiring;
import dev.fairway.test.support.TestRedis;
import dev.fairway.test.support.WsClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Durable sessions across nodes, as {@code fairway serve} wires them: two nodes in this JVM, A and B, share
 * one real Redis ({@link TestRedis}) for their session journals ({@code fairway.session.store=redis}) and their
 * rate limits ({@code fairway.limiter.store=redis}), with the same key prefixes, as nodes behind one load
 * balancer do. A client that started its session on A resumes it on B: after a dropped connection, after A
 * stopped with finals accepted and not yet answered, and never with a wrong token; results never cross
 * sessions.
 */
class MultiNodeResumeTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger PREFIXES = new AtomicInteger();

    private static TestRedis redis;

    @TempDir
    Path dataDir;

    private final HttpClient http = HttpClient.newHttpClient();
    private final List<AutoCloseable> closeLater = new ArrayList<>();
    /** The key prefix of this test's nodes: the same on both, new for each test. */
    private final String prefix = "multinode" + PREFIXES.incrementAndGet();

    @BeforeAll
    static void startRedis() {
        redis = TestRedis.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeLater.size() - 1; i >= 0; i--) {
            closeLater.get(i).close();
        }
        http.close();
    }

    private record Node(Wiring wiring, Server server) {
    }

    /** A node named {@code name} over the shared Redis, with the fake provider unless told otherwise. */
    private Node start(String name, Map<String, String> extra, Plugins plugins) {
        Map<String, String> overrides = new HashMap<>(Map.ofEntries(
                Map.entry("fairway.provider", "fake"),
                Map.entry("fairway.provider.fake.latency.base", "0"),
                Map.entry("fairway.provider.fake.latency.per-token", "0"),
                Map.entry("fairway.provider.fake.latency.jitter", "0"),
                Map.entry("fairway.overload.scheduling-lag", "0"),
                Map.entry("fairway.transport.websocket.port", "0"),
                Map.entry("fairway.session.data-dir", dataDir.resolve(name).toString()),
                Map.entry("fairway.session.store", "redis"),
                Map.entry("fairway.session.redis.uri", redis.uri()),
                Map.entry("fairway.session.redis.key-prefix", prefix + ":session"),
                Map.entry("fairway.limiter.store", "redis"),
                Map.entry("fairway.limiter.redis.uri", redis.uri()),
                Map.entry("fairway.limiter.redis.key-prefix", prefix + ":limiter"),
                Map.entry("fairway.limiter.redis.node-id", name)));
        overrides.putAll(extra);
        Wiring wiring = Wiring.start(ConfigSources.builder().environment(Map.of()).systemProperties(Map.of())
                .overrides(overrides).build(), plugins, List.of());
        closeLater.add(wiring);
        Server server = Server.create(wiring, plugins);
        closeLater.add(server.transport());
        server.transport().start();
        return new Node(wiring, server);
    }

    private Node start(String name) {
        return start(name, Map.of(), Plugins.discover());
    }

    private WsClient connect(Node node) {
        WsClient client = WsClient.connect(http, node.server().transport().address());
        closeLater.add(client);
        return client;
    }

    private static JsonNode startV2(WsClient client) throws InterruptedException {
        client.sendJson("type", "start", "v", 2, "source", "en", "target", "fr");
        JsonNode ready = client.expect("ready");
        assertEquals(2, ready.path("v").asInt(), ready.toString());
        assertFalse(ready.path("resumeToken").asText().isEmpty(), ready.toString());
        return ready;
    }

    private static void resume(WsClient client, JsonNode ready, long lastSeq) {
        resume(client, ready.path("session").asText(), ready.path("resumeToken").asText(), lastSeq);
    }

    private static void resume(WsClient client, String session, String token, long lastSeq) {
        client.sendJson("type", "resume", "v", 2, "session", session, "token", token, "lastSeq", lastSeq);
    }

    private static void finalAccepted(WsClient client, long seq, String text) throws InterruptedException {
        client.sendJson("type", "final", "seq", seq, "text", text);
        assertEquals(seq, client.expect("accepted").path("seq").asLong(), "journaled before it was acknowledged");
    }

    /** The next frame is the translation of final {@code seq}, whose source is {@code text}. */
    private static void expectTranslation(WsClient client, long seq, String text) throws InterruptedException {
        JsonNode translation = client.expect("translation");
        assertEquals(seq, translation.path("seq").asLong(), translation.toString());
        assertEquals(text, translation.path("source").asText(), translation.toString());
    }

    private static void finalTranslated(WsClient client, long seq, String text) throws InterruptedException {
        finalAccepted(client, seq, text);
        expectTranslation(client, seq, text);
    }

    /** Sends finals {@code from} to {@code to} without waiting for their answers; texts are "label seq". */
    private static void sendFinals(WsClient client, long from, long to, String label) {
        for (long seq = from; seq <= to; seq++) {
            client.sendJson("type", "final", "seq", seq, "text", label + " " + seq);
        }
    }

    /**
     * Takes the answers to finals {@code from} to {@code to} sent by {@link #sendFinals}: each one accepted, and
     * their translations in seq order, each of its own text; any other frame fails.
     */
    private static void awaitAnswers(WsClient client, long from, long to, String label)
            throws InterruptedException {
        Set<Long> accepted = new TreeSet<>();
        long next = from;
        while (next <= to) {
            JsonNode frame = client.next();
            switch (frame.path("type").asText()) {
                case "accepted" -> accepted.add(frame.path("seq").asLong());
                case "translation" -> {
                    assertEquals(next, frame.path("seq").asLong(), "in seq order: " + frame);
                    assertEquals(label + " " + next, frame.path("source").asText(), "its own text: " + frame);
                    next++;
                }
                default -> throw new AssertionError("unexpected frame for " + label + ": " + frame);
            }
        }
        assertEquals(LongStream.rangeClosed(from, to).boxed().collect(Collectors.toSet()), accepted,
                "every final of " + label + " was accepted");
    }

    /** The seqs of a session's finals accepted and not yet answered, as the redis store keeps them. */
    private Set<String> unansweredInRedis(JsonNode ready) {
        return Set.copyOf(redis.admin().hkeys(prefix + ":session:a:" + ready.path("session").asText()));
    }

    private JsonNode status(Node node) throws Exception {
        URI ws = node.server().transport().address();
        return JSON.readTree(http.send(HttpRequest.newBuilder(URI.create("http://" + ws.getRawAuthority()
                + "/status")).build(), HttpResponse.BodyHandlers.ofString()).body());
    }

    /** Polls a node's status document until the condition holds (the transport works on its own threads). */
    private JsonNode awaitStatus(Node node, Predicate<JsonNode> condition, String what) throws Exception {
        long deadline = System.nanoTime() + WsClient.TIMEOUT.toNanos();
        while (true) {
            JsonNode status = status(node);
            if (condition.test(status)) {
                return status;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + WsClient.TIMEOUT + ": " + what + "; " + status);
            }
            LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
        }
    }

    @Test
    void aSessionStartedOnOneNodeResumesOnTheOtherAndGoesOnLive() throws Exception {
        Node a = start("a");
        Node b = start("b");
        WsClient onA = connect(a);
        JsonNode ready = startV2(onA);
        for (int seq = 1; seq <= 3; seq++) {
            finalTranslated(onA, seq, "Line " + seq + " on A.");
        }
        onA.close();                                            // dropped: no end

        WsClient onB = connect(b);
        resume(onB, ready, 3);
        JsonNode resumed = onB.expect("resumed");
        assertEquals(ready.path("session").asText(), resumed.path("session").asText());
        assertEquals(3, resumed.path("lastSeq").asLong(), resumed.toString());
        assertEquals(0, resumed.path("replayed").asInt(), "the client had every outcome: " + resumed);
        finalTranslated(onB, 4, "Line 4 on B.");
        finalTranslated(onB, 5, "Line 5 on B.");
        onB.roundTrip("nothing else came");

        JsonNode statusB = status(b);
        JsonNode websocket = statusB.path("websocket");
        assertEquals(1, websocket.path("sessionsResumedFromStore").asLong(), "opened again from Redis: " + websocket);
        for (JsonNode status : List.of(status(a), statusB)) {
            JsonNode sessions = status.path("sessions");
            assertEquals("redis", sessions.path("store").asText(), sessions.toString());
            assertEquals(prefix + ":session", sessions.path("keyPrefix").asText(), "one journal for both nodes");
            JsonNode limiter = status.path("limiter");
            assertEquals("redis", limiter.path("store").asText(), limiter.toString());
            assertFalse(limiter.path("degraded").asBoolean(), limiter.toString());
            assertTrue(limiter.path("redisCalls").asLong() > 0, "the translations took their permits in Redis: "
                    + limiter);
        }
    }

    @Test
    void aResumeOnTheOtherNodeWithAnOlderLastSeqReplaysWhatTheClientMissedInOrder() throws Exception {
        Node a = start("a");
        Node b = start("b");
        WsClient onA = connect(a);
        JsonNode ready = startV2(onA);
        for (int seq = 1; seq <= 4; seq++) {
            finalTranslated(onA, seq, "Line " + seq + ".");
        }
        onA.close();

        // The client got 1 to 4, but says it has only 1 (say the last three were lost in its own buffers).
        WsClient onB = connect(b);
        resume(onB, ready, 1);
        JsonNode resumed = onB.expect("resumed");
        assertEquals(4, resumed.path("lastSeq").asLong(), resumed.toString());
        assertEquals(3, resumed.path("replayed").asInt(), resumed.toString());
        for (int seq = 2; seq <= 4; seq++) {
            expectTranslation(onB, seq, "Line " + seq + ".");
        }
        finalTranslated(onB, 5, "Line 5, live on B.");
        onB.roundTrip("nothing else came");
    }

    @Test
    void finalsAcceptedOnANodeThatStoppedAreTranslatedByTheOtherWithTheirSeq() throws Exception {
        HoldingProviderFactory holding = new HoldingProviderFactory();
        Node a = start("a", Map.of("fairway.provider", "holding"),
                Plugins.of(List.of(holding), Plugins.discover().transports()));
        Node b = start("b");

        // Two sessions on A, each with a final answered and two accepted finals A's provider holds.
        WsClient first = WsClient.raw(a.server().transport().address());
        closeLater.add(first);
        WsClient second = WsClient.raw(a.server().transport().address());
        closeLater.add(second);
        JsonNode firstReady = startV2(first);
        JsonNode secondReady = startV2(second);
        finalTranslated(first, 1, "First, answered on A.");
        finalTranslated(second, 1, "Second, answered on A.");
        finalAccepted(first, 2, "hold: first, two.");
        finalAccepted(first, 3, "hold: first, three.");
        finalAccepted(second, 2, "hold: second, two.");
        finalAccepted(second, 3, "hold: second, three.");
        assertTrue(holding.entered.await(60, TimeUnit.SECONDS), "no held final reached A's provider");

        // A is lost: its connections drop at once and nothing more of it reaches a client or Redis.
        a.server().transport().close();
        first.awaitEndOfStream();
        second.awaitEndOfStream();
        a.server().scheduler().shutdown();
        holding.release.countDown();
        assertTrue(a.server().scheduler().awaitTermination(Duration.ofSeconds(60)), "A's scheduler did not stop");
        a.wiring().close();
        assertEquals(Set.of("2", "3"), unansweredInRedis(firstReady), "A left them unanswered in Redis");
        assertEquals(Set.of("2", "3"), unansweredInRedis(secondReady), "A left them unanswered in Redis");

        WsClient firstOnB = connect(b);
        resume(firstOnB, firstReady, 1);
        WsClient secondOnB = connect(b);
        resume(secondOnB, secondReady, 1);
        for (WsClient client : List.of(firstOnB, secondOnB)) {
            JsonNode resumed = client.expect("resumed");
            assertEquals(3, resumed.path("lastSeq").asLong(), "the highest accepted: " + resumed);
            assertEquals(0, resumed.path("replayed").asInt(), "no outcome of 2 and 3 was journaled: " + resumed);
        }
        expectTranslation(firstOnB, 2, "hold: first, two.");
        expectTranslation(firstOnB, 3, "hold: first, three.");
        expectTranslation(secondOnB, 2, "hold: second, two.");
        expectTranslation(secondOnB, 3, "hold: second, three.");
        finalTranslated(firstOnB, 4, "First, live on B.");
        finalTranslated(secondOnB, 4, "Second, live on B.");
        firstOnB.roundTrip("nothing else came");
        secondOnB.roundTrip("nothing else came");
        assertEquals(Set.of(), unansweredInRedis(firstReady), "every accepted final is answered");
        assertEquals(Set.of(), unansweredInRedis(secondReady), "every accepted final is answered");
    }

    @Test
    void aResumeWithAWrongTokenIsRefusedOnTheOtherNodeAndLeavesTheSessionToItsOwner() throws Exception {
        Node a = start("a");
        Node b = start("b");
        WsClient owner = connect(a);
        JsonNode ready = startV2(owner);
        finalTranslated(owner, 1, "Only for the owner.");
        WsClient other = connect(a);
        JsonNode otherReady = startV2(other);
        owner.close();

        String session = ready.path("session").asText();
        String token = ready.path("resumeToken").asText();
        List<JsonNode> refusals = new ArrayList<>();
        for (String wrong : List.of(token + "x", otherReady.path("resumeToken").asText())) {
            WsClient stranger = connect(b);
            resume(stranger, session, wrong, -1);
            JsonNode refused = stranger.expect("error");
            assertEquals("resume_refused", refused.path("code").asText(), refused.toString());
            assertEquals("unknown_or_expired", refused.path("reason").asText(), refused.toString());
            assertEquals(1008, stranger.expectClose(), "nothing but the refusal, then the close");
            refusals.add(refused);
        }
        WsClient nobody = connect(b);
        resume(nobody, "s-never-started", token, -1);
        JsonNode unknown = nobody.expect("error");
        assertEquals(1008, nobody.expectClose());
        assertEquals(unknown, refusals.get(0), "a wrong token is answered as an unknown session");
        assertEquals(unknown, refusals.get(1), "another session's token is answered as an unknown session");
        assertFalse(unknown.toString().contains(session), unknown.toString());

        WsClient back = connect(b);
        resume(back, ready, -1);
        assertEquals(1, back.expect("resumed").path("replayed").asInt(), "the owner still resumes");
        expectTranslation(back, 1, "Only for the owner.");
        assertEquals(3, status(b).path("websocket").path("resumesRefused").path("unknown_or_expired").asLong(),
                status(b).path("websocket").toString());
    }

    @Test
    void twoSessionsMovingAcrossTheNodesNeverSeeEachOthersResults() throws Exception {
        Node a = start("a");
        Node b = start("b");
        WsClient left = connect(a);
        WsClient right = connect(b);
        JsonNode leftReady = startV2(left);
        JsonNode rightReady = startV2(right);
        assertNotEquals(leftReady.path("session").asText(), rightReady.path("session").asText());
        sendFinals(left, 1, 3, "left");
        sendFinals(right, 1, 3, "right");
        awaitAnswers(left, 1, 3, "left");
        awaitAnswers(right, 1, 3, "right");
        left.close();
        right.close();

        // Each resumes on the node the other started on, both saying they have only 1.
        WsClient leftOnB = connect(b);
        WsClient rightOnA = connect(a);
        resume(leftOnB, leftReady, 1);
        resume(rightOnA, rightReady, 1);
        assertEquals(2, leftOnB.expect("resumed").path("replayed").asInt());
        assertEquals(2, rightOnA.expect("resumed").path("replayed").asInt());
        for (int seq = 2; seq <= 3; seq++) {
            expectTranslation(leftOnB, seq, "left " + seq);
            expectTranslation(rightOnA, seq, "right " + seq);
        }
        sendFinals(leftOnB, 4, 6, "left");
        sendFinals(rightOnA, 4, 6, "right");
        awaitAnswers(leftOnB, 4, 6, "left");
        awaitAnswers(rightOnA, 4, 6, "right");
        leftOnB.roundTrip("nothing else came");
        rightOnA.roundTrip("nothing else came");
        for (Node node : List.of(a, b)) {
            JsonNode websocket = status(node).path("websocket");
            assertEquals(1, websocket.path("sessionsResumedFromStore").asLong(), "each node opened one from Redis: "
                    + websocket);
        }
    }

    @Test
    void theNodeASessionLeftDoesNotEndItWhenItsResumeWindowPasses() throws Exception {
        Map<String, String> shortWindow = Map.of("fairway.session.resume-window", "3s");
        Node a = start("a", shortWindow, Plugins.discover());
        Node b = start("b", shortWindow, Plugins.discover());
        WsClient onA = connect(a);
        JsonNode ready = startV2(onA);
        finalTranslated(onA, 1, "Said on A.");
        onA.close();
        awaitStatus(a, s -> s.path("websocket").path("sessionsDetached").asLong() == 1, "A holds it detached");
        WsClient onB = connect(b);
        resume(onB, ready, 1);
        assertEquals(0, onB.expect("resumed").path("replayed").asInt());

        // A lets its detached copy go when its window passes, while the client is attached to B: B touched the
        // session in Redis since A did, so A closes its copy without ending the session.
        awaitStatus(a, s -> s.path("websocket").path("sessionsDetached").asLong() == 0,
                "A no longer holds the session");
        assertEquals(1L, redis.admin().exists(prefix + ":session:s:" + ready.path("session").asText()),
                "the session's record is still in Redis");
        finalTranslated(onB, 2, "Said on B after A's window passed.");
        onB.close();
        WsClient again = connect(b);
        resume(again, ready, 2);
        assertEquals(2, again.expect("resumed").path("lastSeq").asLong(), "the session still lives, on B");
    }

    /**
     * A provider named {@code holding} that answers at once, except texts starting with {@code hold:}, which
     * it holds until {@link #release} opens: finals accepted and not answered while the test stops the node.
     */
    private static final class HoldingProviderFactory implements TranslationProviderFactory {

        /** Counted down when a held call reaches the provider. */
        final CountDownLatch entered = new CountDownLatch(1);
        /** Held calls wait for this. */
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public String name() {
            return "holding";
        }

        @Override
        public TranslationProvider create(ProviderContext context) {
            return new TranslationProvider() {
                @Override
                public String name() {
                    return "holding";
                }

                @Override
                public String model() {
                    return "holding-1";
                }

                @Override
                public TranslationResult translate(TranslationRequest request) throws InterruptedException {
                    if (request.text().startsWith("hold:")) {
                        entered.countDown();
                        release.await();
                    }
                    return new TranslationResult("[" + request.targetLanguage() + "] " + request.text(),
                            TokenUsage.of(10, 5), Duration.ofMillis(1), RateLimitFeedback.NONE, "holding-1",
                            FinishReason.STOP);
                }

                @Override
                public void close() {
                }
            };
        }
    }
}
