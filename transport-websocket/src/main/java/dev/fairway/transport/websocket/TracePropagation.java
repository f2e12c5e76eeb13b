package dev.fairway.transport.websocket;

import dev.fairway.api.SessionId;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;

import java.util.List;

/**
 * The transport's side of tracing: the client's W3C trace context read with the W3C propagator of the
 * OpenTelemetry API, and the span of a session's start (or resume), current while the scheduler opens the session
 * so that every segment span of the session links to it. The scheduler takes no context parameter: whatever is
 * current around {@code open} and {@code submit} is what it sees. With no-op telemetry nothing is parsed and no
 * context is made current.
 */
final class TracePropagation {

    static final String SCOPE = "dev.fairway.transport.websocket";
    static final String SESSION_START_SPAN = "fairway.session.start";
    static final String SESSION_RESUME_SPAN = "fairway.session.resume";
    static final AttributeKey<String> SESSION_ID = AttributeKey.stringKey("fairway.session.id");
    static final AttributeKey<Long> PROTOCOL_VERSION = AttributeKey.longKey("fairway.protocol.version");
    static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

    private static final TextMapGetter<TraceHeaders> GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(TraceHeaders carrier) {
            return List.of("traceparent", "tracestate");
        }

        @Override
        public String get(TraceHeaders carrier, String key) {
            if (carrier == null) {
                return null;
            }
            String value = switch (key) {
                case "traceparent" -> carrier.traceparent();
                case "tracestate" -> carrier.tracestate();
                default -> "";
            };
            return value.isEmpty() ? null : value;
        }
    };

    private final boolean off;
    private final Tracer tracer;

    TracePropagation(OpenTelemetry openTelemetry) {
        this.off = openTelemetry == OpenTelemetry.noop();
        this.tracer = openTelemetry.getTracer(SCOPE);
    }

    /** Whether telemetry is the no-op one: then nothing is read or made current. */
    boolean isOff() {
        return off;
    }

    /**
     * The context a client sent, or null when it sent none, or one the W3C propagator does not accept.
     *
     * @param headers the client's headers or fields
     * @return a context whose span is the client's remote span, or null
     */
    Context extract(TraceHeaders headers) {
        if (off || headers.isEmpty()) {
            return null;
        }
        Context extracted = W3CTraceContextPropagator.getInstance().extract(Context.root(), headers, GETTER);
        return Span.fromContext(extracted).getSpanContext().isValid() ? extracted : null;
    }

    /**
     * Starts the span of a session's start or resume, a child of the client's context (else of the current one).
     *
     * @param name {@link #SESSION_START_SPAN} or {@link #SESSION_RESUME_SPAN}
     * @param client the client's context, or null
     * @param version the protocol version
     * @return the span, not recording when telemetry is off
     */
    Span startSession(String name, Context client, int version) {
        if (off) {
            return Span.getInvalid();
        }
        return tracer.spanBuilder(name)
                .setParent(client != null ? client : Context.current())
                .setSpanKind(SpanKind.SERVER)
                .setAttribute(PROTOCOL_VERSION, (long) version)
                .startSpan();
    }

    /** Names the session on its span once it has an id. */
    static void session(Span span, SessionId id) {
        if (span.isRecording()) {
            span.setAttribute(SESSION_ID, id.value());
        }
    }

    /** The session could not be opened: the span is an error, typed by the protocol's error code. */
    static void failed(Span span, ErrorCode code, String message) {
        if (span.isRecording()) {
            span.setAttribute(ERROR_TYPE, code.wire());
            span.setStatus(StatusCode.ERROR, message);
        }
    }

    /**
     * Makes the session's span current, under the client's context: around {@code open}, its segment spans link to
     * it.
     *
     * @param client the client's context, or null
     * @param span the session's span
     * @return the scope to close
     */
    Scope enter(Context client, Span span) {
        if (off) {
            return Scope.noop();
        }
        return (client != null ? client : Context.current()).with(span).makeCurrent();
    }

    /**
     * Makes a client's context current around a submit, so that the segment's span is its child.
     *
     * @param client the context, or null for none
     * @return the scope to close
     */
    static Scope enter(Context client) {
        return client == null ? Scope.noop() : client.makeCurrent();
    }
}
