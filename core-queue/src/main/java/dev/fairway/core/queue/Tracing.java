package dev.fairway.core.queue;

import dev.fairway.api.FinishReason;
import dev.fairway.api.PermanentProviderException;
import dev.fairway.api.RateLimitFeedback;
import dev.fairway.api.RateLimitedException;
import dev.fairway.api.SubmitOutcome;
import dev.fairway.api.TokenUsage;
import dev.fairway.api.TranslationRequest;
import dev.fairway.api.TranslationResult;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * The scheduler's spans.
 *
 * <p>One span per accepted segment ({@value #SEGMENT_SPAN}), child of the context current at submit, linked to
 * the span that was current when its session opened (when that is not its parent already). Its phases are child
 * spans recorded when the segment ends, from the times the segment kept: {@value #QUEUE_WAIT_SPAN} for each wait
 * for a dispatch, {@value #LIMITER_WAIT_SPAN} from the rate limiter's first refusal to the dispatch (or the time a
 * rider waited in the batch pool). The rest are events ({@code dispatched}, {@code deduplicated},
 * {@code batched}, {@code retry_scheduled}, and the outcome when it is not {@code delivered}).
 *
 * <p>One span per provider call, kind CLIENT, named and tagged after the OpenTelemetry GenAI semantic conventions
 * ({@code chat <model>}, {@code gen_ai.*}), child of its leader's segment span, current on the worker thread
 * while the provider runs. A segment served by a call it did not lead (it joined an identical call, or rode in a
 * batch) gets a link to that call's span; a batch call's span links to every rider's span but its parent's. A call
 * abandoned because every segment waiting for it left ends with an event {@code cancelled}, not an error.
 *
 * <p>Times come from the scheduler's clock: each segment keeps the wall-clock time of its acceptance, and every
 * timestamp of its tree is that plus the clock's delta, so the phases add up exactly. Nothing is built, and the
 * wall clock is not read, when telemetry is the no-op one or a span is not recording.
 */
final class Tracing {

    static final String SCOPE = "dev.fairway.core.queue";
    static final String SEGMENT_SPAN = "fairway.translation";
    static final String QUEUE_WAIT_SPAN = "fairway.queue.wait";
    static final String LIMITER_WAIT_SPAN = "fairway.limiter.wait";
    /** The GenAI operation of every provider call: a chat completion. */
    static final String OPERATION = "chat";

    // OpenTelemetry semantic conventions (GenAI client spans, v1.37.0; error.type is stable).
    static final AttributeKey<String> GEN_AI_OPERATION = AttributeKey.stringKey("gen_ai.operation.name");
    static final AttributeKey<String> GEN_AI_PROVIDER = AttributeKey.stringKey("gen_ai.provider.name");
    static final AttributeKey<String> GEN_AI_REQUEST_MODEL = AttributeKey.stringKey("gen_ai.request.model");
    static final AttributeKey<String> GEN_AI_RESPONSE_MODEL = AttributeKey.stringKey("gen_ai.response.model");
    static final AttributeKey<Long> GEN_AI_INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
    static final AttributeKey<Long> GEN_AI_OUTPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.output_tokens");
    static final AttributeKey<List<String>> GEN_AI_FINISH_REASONS =
            AttributeKey.stringArrayKey("gen_ai.response.finish_reasons");
    static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

    // Fairway's own.
    static final AttributeKey<String> SESSION_ID = AttributeKey.stringKey("fairway.session.id");
    static final AttributeKey<String> KIND = AttributeKey.stringKey("fairway.segment.kind");
    static final AttributeKey<Long> SEQUENCE = AttributeKey.longKey("fairway.segment.seq");
    static final AttributeKey<Long> ESTIMATED_TOKENS = AttributeKey.longKey("fairway.segment.estimated_tokens");
    static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("fairway.segment.outcome");
    static final AttributeKey<Long> ATTEMPTS = AttributeKey.longKey("fairway.segment.attempts");
    static final AttributeKey<Boolean> DEDUPLICATED = AttributeKey.booleanKey("fairway.segment.deduplicated");
    static final AttributeKey<String> REFUSAL = AttributeKey.stringKey("fairway.segment.refusal");
    static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("fairway.attempt");
    static final AttributeKey<Long> QUEUE_WAIT = AttributeKey.longKey("fairway.queue.wait_ns");
    static final AttributeKey<Long> LIMITER_WAIT = AttributeKey.longKey("fairway.limiter.wait_ns");
    static final AttributeKey<Long> PROVIDER_TIME = AttributeKey.longKey("fairway.provider.time_ns");
    static final AttributeKey<Long> TOTAL_TIME = AttributeKey.longKey("fairway.total.time_ns");
    static final AttributeKey<Long> RETRY_DELAY = AttributeKey.longKey("fairway.retry.delay_ns");
    static final AttributeKey<String> RETRY_REASON = AttributeKey.stringKey("fairway.retry.reason");
    static final AttributeKey<Long> USAGE_TOTAL = AttributeKey.longKey("fairway.usage.total_tokens");
    static final AttributeKey<Long> WAITERS = AttributeKey.longKey("fairway.call.waiters");
    /** On a link: why it is there ({@code session}, {@code deduplicated}, {@code batch}, {@code rider}). */
    static final AttributeKey<String> LINK_KIND = AttributeKey.stringKey("fairway.link.kind");
    static final AttributeKey<Long> BATCH_SIZE = AttributeKey.longKey("fairway.batch.size");
    static final AttributeKey<Long> BATCH_ANSWERED = AttributeKey.longKey("fairway.batch.answered");
    static final AttributeKey<Double> BATCH_REQUEST_SHARE = AttributeKey.doubleKey("fairway.batch.request_share");
    static final AttributeKey<Boolean> BATCH_PAYER = AttributeKey.booleanKey("fairway.batch.payer");
    /** On a {@value #LIMITER_WAIT_SPAN} span: the wait was in the batch pool, for the batch's permit. */
    static final AttributeKey<Boolean> BATCH_POOLED = AttributeKey.booleanKey("fairway.batch.pooled");
    static final AttributeKey<List<String>> BATCH_PROBLEMS = AttributeKey.stringArrayKey("fairway.batch.problems");
    static final AttributeKey<Long> RL_REQUEST_LIMIT = AttributeKey.longKey("fairway.ratelimit.requests.limit");
    static final AttributeKey<Long> RL_REQUESTS_REMAINING =
            AttributeKey.longKey("fairway.ratelimit.requests.remaining");
    static final AttributeKey<Long> RL_REQUESTS_RESET = AttributeKey.longKey("fairway.ratelimit.requests.reset_ms");
    static final AttributeKey<Long> RL_TOKEN_LIMIT = AttributeKey.longKey("fairway.ratelimit.tokens.limit");
    static final AttributeKey<Long> RL_TOKENS_REMAINING = AttributeKey.longKey("fairway.ratelimit.tokens.remaining");
    static final AttributeKey<Long> RL_TOKENS_RESET = AttributeKey.longKey("fairway.ratelimit.tokens.reset_ms");
    static final AttributeKey<Long> RL_RETRY_AFTER = AttributeKey.longKey("fairway.ratelimit.retry_after_ms");

    /** Name of the latency histogram: accepted to finished, by kind and outcome (never by session: unbounded). */
    static final String DURATION_METRIC = "fairway.translation.duration";
    /** The histogram's attributes (the metric's own names, apart from the spans'). */
    static final AttributeKey<String> METRIC_KIND = AttributeKey.stringKey("translation.kind");
    static final AttributeKey<String> METRIC_OUTCOME = AttributeKey.stringKey("outcome");

    private static final Attributes SESSION_LINK = Attributes.of(LINK_KIND, "session");
    private static final Attributes DEDUPLICATED_LINK = Attributes.of(LINK_KIND, "deduplicated");
    private static final Attributes BATCH_LINK = Attributes.of(LINK_KIND, "batch");
    private static final Attributes RIDER_LINK = Attributes.of(LINK_KIND, "rider");
    private static final Attributes POOLED = Attributes.of(BATCH_POOLED, true);

    /** A wait of a segment, recorded as a child span when the segment ends; times on the scheduler's clock. */
    record Phase(String name, long start, long end, Attributes attributes) {
    }

    /** A provider call's span, for the segments it serves: they link to it unless it is their child. */
    record CallSpan(SpanContext context, Segment parent) {
    }

    private final Tracer tracer;
    private final Clock wallClock;
    private final boolean noop;
    private final DoubleHistogram duration;

    Tracing(OpenTelemetry openTelemetry, Clock wallClock) {
        this.noop = openTelemetry == OpenTelemetry.noop();
        this.wallClock = wallClock;
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

    // ---------------------------------------------------------------- sessions

    /** The span a session's segments link to: the one current when it opens (invalid: none). */
    SpanContext sessionContext() {
        return noop ? SpanContext.getInvalid() : Span.current().getSpanContext();
    }

    // ---------------------------------------------------------------- segments

    /** The wall-clock time now in nanoseconds since the epoch: a segment's anchor (0 with no-op telemetry). */
    long wallNanos() {
        if (noop) {
            return 0;
        }
        Instant now = wallClock.instant();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    /**
     * Starts a segment's span as a child of the current context, at {@code epochNanos}, linked to its session's
     * span when that is not the parent.
     */
    Span startSegment(TranslationRequest r, SpanContext session, long epochNanos) {
        if (noop) {
            return Span.getInvalid();
        }
        SpanBuilder builder = tracer.spanBuilder(SEGMENT_SPAN)
                .setSpanKind(SpanKind.INTERNAL)
                .setStartTimestamp(epochNanos, TimeUnit.NANOSECONDS)
                .setAttribute(SESSION_ID, r.session().value())
                .setAttribute(KIND, r.isFinal() ? "final" : "partial")
                .setAttribute(SEQUENCE, r.sequence())
                .setAttribute(ESTIMATED_TOKENS, (long) r.estimatedTokens());
        if (session.isValid() && !session.equals(Span.current().getSpanContext())) {
            builder.addLink(session, SESSION_LINK);
        }
        return builder.startSpan();
    }

    /** The context a worker makes current around the provider call: the submit context plus the span. */
    static Context contextOf(Span span) {
        return span.isRecording() ? Context.current().with(span) : Context.current();
    }

    /**
     * A dispatch ends the segment's wait: {@code queued} nanoseconds in the queue from its {@code waitStart}, then
     * {@code limited} nanoseconds refused by the rate limiter up to {@code now}. Session lock held.
     */
    static void dispatched(Segment segment, long now, long queued, long limited, boolean joined) {
        Span span = segment.span;
        if (span.isRecording()) {
            span.addEvent(joined ? "deduplicated" : "dispatched", Attributes.of(
                    ATTEMPT, (long) segment.attempts, QUEUE_WAIT, queued, LIMITER_WAIT, limited),
                    segment.epochOf(now), TimeUnit.NANOSECONDS);
            segment.phase(new Phase(QUEUE_WAIT_SPAN, segment.waitStart, segment.waitStart + queued,
                    Attributes.of(ATTEMPT, (long) segment.attempts)));
            if (limited > 0) {
                segment.phase(new Phase(LIMITER_WAIT_SPAN, now - limited, now,
                        Attributes.of(ATTEMPT, (long) segment.attempts)));
            }
        }
    }

    /** A rider's wait in the batch pool, from its dispatch to its batch's launch. Session lock held. */
    static void pooled(Segment segment, long from, long to) {
        if (to > from && segment.span.isRecording()) {
            segment.phase(new Phase(LIMITER_WAIT_SPAN, from, to, POOLED));
        }
    }

    /**
     * The segment ends at {@code now} while it still waits (for a dispatch, or in the batch pool): that wait
     * becomes a phase too. Session lock held.
     */
    static void waitCut(Segment segment, long now) {
        if (!segment.span.isRecording()) {
            return;
        }
        if (segment.awaitsDispatch() && segment.waitStart < now) {
            long queueEnd = segment.refused ? Math.max(segment.waitStart, Math.min(segment.refusedAt, now)) : now;
            segment.phase(new Phase(QUEUE_WAIT_SPAN, segment.waitStart, queueEnd, Attributes.empty()));
            if (queueEnd < now) {
                segment.phase(new Phase(LIMITER_WAIT_SPAN, queueEnd, now, Attributes.empty()));
            }
        } else if (segment.state == Segment.IN_FLIGHT && segment.call != null && segment.call.rider) {
            long launched = segment.call.launchedAt;
            pooled(segment, segment.dispatchedAt, launched > 0 ? Math.min(launched, now) : now);
        }
    }

    /** The segment rides in a batch of {@code size} launched at {@code now}: its part of the request is 1/size. */
    static void batched(Segment segment, int size, boolean payer, long now) {
        Span span = segment.span;
        if (span.isRecording()) {
            span.addEvent("batched", Attributes.of(BATCH_SIZE, (long) size, BATCH_REQUEST_SHARE, 1.0 / size,
                    BATCH_PAYER, payer), segment.epochOf(now), TimeUnit.NANOSECONDS);
        }
    }

    /** The segment's call failed at {@code now}; it is sent again after {@code delayNanos}. */
    static void retry(Segment segment, long now, long delayNanos, Throwable error, String reason) {
        Span span = segment.span;
        if (span.isRecording()) {
            span.addEvent("retry_scheduled", Attributes.of(ATTEMPT, (long) segment.attempts, RETRY_DELAY, delayNanos,
                    ERROR_TYPE, errorType(error), RETRY_REASON, reason), segment.epochOf(now), TimeUnit.NANOSECONDS);
        }
    }

    /**
     * The call returned to the segment: unless the segment's span is the call span's parent, it links to the call's
     * span (written by the call's worker before it completed the call).
     */
    static void servedBy(Segment segment, Call call) {
        CallSpan served = call.span;
        if (served == null || served.parent() == segment || !segment.span.isRecording()) {
            return;
        }
        segment.span.addLink(served.context(), call.rider && !segment.deduplicated ? BATCH_LINK : DEDUPLICATED_LINK);
    }

    /** The submit was refused ({@code backpressure}, {@code out_of_order}, {@code closed}): the span ends at once. */
    static void refused(Segment segment, SubmitOutcome.Status status) {
        Span span = segment.span;
        if (span.isRecording()) {
            span.setAttribute(OUTCOME, "refused");
            span.setAttribute(REFUSAL, status.name().toLowerCase(Locale.ROOT));
            span.end(segment.acceptedAtEpoch, TimeUnit.NANOSECONDS);
        } else {
            span.end();
        }
    }

    private static final String[] OUTCOMES = {"delivered", "superseded", "stale", "failed", "cancelled", "refused"};
    /** The metric's attributes of each known outcome, finals then partials, made once instead of per segment. */
    private static final Attributes[] OUTCOME_ATTRIBUTES = new Attributes[2 * OUTCOMES.length];

    static {
        for (int i = 0; i < OUTCOMES.length; i++) {
            OUTCOME_ATTRIBUTES[i] = Attributes.of(METRIC_KIND, "final", METRIC_OUTCOME, OUTCOMES[i]);
            OUTCOME_ATTRIBUTES[OUTCOMES.length + i] = Attributes.of(METRIC_KIND, "partial", METRIC_OUTCOME,
                    OUTCOMES[i]);
        }
    }

    static Attributes attributes(boolean isFinal, String outcome) {
        for (int i = 0; i < OUTCOMES.length; i++) {
            if (OUTCOMES[i].equals(outcome)) {
                return OUTCOME_ATTRIBUTES[(isFinal ? 0 : OUTCOMES.length) + i];
            }
        }
        return Attributes.of(METRIC_KIND, isFinal ? "final" : "partial", METRIC_OUTCOME, outcome);
    }

    /**
     * Ends a segment's span at {@code nowNanos} with its outcome (delivered, superseded, stale, failed, cancelled
     * or refused) and records its phases as child spans. Only {@code failed} is an error: a superseded or cancelled
     * segment did what the protocol asks.
     */
    void end(Segment segment, String outcome, long nowNanos) {
        long total = Math.max(0, nowNanos - segment.acceptedAt);
        duration.record(total / 1e6, attributes(segment.request.isFinal(), outcome));
        Span span = segment.span;
        if (!span.isRecording()) {
            span.end();
            return;
        }
        List<Phase> phases = segment.phases;
        if (phases != null) {
            for (int i = 0; i < phases.size(); i++) {
                Phase p = phases.get(i);
                tracer.spanBuilder(p.name())
                        .setParent(segment.context)
                        .setSpanKind(SpanKind.INTERNAL)
                        .setStartTimestamp(segment.epochOf(p.start()), TimeUnit.NANOSECONDS)
                        .setAllAttributes(p.attributes())
                        .startSpan()
                        .end(segment.epochOf(Math.max(p.start(), p.end())), TimeUnit.NANOSECONDS);
            }
        }
        long endAt = segment.epochOf(Math.max(segment.acceptedAt, nowNanos));
        if (!outcome.equals("delivered")) {
            span.addEvent(outcome, endAt, TimeUnit.NANOSECONDS);
        }
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
        span.end(endAt, TimeUnit.NANOSECONDS);
    }

    // ---------------------------------------------------------------- provider calls

    /**
     * Starts a provider call's span on the worker thread at {@code now}, under its leader's segment span; the
     * segments that joined the call link to it when it returns.
     */
    Span startProvider(Call call, String providerName, String model, long now) {
        if (noop) {
            return Span.getInvalid();
        }
        Segment leader = call.leader;
        Span span = providerSpan(leader, providerName, model, now)
                .setAttribute(ATTEMPT, (long) call.attempt)
                .setAttribute(WAITERS, (long) call.waiters())
                .startSpan();
        if (span.isRecording()) {
            call.span = new CallSpan(span.getSpanContext(), leader);
        }
        return span;
    }

    /**
     * Starts a batch call's span under the first rider's segment span, linked to every other rider's span; each
     * rider's segments link back to it when their part of the answer arrives.
     */
    Span startBatch(Call carrier, String providerName, String model, long now) {
        if (noop) {
            return Span.getInvalid();
        }
        Call[] items = carrier.items;
        SpanBuilder builder = providerSpan(carrier.leader, providerName, model, now)
                .setAttribute(BATCH_SIZE, (long) items.length);
        for (int i = 1; i < items.length; i++) {
            builder.addLink(items[i].leader.span.getSpanContext(), RIDER_LINK);
        }
        Span span = builder.startSpan();
        if (span.isRecording()) {
            CallSpan served = new CallSpan(span.getSpanContext(), carrier.leader);
            for (Call item : items) {
                item.span = served;
            }
        }
        return span;
    }

    private SpanBuilder providerSpan(Segment parent, String providerName, String model, long now) {
        return tracer.spanBuilder(model.isEmpty() ? OPERATION : OPERATION + " " + model)
                .setParent(parent.context)
                .setSpanKind(SpanKind.CLIENT)
                .setStartTimestamp(parent.epochOf(now), TimeUnit.NANOSECONDS)
                .setAttribute(GEN_AI_OPERATION, OPERATION)
                .setAttribute(GEN_AI_PROVIDER, providerName)
                .setAttribute(GEN_AI_REQUEST_MODEL, model);
    }

    /** Ends a provider call's span at {@code now} on the scheduler's clock, in its parent segment's time. */
    static void endProvider(Span span, Call call, long now) {
        if (span.isRecording()) {
            span.end(call.leader.epochOf(now), TimeUnit.NANOSECONDS);
        } else {
            span.end();
        }
    }

    static void providerResult(Span span, TranslationResult result) {
        if (span.isRecording()) {
            usage(span, result.usage(), result.model());
            span.setAttribute(GEN_AI_FINISH_REASONS, List.of(finishReason(result.finishReason())));
            feedback(span, result.rateLimit());
        }
    }

    /** A batch call's answer: its usage and feedback, the finish reasons of the parts answered, its problems. */
    static void batchResult(Span span, TokenUsage usage, String model, RateLimitFeedback feedback,
            List<FinishReason> reasons, int answered, List<String> problems) {
        if (span.isRecording()) {
            span.setAttribute(BATCH_ANSWERED, (long) answered);
            if (usage != null) {
                usage(span, usage, model);
                feedback(span, feedback);
            }
            if (!reasons.isEmpty()) {
                List<String> names = new ArrayList<>(reasons.size());
                for (FinishReason r : reasons) {
                    String name = finishReason(r);
                    if (!names.contains(name)) {
                        names.add(name);
                    }
                }
                span.setAttribute(GEN_AI_FINISH_REASONS, names);
            }
            if (!problems.isEmpty()) {
                span.addEvent("answer_problems", Attributes.of(BATCH_PROBLEMS, problems));
            }
        }
    }

    private static void usage(Span span, TokenUsage usage, String model) {
        if (!model.isEmpty()) {
            span.setAttribute(GEN_AI_RESPONSE_MODEL, model);
        }
        span.setAttribute(GEN_AI_INPUT_TOKENS, (long) usage.promptTokens());
        span.setAttribute(GEN_AI_OUTPUT_TOKENS, (long) usage.completionTokens());
        span.setAttribute(USAGE_TOTAL, (long) usage.totalTokens());
    }

    /** The semantic conventions' finish reason: {@code stop}, {@code length}, {@code content_filter}, {@code other}. */
    static String finishReason(FinishReason reason) {
        return reason.name().toLowerCase(Locale.ROOT);
    }

    /** The call failed: an error, with its type and the exception. */
    static void providerError(Span span, Throwable error) {
        if (span.isRecording()) {
            span.recordException(error);
            span.setAttribute(ERROR_TYPE, errorType(error));
            String message = error.getMessage();
            span.setStatus(StatusCode.ERROR, message != null ? message : error.getClass().getSimpleName());
            if (error instanceof RateLimitedException e) {
                feedback(span, e.feedback());
            }
        }
    }

    /**
     * Every segment waiting for the call left (superseded, closed) and the scheduler interrupted it: not an error
     * of the provider. The span keeps status UNSET and says so with an event.
     */
    static void providerCancelled(Span span) {
        if (span.isRecording()) {
            span.addEvent("cancelled");
        }
    }

    /**
     * {@code error.type}, low in cardinality as the conventions ask: a permanent failure's kind
     * ({@code authentication}, {@code quota_exhausted}, {@code bad_request}, {@code other}), else the exception's
     * simple class name ({@code RateLimitedException}, {@code TransientProviderException}, ...).
     */
    static String errorType(Throwable error) {
        if (error == null) {
            return "_OTHER";
        }
        if (error instanceof PermanentProviderException p) {
            return p.kind().name().toLowerCase(Locale.ROOT);
        }
        return error.getClass().getSimpleName();
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
