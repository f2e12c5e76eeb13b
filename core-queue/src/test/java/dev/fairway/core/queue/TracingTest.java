package dev.fairway.core.queue;

import dev.fairway.api.PermanentProviderException;
import dev.fairway.api.RateLimitFeedback;
import dev.fairway.api.SegmentKind;
import dev.fairway.api.SessionId;
import dev.fairway.api.SessionOptions;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TracingTest {

    private static final long MS = 1_000_000L;

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

        List<SpanData> providerCalls() {
            return spans.stream().filter(s -> s.getKind() == SpanKind.CLIENT).toList();
        }

        SpanData segment(String session, long seq) {
            return named(Tracing.SEGMENT_SPAN).stream()
                    .filter(s -> session.equals(s.getAttributes().get(Tracing.SESSION_ID))
                            && Long.valueOf(seq).equals(s.getAttributes().get(Tracing.SEQUENCE)))
                    .findFirst().orElseThrow(() -> new AssertionError("no span for " + session + " #" + seq
                            + " in " + spans));
        }

        List<SpanData> childrenOf(SpanData parent, String name) {
            return named(name).stream().filter(s -> s.getParentSpanId().equals(parent.getSpanId())).toList();
        }
    }

    private final Exporter exporter = new Exporter();
    private final SdkTracerProvider tracerProvider = SdkTracerProvider.builder()
            .addSpanProcessor(SimpleSpanProcessor.create(exporter)).build();
    private final OpenTelemetry otel = new OpenTelemetry() {
        @Override
        public TracerProvider getTracerProvider() {
            return tracerProvider;
        }

        @Override
        public ContextPropagators getPropagators() {
            return ContextPropagators.noop();
        }
    };

    @AfterEach
    void closeTracer() {
        tracerProvider.close();
    }

    private Harness harness(ScriptedProvider provider) {
        return new Harness(provider, Runnable::run, b -> b.openTelemetry(otel));
    }

    @Test
    void oneSpanPerSegmentWithItsOutcomeAndAProviderChildSpan() {
        AtomicReference<SpanContext> currentInProvider = new AtomicReference<>();
        ScriptedProvider provider = new ScriptedProvider();
        provider.during(r -> {
            if (r.isFinal()) {
                currentInProvider.set(Span.current().getSpanContext());
            }
        });
        Span transportSpan = tracerProvider.get("test").spanBuilder("websocket.message").startSpan();
        try (Harness h = harness(provider)) {
            RecordingListener listener = new RecordingListener();
            var s = h.scheduler.open(SessionId.of("s1"), SessionOptions.of("en", "fr"), listener);
            try (Scope ignored = Context.current().with(transportSpan).makeCurrent()) {
                s.submit(SegmentKind.PARTIAL, 1, "a");
                s.submit(SegmentKind.PARTIAL, 2, "ab");
                s.submit(SegmentKind.FINAL, 3, "abc");
            }
            h.runUntilIdle();
        } finally {
            transportSpan.end();
        }

        assertEquals(3, exporter.named(Tracing.SEGMENT_SPAN).size());
        SpanData superseded = exporter.segment("s1", 1);
        assertEquals("superseded", superseded.getAttributes().get(Tracing.OUTCOME));
        assertEquals(StatusCode.UNSET, superseded.getStatus().getStatusCode(), "superseding is no error");
        assertTrue(names(superseded.getEvents()).contains("superseded"), superseded.getEvents().toString());
        SpanData fin = exporter.segment("s1", 3);
        assertEquals("delivered", fin.getAttributes().get(Tracing.OUTCOME));
        assertEquals("s1", fin.getAttributes().get(Tracing.SESSION_ID));
        assertEquals("final", fin.getAttributes().get(Tracing.KIND));
        assertEquals(transportSpan.getSpanContext().getSpanId(), fin.getParentSpanId(),
                "the submit's context is the parent");
        assertTrue(names(fin.getEvents()).contains("dispatched"));
        assertNotNull(fin.getAttributes().get(Tracing.QUEUE_WAIT));

        SpanData call = exporter.providerCalls().get(0);
        assertEquals(fin.getSpanContext().getSpanId(), call.getParentSpanId());
        assertEquals("scripted", call.getAttributes().get(Tracing.GEN_AI_PROVIDER));
        assertEquals(call.getSpanContext(), currentInProvider.get(), "the provider runs inside its span");
    }

    @Test
    void queueAndLimiterWaitsAreChildSpansOfTheSegmentWithTheirDurations() {
        ScriptedProvider provider = new ScriptedProvider();
        try (Harness h = harness(provider)) {
            Harness.Client a = h.open("a");
            h.limiter.refuse(SessionId.of("a"), 5 * MS);
            a.fin(1, "hello");
            h.clock.advanceNanos(3 * MS);
            assertEquals(0, h.scheduler.pump(), "refused by the rate limiter");
            h.clock.advanceNanos(5 * MS);
            h.limiter.grant(SessionId.of("a"));
            h.runUntilIdle();
            assertEquals(1, a.listener().translations().size());
        }

        SpanData segment = exporter.segment("a", 1);
        SpanData queue = single(exporter.childrenOf(segment, Tracing.QUEUE_WAIT_SPAN));
        SpanData limiter = single(exporter.childrenOf(segment, Tracing.LIMITER_WAIT_SPAN));
        SpanData call = single(exporter.providerCalls());
        assertEquals(segment.getSpanId(), call.getParentSpanId());
        assertEquals(segment.getStartEpochNanos(), queue.getStartEpochNanos(), "the queue wait starts at acceptance");
        assertEquals(3 * MS, queue.getEndEpochNanos() - queue.getStartEpochNanos());
        assertEquals(queue.getEndEpochNanos(), limiter.getStartEpochNanos(), "the first refusal ends the queue wait");
        assertEquals(5 * MS, limiter.getEndEpochNanos() - limiter.getStartEpochNanos());
        assertTrue(call.getStartEpochNanos() >= limiter.getEndEpochNanos(), "the call follows the waits");
        for (SpanData child : List.of(queue, limiter, call)) {
            assertTrue(child.getEndEpochNanos() >= child.getStartEpochNanos(), child.toString());
            assertTrue(child.getStartEpochNanos() >= segment.getStartEpochNanos()
                    && child.getEndEpochNanos() <= segment.getEndEpochNanos(), "inside the segment: " + child);
        }
        assertEquals(3 * MS, segment.getAttributes().get(Tracing.QUEUE_WAIT));
        assertEquals(5 * MS, segment.getAttributes().get(Tracing.LIMITER_WAIT));
    }

    @Test
    void aSegmentThatEndsWhileQueuedRecordsItsWaitUpToItsEnd() {
        ScriptedProvider provider = new ScriptedProvider();
        try (Harness h = harness(provider)) {
            Harness.Client a = h.open("a");
            h.limiter.refuse(SessionId.of("a"), SECOND);
            a.partial(1, "hel");
            h.clock.advanceNanos(2 * MS);
            h.scheduler.pump();
            h.clock.advanceNanos(4 * MS);
            a.partial(2, "hello");
        }

        SpanData first = exporter.segment("a", 1);
        assertEquals("superseded", first.getAttributes().get(Tracing.OUTCOME));
        SpanData queue = single(exporter.childrenOf(first, Tracing.QUEUE_WAIT_SPAN));
        SpanData limiter = single(exporter.childrenOf(first, Tracing.LIMITER_WAIT_SPAN));
        assertEquals(2 * MS, queue.getEndEpochNanos() - queue.getStartEpochNanos());
        assertEquals(4 * MS, limiter.getEndEpochNanos() - limiter.getStartEpochNanos());
    }

    private static final long SECOND = 1000 * MS;

    @Test
    void segmentsOfASessionLinkToTheSpanCurrentWhenItOpened() {
        ScriptedProvider provider = new ScriptedProvider();
        Span start = tracerProvider.get("test").spanBuilder("session.start").startSpan();
        try (Harness h = harness(provider)) {
            var listener = new RecordingListener();
            dev.fairway.api.Session s;
            try (Scope ignored = start.makeCurrent()) {
                s = h.scheduler.open(SessionId.of("s1"), SessionOptions.of("en", "fr"), listener);
            } finally {
                start.end();
            }
            s.submit(SegmentKind.FINAL, 1, "one");
            try (Scope ignored = start.makeCurrent()) {
                s.submit(SegmentKind.FINAL, 2, "two");
            }
            h.runUntilIdle();
        }

        SpanData one = exporter.segment("s1", 1);
        assertFalse(one.getParentSpanContext().isValid(), "submitted in no context: a root");
        LinkData link = single(one.getLinks());
        assertEquals(start.getSpanContext(), link.getSpanContext());
        assertEquals("session", link.getAttributes().get(Tracing.LINK_KIND));
        SpanData two = exporter.segment("s1", 2);
        assertEquals(start.getSpanContext().getSpanId(), two.getParentSpanId());
        assertEquals(List.of(), two.getLinks(), "no link to its own parent");
    }

    @Test
    void aDeduplicatedSegmentLinksToTheCallThatServedIt() {
        ScriptedProvider provider = new ScriptedProvider();
        ManualExecutor executor = new ManualExecutor();
        try (Harness h = new Harness(provider, executor, b -> b.openTelemetry(otel))) {
            Harness.Client a = h.open("a");
            Harness.Client b = h.open("b");
            a.fin(1, "good morning");
            b.fin(7, "good morning");
            assertEquals(1, h.scheduler.pump());
            executor.runNext();
            assertEquals(1, b.listener().translations().size());
        }

        SpanData call = single(exporter.providerCalls());
        SpanData leader = exporter.segment("a", 1);
        SpanData follower = exporter.segment("b", 7);
        assertEquals(leader.getSpanId(), call.getParentSpanId());
        assertEquals(List.of(), leader.getLinks());
        LinkData link = single(follower.getLinks());
        assertEquals(call.getSpanContext(), link.getSpanContext());
        assertEquals("deduplicated", link.getAttributes().get(Tracing.LINK_KIND));
        assertEquals(true, follower.getAttributes().get(Tracing.DEDUPLICATED));
        assertTrue(names(follower.getEvents()).contains("deduplicated"));
        assertEquals(2L, call.getAttributes().get(Tracing.WAITERS));
    }

    @Test
    void aBatchCallLinksEveryRiderAndEachRiderLinksBackToIt() {
        BatchingProvider provider = new BatchingProvider(8, 4000);
        try (Harness h = new Harness(provider, Runnable::run,
                b -> b.openTelemetry(otel).batching(BatchMode.WHEN_LIMITED, 8, 4000))) {
            Harness.Client a = h.open("a");
            Harness.Client b = h.open("b");
            Harness.Client c = h.open("c");
            for (String s : List.of("a", "b", "c")) {
                h.limiter.refuse(SessionId.of(s), SECOND);
            }
            a.fin(1, "alpha");
            b.fin(4, "bravo");
            c.fin(9, "charlie");
            assertEquals(0, h.scheduler.pump());
            h.clock.advanceNanos(7 * MS);
            h.limiter.grant(SessionId.of("b"));
            h.runUntilIdle();
            assertEquals(List.of(List.of("alpha", "bravo", "charlie")), List.copyOf(provider.batches));
        }

        SpanData batch = single(exporter.providerCalls());
        assertEquals(3L, batch.getAttributes().get(Tracing.BATCH_SIZE));
        assertEquals(3L, batch.getAttributes().get(Tracing.BATCH_ANSWERED));
        assertEquals(List.of("stop"), batch.getAttributes().get(Tracing.GEN_AI_FINISH_REASONS));
        SpanData alpha = exporter.segment("a", 1);
        SpanData bravo = exporter.segment("b", 4);
        SpanData charlie = exporter.segment("c", 9);
        assertEquals(alpha.getSpanId(), batch.getParentSpanId(), "the first rider's span is the parent");
        assertEquals(List.of(bravo.getSpanContext(), charlie.getSpanContext()),
                batch.getLinks().stream().map(LinkData::getSpanContext).toList());
        assertEquals(List.of(), alpha.getLinks());
        for (SpanData rider : List.of(bravo, charlie)) {
            LinkData back = single(rider.getLinks());
            assertEquals(batch.getSpanContext(), back.getSpanContext());
            assertEquals("batch", back.getAttributes().get(Tracing.LINK_KIND));
        }
        for (SpanData rider : List.of(alpha, bravo, charlie)) {
            assertTrue(names(rider.getEvents()).contains("batched"), rider.getEvents().toString());
            SpanData pooled = single(exporter.childrenOf(rider, Tracing.LIMITER_WAIT_SPAN));
            assertEquals(true, pooled.getAttributes().get(Tracing.BATCH_POOLED));
            assertEquals(7 * MS, pooled.getEndEpochNanos() - pooled.getStartEpochNanos(),
                    "the wait in the batch pool");
        }
    }

    @Test
    void aProviderCallCancelledBecauseItsSegmentWasSupersededIsNoError() {
        ScriptedProvider provider = new ScriptedProvider();
        Harness.Client[] client = new Harness.Client[1];
        provider.during(r -> {
            if (r.kind() == SegmentKind.PARTIAL) {
                // The final arrives while the partial's call runs: the scheduler interrupts it, and the
                // provider gives up with an InterruptedException.
                client[0].fin(2, "hello world");
            }
        });
        try (Harness h = harness(provider)) {
            client[0] = h.open("s1");
            client[0].partial(1, "hello");
            h.runUntilIdle();
            assertEquals(List.of("T final 2 [fr] hello world"), client[0].listener().lines());
        }

        SpanData partial = exporter.segment("s1", 1);
        assertEquals("superseded", partial.getAttributes().get(Tracing.OUTCOME));
        assertEquals(StatusCode.UNSET, partial.getStatus().getStatusCode());
        SpanData call = single(exporter.providerCalls().stream()
                .filter(s -> s.getParentSpanId().equals(partial.getSpanId())).toList());
        assertEquals(StatusCode.UNSET, call.getStatus().getStatusCode(), call.toString());
        assertTrue(names(call.getEvents()).contains("cancelled"), call.getEvents().toString());
        assertFalse(names(call.getEvents()).contains("exception"), "no stack trace: " + call.getEvents());
        assertEquals(null, call.getAttributes().get(Tracing.ERROR_TYPE));
    }

    @Test
    void providerCallSpansFollowTheGenAiSemanticConventions() {
        ScriptedProvider provider = new ScriptedProvider()
                .feedback(RateLimitFeedback.builder().requestLimit(5000).requestsRemaining(4999).build());
        try (Harness h = harness(provider)) {
            h.open("a").fin(1, "hello");
            h.runUntilIdle();
        }

        SpanData call = single(exporter.providerCalls());
        assertEquals("chat test-model", call.getName());
        assertEquals(SpanKind.CLIENT, call.getKind());
        Map<String, Object> expected = Map.of(
                "gen_ai.operation.name", "chat",
                "gen_ai.provider.name", "scripted",
                "gen_ai.request.model", "test-model",
                "gen_ai.response.model", "test-model",
                "gen_ai.usage.input_tokens", 10L,
                "gen_ai.usage.output_tokens", 5L,
                "gen_ai.response.finish_reasons", List.of("stop"),
                "fairway.ratelimit.requests.limit", 5000L,
                "fairway.ratelimit.requests.remaining", 4999L,
                "fairway.attempt", 1L);
        Map<String, Object> actual = new java.util.HashMap<>();
        call.getAttributes().forEach((k, v) -> actual.put(k.getKey(), v));
        expected.forEach((k, v) -> assertEquals(v, actual.get(k), k + " in " + actual));
        for (String old : List.of("provider.name", "provider.model", "ratelimit.requests.limit", "attempt")) {
            assertFalse(actual.containsKey(old), "no longer named " + old);
        }
        SpanData segment = exporter.segment("a", 1);
        List<String> keys = segment.getAttributes().asMap().keySet().stream().map(AttributeKey::getKey).toList();
        assertTrue(keys.stream().allMatch(k -> k.startsWith("fairway.")), "Fairway's own namespace: " + keys);
    }

    @Test
    void aFailedProviderCallIsAnErrorWithItsType() {
        ScriptedProvider provider = new ScriptedProvider().thenThrow(
                new PermanentProviderException(PermanentProviderException.Kind.AUTHENTICATION, "bad key"));
        try (Harness h = harness(provider)) {
            h.open("a").fin(1, "hello");
            h.runUntilIdle();
        }

        SpanData call = single(exporter.providerCalls());
        assertEquals(StatusCode.ERROR, call.getStatus().getStatusCode());
        assertEquals("authentication", call.getAttributes().get(Tracing.ERROR_TYPE));
        assertTrue(names(call.getEvents()).contains("exception"));
        SpanData segment = exporter.segment("a", 1);
        assertEquals("failed", segment.getAttributes().get(Tracing.OUTCOME));
        assertEquals(StatusCode.ERROR, segment.getStatus().getStatusCode());
    }

    private static List<String> names(List<EventData> events) {
        return events.stream().map(EventData::getName).toList();
    }

    private static <T> T single(List<T> items) {
        assertEquals(1, items.size(), "expected exactly one: " + items);
        return items.get(0);
    }
}
