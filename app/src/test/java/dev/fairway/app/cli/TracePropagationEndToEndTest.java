package dev.fairway.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fairway.app.config.ConfigSources;
import dev.fairway.app.wiring.Plugins;
import dev.fairway.app.wiring.Wiring;
import dev.fairway.test.support.WsClient;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.net.http.HttpClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Traces as an operator reads them, through the whole server ({@code fairway serve}'s wiring, the fake provider,
 * the WebSocket transport) with spans kept in memory: a client's {@code traceparent} on the handshake, on
 * {@code start} or on a segment is the parent of the segment's span; the provider call and the waits are its
 * children; without any trace context, every segment span links to the session's start.
 */
class TracePropagationEndToEndTest {

    private static final Map<String, String> FAST_FAKE = Map.of(
            "fairway.provider", "fake",
            "fairway.provider.fake.latency.base", "0",
            "fairway.provider.fake.latency.per-token", "0",
            "fairway.provider.fake.latency.jitter", "0",
            "fairway.overload.scheduling-lag", "0",
            "fairway.transport.websocket.port", "0");
    private static final String TRACE_A = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String SPAN_A = "00f067aa0ba902b7";
    private static final String TRACE_B = "0af7651916cd43dd8448eb211c80319c";
    private static final String SPAN_B = "b7ad6b7169203331";
    private static final String TRACE_C = "5e1f2d3c4b5a69788796a5b4c3d2e1f0";
    private static final String SPAN_C = "1a2b3c4d5e6f7081";

    private final InMemorySpanExporter spans = InMemorySpanExporter.create();
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<AutoCloseable> closeLater = new ArrayList<>();
    private Server server;

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeLater.size() - 1; i >= 0; i--) {
            closeLater.get(i).close();
        }
        http.close();
    }

    private void start() {
        Plugins plugins = Plugins.discover();
        Wiring wiring = Wiring.start(ConfigSources.builder().environment(Map.of()).systemProperties(Map.of())
                .overrides(FAST_FAKE).build(), plugins, List.of(SimpleSpanProcessor.create(spans)));
        closeLater.add(wiring);
        server = Server.create(wiring, plugins);
        closeLater.add(server.transport());
        server.transport().start();
    }

    private WsClient connect(Map<String, String> headers) {
        WsClient client = WsClient.connect(http, server.transport().address(), headers, true);
        closeLater.add(client);
        return client;
    }

    private static String traceparent(String trace, String span) {
        return "00-" + trace + "-" + span + "-01";
    }

    private List<SpanData> named(String name) {
        return spans.getFinishedSpanItems().stream().filter(s -> s.getName().equals(name)).toList();
    }

    private SpanData segment(long seq) {
        return named("fairway.translation").stream()
                .filter(s -> Long.valueOf(seq).equals(s.getAttributes().get(AttributeKey.longKey("fairway.segment.seq"))))
                .findFirst().orElseThrow(() -> new AssertionError("no span of segment " + seq + " in "
                        + spans.getFinishedSpanItems()));
    }

    private List<SpanData> childrenOf(SpanData parent) {
        return spans.getFinishedSpanItems().stream().filter(s -> s.getParentSpanId().equals(parent.getSpanId()))
                .toList();
    }

    private static LinkData sessionLink(SpanData segment) {
        List<LinkData> links = segment.getLinks().stream()
                .filter(l -> "session".equals(l.getAttributes().get(AttributeKey.stringKey("fairway.link.kind"))))
                .toList();
        assertEquals(1, links.size(), "session links of " + segment);
        return links.get(0);
    }

    @Test
    void aHandshakeTraceparentIsTheParentOfTheSegmentSpanWhoseChildrenAreItsWaitsAndItsProviderCall()
            throws Exception {
        start();
        WsClient c = connect(Map.of("traceparent", traceparent(TRACE_A, SPAN_A)));
        c.send("{\"type\":\"start\",\"v\":1,\"source\":\"en\",\"target\":\"es\"}");
        String id = c.next("ready").path("session").asText();
        c.send("{\"type\":\"final\",\"seq\":1,\"text\":\"Trace me please.\"}");
        c.next("translation");

        SpanData segment = segment(1);
        assertEquals(TRACE_A, segment.getTraceId());
        assertEquals(SPAN_A, segment.getParentSpanId());
        assertEquals(id, segment.getAttributes().get(AttributeKey.stringKey("fairway.session.id")));
        SpanData start = named("fairway.session.start").get(0);
        assertEquals(SPAN_A, start.getParentSpanId());
        assertEquals(start.getSpanContext(), sessionLink(segment).getSpanContext());

        List<SpanData> children = childrenOf(segment);
        SpanData call = children.stream().filter(s -> s.getKind() == SpanKind.CLIENT).findFirst()
                .orElseThrow(() -> new AssertionError("no provider call under " + segment + ": " + children));
        assertTrue(call.getName().startsWith("chat "), call.getName());
        assertEquals("chat", call.getAttributes().get(AttributeKey.stringKey("gen_ai.operation.name")));
        assertEquals("fake", call.getAttributes().get(AttributeKey.stringKey("gen_ai.provider.name")));
        assertEquals(call.getName().substring(5),
                call.getAttributes().get(AttributeKey.stringKey("gen_ai.request.model")));
        assertTrue(call.getAttributes().get(AttributeKey.longKey("gen_ai.usage.output_tokens")) > 0);
        assertEquals(List.of("stop"), call.getAttributes().get(AttributeKey.stringArrayKey("gen_ai.response.finish_reasons")));
        SpanData queue = children.stream().filter(s -> s.getName().equals("fairway.queue.wait")).findFirst()
                .orElseThrow(() -> new AssertionError("no queue wait under " + segment + ": " + children));
        for (SpanData child : List.of(call, queue)) {
            assertTrue(child.getEndEpochNanos() >= child.getStartEpochNanos(), child.toString());
            assertTrue(child.getStartEpochNanos() >= segment.getStartEpochNanos(), child.toString());
        }
        assertTrue(queue.getEndEpochNanos() <= call.getStartEpochNanos(), "queued, then sent");
    }

    @Test
    void theStartFieldAndThenEachSegmentsOwnFieldWin() throws Exception {
        start();
        WsClient c = connect(Map.of("traceparent", traceparent(TRACE_A, SPAN_A)));
        c.send("{\"type\":\"start\",\"v\":1,\"source\":\"en\",\"target\":\"es\",\"traceparent\":\""
                + traceparent(TRACE_B, SPAN_B) + "\"}");
        c.next("ready");
        c.send("{\"type\":\"final\",\"seq\":1,\"text\":\"From the session.\"}");
        c.next("translation");
        c.send("{\"type\":\"final\",\"seq\":2,\"text\":\"From the segment.\",\"traceparent\":\""
                + traceparent(TRACE_C, SPAN_C) + "\"}");
        c.next("translation");

        assertEquals(SPAN_B, segment(1).getParentSpanId());
        assertEquals(TRACE_B, segment(1).getTraceId());
        assertEquals(SPAN_C, segment(2).getParentSpanId());
        assertEquals(TRACE_C, segment(2).getTraceId());
        SpanData start = named("fairway.session.start").get(0);
        assertEquals(SPAN_B, start.getParentSpanId());
        assertEquals(start.getSpanContext(), sessionLink(segment(2)).getSpanContext(),
                "still one session: the link leads to its start");
    }

    @Test
    void withoutTraceContextEverySegmentSpanLinksToTheSessionsStart() throws Exception {
        start();
        WsClient c = connect(Map.of());
        c.send("{\"type\":\"start\",\"v\":1,\"source\":\"en\",\"target\":\"es\"}");
        String id = c.next("ready").path("session").asText();
        for (int seq = 1; seq <= 3; seq++) {
            c.send("{\"type\":\"final\",\"seq\":" + seq + ",\"text\":\"Sentence number " + seq + ".\"}");
            c.next("translation");
        }

        SpanData start = named("fairway.session.start").get(0);
        assertFalse(start.getParentSpanContext().isValid());
        assertEquals(id, start.getAttributes().get(AttributeKey.stringKey("fairway.session.id")));
        for (long seq = 1; seq <= 3; seq++) {
            SpanData segment = segment(seq);
            assertFalse(segment.getParentSpanContext().isValid(), "each segment is a trace of its own");
            assertEquals(start.getSpanContext(), sessionLink(segment).getSpanContext());
        }
    }

    @Test
    void aMalformedTraceparentIsIgnoredAndTheSegmentIsServed() throws Exception {
        start();
        WsClient c = connect(Map.of("traceparent", "00-not-a-trace-01"));
        c.send("{\"type\":\"start\",\"v\":1,\"source\":\"en\",\"target\":\"es\",\"traceparent\":17}");
        c.next("ready");
        c.send("{\"type\":\"final\",\"seq\":1,\"text\":\"Still translated.\",\"traceparent\":\"00-xyz\"}");
        JsonNode answer = c.next();
        assertEquals("translation", answer.path("type").asText(), answer.toString());

        SpanData segment = segment(1);
        assertFalse(segment.getParentSpanContext().isValid());
        assertEquals(StatusCode.UNSET, segment.getStatus().getStatusCode());
        assertFalse(named("fairway.session.start").get(0).getParentSpanContext().isValid());
    }
}
