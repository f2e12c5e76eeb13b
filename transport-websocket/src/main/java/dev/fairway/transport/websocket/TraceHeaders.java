package dev.fairway.transport.websocket;

import java.util.Objects;

/**
 * A client's W3C trace context as it sent it (on the WebSocket handshake, or as fields of a message), not yet
 * parsed: {@code traceparent} and {@code tracestate}, each empty when absent, not a string, or longer than its
 * bound. A malformed value is found out when it is extracted, and then ignored too: trace context never makes a
 * message an error.
 *
 * @param traceparent the {@code traceparent} value, or empty
 * @param tracestate the {@code tracestate} value, or empty
 */
record TraceHeaders(String traceparent, String tracestate) {

    /** No trace context. */
    static final TraceHeaders NONE = new TraceHeaders("", "");

    /**
     * Longest {@code traceparent} read: version 00 has 55 characters, and a later version may only append fields.
     */
    static final int MAX_TRACEPARENT_CHARS = 128;
    /** Longest {@code tracestate} read: the 512 characters W3C Trace Context asks propagators to pass on. */
    static final int MAX_TRACESTATE_CHARS = 512;

    /** Validates the fields. */
    TraceHeaders {
        Objects.requireNonNull(traceparent, "traceparent");
        Objects.requireNonNull(tracestate, "tracestate");
    }

    /**
     * The headers as received, each kept only when present and within its bound.
     *
     * @param traceparent the value, or null
     * @param tracestate the value, or null
     * @return the headers, {@link #NONE} when there is no usable {@code traceparent}
     */
    static TraceHeaders of(String traceparent, String tracestate) {
        String parent = bounded(traceparent, MAX_TRACEPARENT_CHARS);
        if (parent.isEmpty()) {
            return NONE;
        }
        return new TraceHeaders(parent, bounded(tracestate, MAX_TRACESTATE_CHARS));
    }

    boolean isEmpty() {
        return traceparent.isEmpty();
    }

    private static String bounded(String value, int max) {
        return value == null || value.length() > max || value.isBlank() ? "" : value.strip();
    }
}
