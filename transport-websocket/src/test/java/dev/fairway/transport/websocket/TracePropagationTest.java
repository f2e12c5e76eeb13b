package dev.fairway.transport.websocket;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fairway.api.NanoClock;
import dev.fairway.test.support.WsClient;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The client's W3C trace context, on the handshake or as message fields, becomes the context current around the
 * scheduler's {@code open} and {@code submit}; the span of the session's start is current around {@code open}.
 * Malformed context is ignored and never an error.
 */
class TracePropagationTest {

    private static final String TRACE_A = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String SPAN_A = "00f067aa0ba902b7";
    private static final String TRACE_B = "0af7651916cd43dd8448eb211c80319c";
    private static final String SPAN_B = "b7ad6b7169203331";
    private static final String TRACE_C = "5e1f2d3c4b5a69788796a5b4c3d2e1f0";
    private static final String SPAN_C = "1a2b3c4d5e6f7081";

    private final InMemorySpanExporter spans = InMemorySpanExporter.create();
    private final SdkTracerProvider tracerProvider = SdkTracerProvider.builder()
            .addSpanProcessor(SimpleSpanProcessor.create(spans)).build();
    private final OpenTelemetry otel = OpenTelemetrySdk.builder().setTracerProvider(tracerProvider).build();
    private Fixture fixture;

    @AfterEach
    void close() {
        if (fixture != null) {
            fixture.close();
        }
        tracerProvider.close();
    }

    private static String traceparent(String trace, String span) {
        return "00-" + trace + "-" + span + "-01";
    }

    private TestScheduler.TestSession start(WsClient client, Object... extra) throws InterruptedException {
        Object[] fields = new Object[8 + extra.length];
        System.arraycopy(new Object[] {"type", "start", "v", 1, "source", "en", "target", "fr"}, 0, fields, 0, 8);
        System.arraycopy(extra, 0, fields, 8, extra.length);
        client.sendJson(fields);
        client.expect("ready");
        return fixture.scheduler.nextOpened();
    }

    private SpanData sessionStart() {
        List<SpanData> starts = spans.getFinishedSpanItems().stream()
                .filter(s -> s.getName().equals(TracePropagation.SESSION_START_SPAN)).toList();
        assertEquals(1, starts.size(), starts.toString());
        return starts.get(0);
    }

    @Test
    void theHandshakeTraceparentIsTheParentOfTheSessionStartAndOfItsSegments() throws Exception {
        fixture = Fixture.start(TestScheduler.echo(), Map.of(), NanoClock.SYSTEM, otel);
        WsClient client = fixture.connect(Map.of("traceparent", traceparent(TRACE_A, SPAN_A),
                "tracestate", "vendor=abc"), true);
        TestScheduler.TestSession session = start(client);
        client.sendJson("type", "final", "seq", 1, "text", "hello");
        client.expect("translation");

        SpanData start = sessionStart();
        assertEquals(TRACE_A, start.getTraceId());
        assertEquals(SPAN_A, start.getParentSpanId());
        assertTrue(start.getParentSpanContext().isRemote());
        assertEquals(SpanKind.SERVER, start.getKind());
        assertEquals(session.id.value(), start.getAttributes().get(TracePropagation.SESSION_ID));
        assertEquals(start.getSpanContext(), session.openedIn, "the start's span is current around open");
        SpanContext submit = session.submittedIn.get(1L);
        assertEquals(TRACE_A, submit.getTraceId());
        assertEquals(SPAN_A, submit.getSpanId(), "the client's context is current around submit");
        assertEquals("abc", submit.getTraceState().get("vendor"));
    }

    @Test
    void theStartMessageFieldWinsOverTheHandshake() throws Exception {
        fixture = Fixture.start(TestScheduler.echo(), Map.of(), NanoClock.SYSTEM, otel);
        WsClient client = fixture.connect(Map.of("traceparent", traceparent(TRACE_A, SPAN_A)), true);
        TestScheduler.TestSession session = start(client, "traceparent", traceparent(TRACE_B, SPAN_B));
        client.sendJson("type", "partial", "seq", 1, "text", "hello");
        client.expect("translation");

        assertEquals(SPAN_B, sessionStart().getParentSpanId());
        assertEquals(TRACE_B, session.submittedIn.get(1L).getTraceId());
        assertEquals(SPAN_B, session.submittedIn.get(1L).getSpanId());
    }

    @Test
    void aSegmentsOwnFieldWinsOverTheSessionsContext() throws Exception {
        fixture = Fixture.start(TestScheduler.echo(), Map.of(), NanoClock.SYSTEM, otel);
        WsClient client = fixture.connect();
        TestScheduler.TestSession session = start(client, "traceparent", traceparent(TRACE_A, SPAN_A));
        client.sendJson("type", "final", "seq", 1, "text", "one", "traceparent", traceparent(TRACE_C, SPAN_C),
                "tracestate", "k=v");
        client.expect("translation");
        client.sendJson("type", "final", "seq", 2, "text", "two");
        client.expect("translation");

        SpanContext own = session.submittedIn.get(1L);
        assertEquals(TRACE_C, own.getTraceId());
        assertEquals(SPAN_C, own.getSpanId());
        assertEquals("v", own.getTraceState().get("k"));
        assertEquals(SPAN_A, session.submittedIn.get(2L).getSpanId(), "the next one has the session's again");
    }

    @Test
    void withoutTraceContextSegmentsStartTracesOfTheirOwnAndTheSessionStartIsCurrentAtOpen() throws Exception {
        fixture = Fixture.start(TestScheduler.echo(), Map.of(), NanoClock.SYSTEM, otel);
        WsClient client = fixture.connect();
        TestScheduler.TestSession session = start(client);
        client.sendJson("type", "final", "seq", 1, "text", "hello");
        client.expect("translation");

        SpanData start = sessionStart();
        assertFalse(start.getParentSpanContext().isValid(), "a root");
        assertEquals(start.getSpanContext(), session.openedIn);
        assertFalse(session.submittedIn.get(1L).isValid(), "no context around submit");
    }

    @Test
    void malformedOrOverlongTraceContextIsIgnoredAndNeverAnError() throws Exception {
        fixture = Fixture.start(TestScheduler.echo(), Map.of(), NanoClock.SYSTEM, otel);
        WsClient client = fixture.connect(Map.of("traceparent", "garbage", "tracestate", "=,="), true);
        TestScheduler.TestSession session = start(client, "traceparent", 42, "tracestate", List.of("x"));
        List<Object> bad = List.of(
                "00-00000000000000000000000000000000-" + SPAN_A + "-01",   // the all-zero trace id is invalid
                "00-" + TRACE_A + "-zzzzzzzzzzzzzzzz-01",
                traceparent(TRACE_A, SPAN_A) + "-" + "x".repeat(TraceHeaders.MAX_TRACEPARENT_CHARS),
                "",
                Map.of("not", "a string"));
        for (int i = 0; i < bad.size(); i++) {
            client.sendJson("type", "final", "seq", i + 1, "text", "text " + i, "traceparent", bad.get(i));
            JsonNode answer = client.next();
            assertEquals("translation", answer.path("type").asText(), answer.toString());
        }
        client.sendJson("type", "partial", "seq", 10, "text", "fine", "traceparent", traceparent(TRACE_B, SPAN_B),
                "tracestate", "x".repeat(TraceHeaders.MAX_TRACESTATE_CHARS + 1));
        client.expect("translation");

        assertFalse(sessionStart().getParentSpanContext().isValid(), "the handshake's garbage is no parent");
        for (long seq = 1; seq <= bad.size(); seq++) {
            assertFalse(session.submittedIn.get(seq).isValid(), "segment " + seq);
        }
        SpanContext overlongState = session.submittedIn.get(10L);
        assertEquals(SPAN_B, overlongState.getSpanId(), "a valid traceparent with an overlong tracestate counts");
        assertTrue(overlongState.getTraceState().isEmpty());
    }

    @Test
    void withTelemetryOffNothingIsMadeCurrent() throws Exception {
        fixture = Fixture.start(TestScheduler.echo(), Map.of(), NanoClock.SYSTEM, OpenTelemetry.noop());
        WsClient client = fixture.connect(Map.of("traceparent", traceparent(TRACE_A, SPAN_A)), true);
        TestScheduler.TestSession session = start(client, "traceparent", traceparent(TRACE_B, SPAN_B));
        client.sendJson("type", "final", "seq", 1, "text", "hello", "traceparent", traceparent(TRACE_C, SPAN_C));
        client.expect("translation");

        assertFalse(session.openedIn.isValid());
        assertFalse(session.submittedIn.get(1L).isValid());
    }
}
