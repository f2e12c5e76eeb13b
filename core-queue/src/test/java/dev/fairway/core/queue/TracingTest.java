package dev.fairway.core.queue;

import dev.fairway.api.SessionId;
import dev.fairway.api.SessionOptions;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import org.junit.jupiter.api.Test;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TracingTest {

    /** Keeps exported spans in memory. */
    static final class Exporter implements SpanExporter {
        final ConcurrentLinkedQueue<SpanData> spans = new ConcurrentLinkedQueue<>();

        @Override
        public CompletableResultCode export(Collection<SpanData> batch) {
            spans.addAll(batch);
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode flush() {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode shutdown() {
            return CompletableResultCode.ofSuccess();
        }

        List<SpanData> named(String name) {
            return spans.stream().filter(s -> s.getName().equals(name)).toList();
        }
    }

    @Test
    void oneSpanPerSegmentWithItsOutcomeAndAProviderChildSpan() {
        Exporter exporter = new Exporter();
        SdkTracerProvider tracerProvider = SdkTracerProvider.builder()
                .addSpanProcessor(SimpleSpanProcessor.create(exporter)).build();
        OpenTelemetry otel = new OpenTelemetry() {
            @Override
            public io.opentelemetry.api.trace.TracerProvider getTracerProvider() {
                return tracerProvider;
            }

            @Override
            public ContextPropagators getPropagators() {
                return ContextPropagators.noop();
            }
        };
        AtomicReference<SpanContext> currentInProvider = new AtomicReference<>();
        ScriptedProvider provider = new ScriptedProvider();
        provider.during(r -> {
            if (r.isFinal()) {
                currentInProvider.set(Span.current().getSpanContext());
            }
        });
        Span transportSpan = tracerProvider.get("test").spanBuilder("websocket.message").startSpan();
        try (Harness h = new Harness(provider, Runnable::run, b -> b.openTelemetry(otel))) {
            RecordingListener listener = new RecordingListener();
            var s = h.scheduler.open(SessionId.of("s1"), SessionOptions.of("en", "fr"), listener);
            try (Scope ignored = Context.current().with(transportSpan).makeCurrent()) {
                s.submit(dev.fairway.api.SegmentKind.PARTIAL, 1, "a");
                s.submit(dev.fairway.api.SegmentKind.PARTIAL, 2, "ab");
                s.submit(dev.fairway.api.SegmentKind.FINAL, 3, "abc");
            }
            h.runUntilIdle();
        } finally {
            transportSpan.end();
        }

        List<SpanData> items = exporter.named(Tracing.SEGMENT_SPAN);
        assertEquals(3, items.size());
        SpanData superseded1 = items.stream().filter(d -> d.getAttributes().get(Tracing.SEQUENCE) == 1L).findFirst()
                .orElseThrow();
        assertEquals("superseded", superseded1.getAttributes().get(Tracing.OUTCOME));
        SpanData fin = items.stream().filter(d -> d.getAttributes().get(Tracing.SEQUENCE) == 3L).findFirst()
                .orElseThrow();
        assertEquals("delivered", fin.getAttributes().get(Tracing.OUTCOME));
        assertEquals("s1", fin.getAttributes().get(Tracing.SESSION_ID));
        assertEquals("final", fin.getAttributes().get(Tracing.KIND));
        assertEquals(transportSpan.getSpanContext().getSpanId(), fin.getParentSpanId(),
                "the submit's context is the parent");
        assertTrue(fin.getEvents().stream().anyMatch(e -> e.getName().equals("dispatched")));
        assertNotNull(fin.getAttributes().get(Tracing.QUEUE_WAIT));

        SpanData call = exporter.named(Tracing.PROVIDER_SPAN).get(0);
        assertEquals(fin.getSpanContext().getSpanId(), call.getParentSpanId());
        assertEquals("scripted", call.getAttributes().get(Tracing.PROVIDER_NAME));
        assertEquals(call.getSpanContext(), currentInProvider.get(), "the provider runs inside its span");
        tracerProvider.close();
    }
}
