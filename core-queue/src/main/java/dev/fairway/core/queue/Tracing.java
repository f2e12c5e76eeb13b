package dev.fairway.core.queue;

import dev.fairway.api.RateLimitFeedback;
import dev.fairway.api.RateLimitedException;
import dev.fairway.api.TranslationRequest;
import dev.fairway.api.TranslationResult;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The scheduler's spans. One span per accepted segment ({@value #SEGMENT_SPAN}), child of the context
 * current at submit, tagged with the session, kind and sequence, with events for the phases
 * ({@code dispatched} with the queue and limiter waits, {@code retry_scheduled}, {@code deduplicated})
 * and an {@code outcome} attribute when it ends; one child span per provider call
 * ({@value #PROVIDER_SPAN}) on the worker thread, current while the provider runs, carrying the
 * provider's rate-limit feedback. Attributes are only built when a span is recording.
 */
final class Tracing {

    static final String SCOPE = "dev.fairway.core.queue";
    static final String SEGMENT_SPAN = "fairway.translation";
    static final String PROVIDER_SPAN = "fairway.provider.call";

    static final AttributeKey<String> SESSION_ID = AttributeKey.stringKey("session.id");
    static final AttributeKey<String> KIND = AttributeKey.stringKey("translation.kind");
    static final AttributeKey<Long> SEQUENCE = AttributeKey.longKey("translation.sequence");
    static final AttributeKey<Long> ESTIMATED_TOKENS = AttributeKey.longKey("translation.estimated_tokens");
    static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("outcome");
    static final AttributeKey<Long> ATTEMPTS = AttributeKey.longKey("translation.attempts");
    static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("attempt");
    static final AttributeKey<Long> QUEUE_WAIT = AttributeKey.longKey("queue.wait_ns");
    static final AttributeKey<Long> LIMITER_WAIT = AttributeKey.longKey("limiter.wait_ns");
    static final AttributeKey<Long> PROVIDER_TIME = AttributeKey.longKey("provider.time_ns");
    static final AttributeKey<Long> TOTAL_TIME = AttributeKey.longKey("total.time_ns");
    static final AttributeKey<Long> RETRY_DELAY = AttributeKey.longKey("retry.delay_ns");
    static final AttributeKey<String> ERROR = AttributeKey.stringKey("error");
    static final AttributeKey<Boolean> DEDUPLICATED = AttributeKey.booleanKey("translation.deduplicated");
    static final AttributeKey<String> PROVIDER_NAME = AttributeKey.stringKey("provider.name");
    static final AttributeKey<String> PROVIDER_MODEL = AttributeKey.stringKey("provider.model");
    static final AttributeKey<Long> USAGE_TOTAL = AttributeKey.longKey("provider.usage.total_tokens");
    static final AttributeKey<Long> WAITERS = AttributeKey.longKey("provider.waiters");
    static final AttributeKey<Long> RL_REQUEST_LIMIT = AttributeKey.longKey("ratelimit.requests.limit");
    static final AttributeKey<Long> RL_REQUESTS_REMAINING = AttributeKey.longKey("ratelimit.requests.remaining");
    static final AttributeKey<Long> RL_REQUESTS_RESET = AttributeKey.longKey("ratelimit.requests.reset_ms");
    static final AttributeKey<Long> RL_TOKEN_LIMIT = AttributeKey.longKey("ratelimit.tokens.limit");
    static final AttributeKey<Long> RL_TOKENS_REMAINING = AttributeKey.longKey("ratelimit.tokens.remaining");
    static final AttributeKey<Long> RL_TOKENS_RESET = AttributeKey.longKey("ratelimit.tokens.reset_ms");
    static final AttributeKey<Long> RL_RETRY_AFTER = AttributeKey.longKey("ratelimit.retry_after_ms");

    /** Name of the latency histogram: accepted to finished, by kind and outcome (never by session: unbounded). */
    static final String DURATION_METRIC = "fairway.translation.duration";

    private final Tracer tracer;
    private final boolean noop;
    private final DoubleHistogram duration;

    Tracing(OpenTelemetry openTelemetry) {
        this.noop = openTelemetry == OpenTelemetry.noop();
        this.tracer = openTelemetry.getTracer(SCOPE);
        this.duration = openTelemetry.getMeter(SCOPE).histogramBuilder(DURATION_METRIC)
                .setDescription("Time from a segment's acceptance to its delivery or other end, by kind and outcome")
                .setUnit("ms")
                .build();
    }

    /**
     * Whether telemetry is the no-op one: ending a span and recording the metric then cost nothing,
     * and the scheduler does both in place instead of after its lock.
     */
    boolean isNoop() {
        return noop;
    }

    /** Starts a segment's span as a child of the current context. */
    Span startSegment(TranslationRequest r) {
        return tracer.spanBuilder(SEGMENT_SPAN)
                .setSpanKind(SpanKind.INTERNAL)
                .setAttribute(SESSION_ID, r.session().value())
                .setAttribute(KIND, r.kind() == dev.fairway.api.SegmentKind.FINAL ? "final" : "partial")
                .setAttribute(SEQUENCE, r.sequence())
                .setAttribute(ESTIMATED_TOKENS, (long) r.estimatedTokens())
                .startSpan();
    }

    /** The context a worker makes current around the provider call: the submit context plus the span. */
    static Context contextOf(Span span) {
        return span.isRecording() ? Context.current().with(span) : Context.current();
    }

    static void dispatched(Segment segment, long queueNanos, long limiterNanos, boolean deduplicated) {
        Span span = segment.span;
        if (span.isRecording()) {
            span.addEvent(deduplicated ? "deduplicated" : "dispatched", Attributes.of(
                    ATTEMPT, (long) segment.attempts, QUEUE_WAIT, queueNanos, LIMITER_WAIT, limiterNanos));
        }
    }

    static final AttributeKey<Long> BATCH_SIZE = AttributeKey.longKey("fairway.batch.size");
    static final AttributeKey<Double> BATCH_REQUEST_SHARE = AttributeKey.doubleKey("fairway.batch.request_share");
    static final AttributeKey<Boolean> BATCH_PAYER = AttributeKey.booleanKey("fairway.batch.payer");

    /** The segment rides in a batch of {@code size}: its part of the request is 1/size. */
    static void batched(Segment segment, int size, boolean payer) {
        Span span = segment.span;
        if (span.isRecording()) {
            span.addEvent("batched", Attributes.of(BATCH_SIZE, (long) size, BATCH_REQUEST_SHARE, 1.0 / size,
                    BATCH_PAYER, payer));
        }
    }

    /** Starts a batch call's span under the first segment's span, linked to every other segment's span. */
    Span startBatch(Call carrier, String providerName, String model) {
        SpanBuilder builder = tracer.spanBuilder(PROVIDER_SPAN)
                .setParent(carrier.leader.context)
                .setSpanKind(SpanKind.CLIENT)
                .setAttribute(PROVIDER_NAME, providerName)
                .setAttribute(PROVIDER_MODEL, model)
                .setAttribute(BATCH_SIZE, (long) carrier.items.length);
        for (int i = 1; i < carrier.items.length; i++) {
            builder.addLink(carrier.items[i].leader.span.getSpanContext());
        }
        return builder.startSpan();
    }

    static void retry(Segment segment, long delayNanos, String error) {
        Span span = segment.span;
        if (span.isRecording()) {
            span.addEvent("retry_scheduled", Attributes.of(ATTEMPT, (long) segment.attempts, RETRY_DELAY, delayNanos,
                    ERROR, error));
        }
    }

    private static final String[] OUTCOMES = {"delivered", "superseded", "stale", "failed", "cancelled", "refused"};
    /** The metric's attributes of each known outcome, finals then partials, made once instead of per segment. */
    private static final Attributes[] OUTCOME_ATTRIBUTES = new Attributes[2 * OUTCOMES.length];

    static {
        for (int i = 0; i < OUTCOMES.length; i++) {
            OUTCOME_ATTRIBUTES[i] = Attributes.of(KIND, "final", OUTCOME, OUTCOMES[i]);
            OUTCOME_ATTRIBUTES[OUTCOMES.length + i] = Attributes.of(KIND, "partial", OUTCOME, OUTCOMES[i]);
        }
    }

    static Attributes attributes(boolean isFinal, String outcome) {
        for (int i = 0; i < OUTCOMES.length; i++) {
            if (OUTCOMES[i].equals(outcome)) {
                return OUTCOME_ATTRIBUTES[(isFinal ? 0 : OUTCOMES.length) + i];
            }
        }
        return Attributes.of(KIND, isFinal ? "final" : "partial", OUTCOME, outcome);
    }

    /** Ends a segment's span with its outcome: delivered, superseded, stale, failed, cancelled or refused. */
    void end(Segment segment, String outcome, long nowNanos) {
        long total = Math.max(0, nowNanos - segment.acceptedAt);
        duration.record(total / 1e6, attributes(segment.request.isFinal(), outcome));
        Span span = segment.span;
        if (span.isRecording()) {
            span.setAttribute(OUTCOME, outcome);
            span.setAttribute(ATTEMPTS, (long) segment.attempts);
            span.setAttribute(QUEUE_WAIT, segment.queueNanos);
            span.setAttribute(LIMITER_WAIT, segment.limiterNanos);
            span.setAttribute(PROVIDER_TIME, segment.providerNanos);
            span.setAttribute(TOTAL_TIME, total);
            if (segment.deduplicated) {
                span.setAttribute(DEDUPLICATED, true);
            }
            if (outcome.equals("failed")) {
                span.setStatus(StatusCode.ERROR);
            }
        }
        span.end();
    }

    /** Starts the provider call's span under the leader's span, on the worker thread. */
    Span startProvider(Context parent, String providerName, String model, int attempt, int waiters) {
        return tracer.spanBuilder(PROVIDER_SPAN)
                .setParent(parent)
                .setSpanKind(SpanKind.CLIENT)
                .setAttribute(PROVIDER_NAME, providerName)
                .setAttribute(PROVIDER_MODEL, model)
                .setAttribute(ATTEMPT, (long) attempt)
                .setAttribute(WAITERS, (long) waiters)
                .startSpan();
    }

    static void providerResult(Span span, TranslationResult result) {
        if (span.isRecording()) {
            span.setAttribute(USAGE_TOTAL, (long) result.usage().totalTokens());
            feedback(span, result.rateLimit());
        }
    }

    static void providerError(Span span, Throwable error) {
        if (span.isRecording()) {
            span.recordException(error);
            span.setStatus(StatusCode.ERROR, error.getClass().getSimpleName());
            if (error instanceof RateLimitedException e) {
                feedback(span, e.feedback());
            }
        }
    }

    private static void feedback(Span span, RateLimitFeedback f) {
        put(span, RL_REQUEST_LIMIT, f.requestLimit());
        put(span, RL_REQUESTS_REMAINING, f.requestsRemaining());
        put(span, RL_REQUESTS_RESET, f.requestsReset());
        put(span, RL_TOKEN_LIMIT, f.tokenLimit());
        put(span, RL_TOKENS_REMAINING, f.tokensRemaining());
        put(span, RL_TOKENS_RESET, f.tokensReset());
        put(span, RL_RETRY_AFTER, f.retryAfter());
    }

    private static void put(Span span, AttributeKey<Long> key, OptionalLong value) {
        if (value.isPresent()) {
            span.setAttribute(key, value.getAsLong());
        }
    }

    private static void put(Span span, AttributeKey<Long> key, Optional<Duration> value) {
        value.ifPresent(d -> span.setAttribute(key, d.toMillis()));
    }
}
