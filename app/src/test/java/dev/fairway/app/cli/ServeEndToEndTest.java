package dev.fairway.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fairway.api.spi.Transport;
import dev.fairway.app.config.ConfigSources;
import dev.fairway.app.testing.GatedProviderFactory;
import dev.fairway.app.wiring.Plugins;
import dev.fairway.app.wiring.Wiring;
import dev.fairway.test.support.WsClient;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The whole server as {@code fairway serve} wires it (configuration, Micronaut beans, core-limiter,
 * core-queue, the provider plugin, the WebSocket transport), driven by real WebSocket clients on loopback.
 */
class ServeEndToEndTest {

    /** The fake provider without latency: results come as fast as the machine allows. */
    private static final Map<String, String> FAST_FAKE = Map.of(
            "fairway.provider", "fake",
            "fairway.provider.fake.latency.base", "0",
            "fairway.provider.fake.latency.per-token", "0",
            "fairway.provider.fake.latency.jitter", "0",
            // A busy test machine's scheduling lag would turn sessions away; OverloadEndToEndTest covers it.
            "fairway.overload.scheduling-lag", "0",
            "fairway.transport.websocket.port", "0");

    private final HttpClient http = HttpClient.newHttpClient();
    private final List<AutoCloseable> closeLater = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeLater.size() - 1; i >= 0; i--) {
            closeLater.get(i).close();
        }
        http.close();
    }

    private Server start(Map<String, String> overrides, Plugins plugins, List<Object> singletons) {
        Wiring wiring = Wiring.start(ConfigSources.builder().environment(Map.of()).systemProperties(Map.of())
                .overrides(overrides).build(), plugins, singletons);
        closeLater.add(wiring);
        Server server = Server.create(wiring, plugins);
        closeLater.add(server.transport());
        server.transport().start();
        return server;
    }

    private WsClient client(Server server) throws Exception {
        WsClient client = WsClient.connect(http, server.transport().address());
        closeLater.add(client);
        return client;
    }

    @Test
    void twoSessionsEachReceiveOnlyTheirOwnTranslationsInOrder() throws Exception {
        Server server = start(FAST_FAKE, Plugins.discover(), List.of());
        WsClient alice = client(server);
        WsClient bob = client(server);
        alice.send("{\"type\":\"start\",\"v\":1,\"source\":\"en\",\"target\":\"fr\",\"label\":\"alice\"}");
        bob.send("{\"type\":\"start\",\"v\":1,\"source\":\"en\",\"target\":\"de\",\"label\":\"bob\"}");
        String aliceId = alice.next("ready").path("session").asText();
        String bobId = bob.next("ready").path("session").asText();
        assertTrue(!aliceId.equals(bobId), "two sessions share an id");

        for (int seq = 1; seq <= 6; seq++) {
            alice.send(segment(seq, "alice says good morning number " + seq));
            bob.send(segment(seq, "bob says good evening number " + seq));
        }
        for (WsClient c : List.of(alice, bob)) {
            String who = c == alice ? "alice" : "bob";
            long last = 0;
            for (int finals = 0; finals < 3;) {
                JsonNode t = c.next("translation");
                assertTrue(t.path("source").asText().startsWith(who + " says"),
                        who + " received another session's translation: " + t);
                long seq = t.path("seq").asLong();
                assertTrue(seq > last, who + " received seq " + seq + " after " + last);
                last = seq;
                if (t.path("kind").asText().equals("final")) {
                    finals++;
                }
                assertTrue(t.path("latency").path("totalMs").asDouble() >= 0, t.toString());
            }
            assertEquals(6, last, who + "'s last final");
        }
    }

    private static String segment(int seq, String text) {
        // Even seqs are finals, odd ones partials: a final supersedes a pending partial.
        return "{\"type\":\"" + (seq % 2 == 0 ? "final" : "partial") + "\",\"seq\":" + seq + ",\"text\":\"" + text
                + "\"}";
    }

    @Test
    void statusServesQueueAndLimiterStatsOfTheOriginal() throws Exception {
        Server server = start(FAST_FAKE, Plugins.discover(), List.of());
        WsClient c = client(server);
        c.send("{\"type\":\"start\",\"v\":1,\"source\":\"en\",\"target\":\"es\"}");
        String id = c.next("ready").path("session").asText();
        c.send("{\"type\":\"final\",\"seq\":1,\"text\":\"Hello there.\"}");
        c.next("translation");

        URI status = URI.create("http://" + server.transport().address().getRawAuthority() + "/status");
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(status).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        JsonNode doc = new com.fasterxml.jackson.databind.ObjectMapper().readTree(response.body());
        for (String field : List.of("queueLength", "processing", "activeRequests", "maxConcurrent",
                "estimatedTokensUsed", "activeSessions", "sessionStats")) {
            assertTrue(doc.path("queue").has(field), "queue status lacks " + field + ": " + doc.path("queue"));
        }
        for (String field : List.of("requestsLastMinute", "requestsPerMinuteLimit", "tokensLastMinute",
                "tokensPerMinuteLimit", "activeSessions", "rateLimited", "sessionStats")) {
            assertTrue(doc.path("limiter").has(field), "limiter stats lack " + field + ": " + doc.path("limiter"));
        }
        assertEquals(4500, doc.path("limiter").path("requestsPerMinuteLimit").asLong());
        assertTrue(doc.path("limiter").path("sessionStats").has(id), doc.path("limiter").toString());
        assertTrue(doc.path("limiter").path("requestsLastMinute").asLong() >= 1, doc.path("limiter").toString());
    }

    @Test
    void badInputGetsAClearErrorAndLosesNothingAccepted() throws Exception {
        Server server = start(FAST_FAKE, Plugins.discover(), List.of());
        WsClient c = client(server);
        c.send("{\"type\":\"partial\",\"seq\":1,\"text\":\"too early\"}");
        assertEquals("not_started", c.next("error").path("code").asText());
        c.send("{\"type\":\"start\",\"v\":1,\"source\":\"en\",\"target\":\"fr\"}");
        c.next("ready");
        c.send("{\"type\":\"final\",\"seq\":1,\"text\":\"Accepted before the garbage.\"}");
        Map<String, String> bad = new java.util.LinkedHashMap<>();
        bad.put("{not json", "bad_json");
        bad.put("{\"type\":\"shout\"}", "unknown_type");
        bad.put("{\"type\":\"final\",\"seq\":2}", "missing_field");
        bad.put("{\"type\":\"final\",\"seq\":\"two\",\"text\":\"x\"}", "wrong_type");
        bad.put("{\"type\":\"final\",\"seq\":2,\"text\":\"" + "x".repeat(5000) + "\"}", "text_too_long");
        bad.put("{\"type\":\"start\",\"v\":1,\"source\":\"en\",\"target\":\"fr\"}", "already_started");
        bad.put("{\"type\":\"final\",\"seq\":1,\"text\":\"again\"}", "out_of_order");
        for (Map.Entry<String, String> e : bad.entrySet()) {
            c.send(e.getKey());
            JsonNode error = c.next("error");
            assertEquals(e.getValue(), error.path("code").asText(), "for " + e.getKey() + ": " + error);
            assertTrue(!error.path("message").asText().isBlank(), error.toString());
        }
        JsonNode t = c.next("translation");
        assertEquals(1, t.path("seq").asLong(), "the final accepted before the bad input is still delivered");
        c.send("{\"type\":\"final\",\"seq\":2,\"text\":\"Still usable.\"}");
        assertEquals(2, c.next("translation").path("seq").asLong());
    }

    @Test
    void gracefulShutdownDeliversAnAcceptedFinal() throws Exception {
        GatedProviderFactory gated = new GatedProviderFactory();
        Server server = start(Map.of("fairway.provider", "gated", "fairway.transport.websocket.port", "0",
                "fairway.overload.scheduling-lag", "0"),
                Plugins.of(List.of(gated), Plugins.discover().transports()), List.of());
        WsClient c = client(server);
        c.send("{\"type\":\"start\",\"v\":1,\"source\":\"en\",\"target\":\"fr\"}");
        c.next("ready");
        c.send("{\"type\":\"final\",\"seq\":1,\"text\":\"Keep me.\"}");
        assertTrue(gated.entered.await(60, TimeUnit.SECONDS), "the final never reached the provider");

        Thread stopping = Thread.ofVirtual().start(() -> {
            try {
                server.transport().shutdown(Duration.ofSeconds(60));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        c.next("closing");
        gated.gate.countDown();

        JsonNode t = c.next("translation");
        assertEquals(1, t.path("seq").asLong());
        assertEquals("[fr] Keep me.", t.path("text").asText());
        assertEquals(1001, c.awaitClose());
        stopping.join();
    }

    @Test
    void graceRunningOutAnswersEveryAcceptedFinalExactlyOnceThenClosesWithGoingAway() throws Exception {
        // A provider slower than the grace: it answers only after the transport has given up.
        GatedProviderFactory gated = new GatedProviderFactory();
        Server server = start(Map.of("fairway.provider", "gated", "fairway.transport.websocket.port", "0",
                "fairway.overload.scheduling-lag", "0"),
                Plugins.of(List.of(gated), Plugins.discover().transports()), List.of());
        List<WsClient> clients = new ArrayList<>();
        for (int c = 0; c < 3; c++) {
            WsClient client = client(server);
            clients.add(client);
            client.send("{\"type\":\"start\",\"v\":1,\"source\":\"en\",\"target\":\"fr\"}");
            client.next("ready");
            for (int seq = 1; seq <= 6; seq++) {
                client.send("{\"type\":\"final\",\"seq\":" + seq + ",\"text\":\"Final number " + seq + ".\"}");
            }
            client.send("{\"type\":\"ping\",\"id\":\"sent\"}");
            client.next("pong");                                     // all six were handled, hence accepted
        }
        assertTrue(gated.entered.await(60, TimeUnit.SECONDS), "no final reached the provider");

        // ServeCommand's sequence: the transport's grace, then the scheduler's shutdown.
        server.transport().shutdown(Duration.ofMillis(100));
        server.scheduler().shutdown();
        gated.gate.countDown();                                     // the provider answers, too late
        server.scheduler().awaitTermination(Duration.ofSeconds(60));

        for (WsClient client : clients) {
            assertEquals(1001, client.awaitClose());
            int[] answers = new int[7];
            for (JsonNode m : client.takeAll()) {
                String type = m.path("type").asText();
                if (type.equals("translation") || type.equals("error") && m.path("code").asText().equals("failed")) {
                    answers[m.path("seq").asInt()]++;
                    if (type.equals("error")) {
                        assertEquals("shutdown", m.path("reason").asText(), m.toString());
                    }
                }
            }
            for (int seq = 1; seq <= 6; seq++) {
                assertEquals(1, answers[seq], "answers to final " + seq);
            }
        }
    }

    @Test
    void everyRequestIsTracedWithItsSessionPhasesAndOutcome() throws Exception {
        InMemorySpanExporter spans = InMemorySpanExporter.create();
        InMemoryMetricReader metrics = InMemoryMetricReader.create();
        Server server = start(FAST_FAKE, Plugins.discover(), List.of(SimpleSpanProcessor.create(spans), metrics));
        WsClient c = client(server);
        c.send("{\"type\":\"start\",\"v\":1,\"source\":\"en\",\"target\":\"es\"}");
        String id = c.next("ready").path("session").asText();
        c.send("{\"type\":\"final\",\"seq\":7,\"text\":\"Trace me please.\"}");
        c.next("translation");

        // The span ends before the translation is handed to the session, so it is exported by now.
        SpanData item = spans.getFinishedSpanItems().stream()
                .filter(s -> s.getName().equals("fairway.translation")).findFirst()
                .orElseThrow(() -> new AssertionError("no fairway.translation span in " + spans.getFinishedSpanItems()));
        assertEquals(id, item.getAttributes().get(AttributeKey.stringKey("fairway.session.id")));
        assertEquals("final", item.getAttributes().get(AttributeKey.stringKey("fairway.segment.kind")));
        assertEquals(7L, item.getAttributes().get(AttributeKey.longKey("fairway.segment.seq")));
        assertEquals("delivered", item.getAttributes().get(AttributeKey.stringKey("fairway.segment.outcome")));
        for (String phase : List.of("fairway.queue.wait_ns", "fairway.limiter.wait_ns", "fairway.provider.time_ns",
                "fairway.total.time_ns")) {
            assertTrue(item.getAttributes().get(AttributeKey.longKey(phase)) != null, "span lacks " + phase);
        }
        assertTrue(item.getEvents().stream().map(EventData::getName).anyMatch("dispatched"::equals),
                "no dispatched event: " + item.getEvents());
        SpanData call = spans.getFinishedSpanItems().stream()
                .filter(s -> s.getName().startsWith("chat ")).findFirst()
                .orElseThrow(() -> new AssertionError("no provider call span"));
        assertEquals(item.getSpanContext().getSpanId(), call.getParentSpanId(),
                "the provider call did not join the request's trace across the virtual-thread hand-off");
        assertEquals("fake", call.getAttributes().get(AttributeKey.stringKey("gen_ai.provider.name")));
        assertEquals(5000L, call.getAttributes().get(AttributeKey.longKey("fairway.ratelimit.requests.limit")));

        MetricData duration = metrics.collectAllMetrics().stream()
                .filter(m -> m.getName().equals("fairway.translation.duration")).findFirst()
                .orElseThrow(() -> new AssertionError("no fairway.translation.duration metric"));
        duration.getHistogramData().getPoints().forEach(p -> {
            assertEquals(null, p.getAttributes().get(AttributeKey.stringKey("session.id")),
                    "the latency metric must not be labelled by session (unbounded cardinality)");
            assertTrue(p.getAttributes().get(AttributeKey.stringKey("translation.kind")) != null);
            assertTrue(p.getAttributes().get(AttributeKey.stringKey("outcome")) != null);
        });
    }
}
