package dev.fairway.transport.websocket;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fairway.api.SegmentKind;

import java.util.Objects;
import java.util.OptionalLong;

/**
 * What one client text message says, once parsed: a valid message or a {@link Invalid} one.
 */
sealed interface ClientMessage {

    /**
     * {@code start}: open the connection's session.
     *
     * @param version the protocol version the client speaks
     * @param source source language tag
     * @param target target language tag
     * @param label the client's label, empty for none
     * @param weight the fair-share weight
     * @param trace the session's trace context ({@code traceparent}, {@code tracestate}), or none
     */
    record Start(int version, String source, String target, String label, int weight, TraceHeaders trace)
            implements ClientMessage {
        /** Validates the fields that are not checked by the scheduler's own records. */
        public Start {
            Objects.requireNonNull(source, "source");
            Objects.requireNonNull(target, "target");
            Objects.requireNonNull(label, "label");
            Objects.requireNonNull(trace, "trace");
        }

        /** A start without trace context. */
        Start(int version, String source, String target, String label, int weight) {
            this(version, source, target, label, weight, TraceHeaders.NONE);
        }
    }

    /**
     * {@code resume} (version 2): carry on a session whose connection dropped.
     *
     * @param session the session's id as {@code ready} gave it
     * @param token the resume token {@code ready} gave
     * @param lastSeq the highest {@code seq} of a translation or failure the client received; -1 for none
     */
    record Resume(String session, String token, long lastSeq) implements ClientMessage {
        /** Validates the fields. */
        public Resume {
            Objects.requireNonNull(session, "session");
            Objects.requireNonNull(token, "token");
            if (lastSeq < -1) {
                throw new IllegalArgumentException("lastSeq must be >= -1, was " + lastSeq);
            }
        }
    }

    /**
     * {@code partial} or {@code final}: a transcript segment.
     *
     * @param kind partial or final
     * @param seq the client's sequence number, >= 0
     * @param text the text, not blank, at most {@code max-text-chars}
     * @param trace the segment's own trace context, or none
     */
    record Segment(SegmentKind kind, long seq, String text, TraceHeaders trace) implements ClientMessage {
        /** Validates the fields. */
        public Segment {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(text, "text");
            Objects.requireNonNull(trace, "trace");
            if (seq < 0) {
                throw new IllegalArgumentException("seq must be >= 0, was " + seq);
            }
        }

        /** A segment without trace context. */
        Segment(SegmentKind kind, long seq, String text) {
            this(kind, seq, text, TraceHeaders.NONE);
        }
    }

    /**
     * {@code ack} (version 2): the client received every result up to {@code seq}; the journal may forget them.
     *
     * @param seq the highest seq received, >= 0
     */
    record Ack(long seq) implements ClientMessage {
        /** Validates the field. */
        public Ack {
            if (seq < 0) {
                throw new IllegalArgumentException("seq must be >= 0, was " + seq);
            }
        }
    }

    /**
     * {@code ping}: asks for a {@code pong}.
     *
     * @param id any JSON value to echo, or null when the ping had none
     */
    record Ping(JsonNode id) implements ClientMessage {
    }

    /** {@code end}: the client is done; accepted finals are still delivered, then the server closes. */
    record End() implements ClientMessage {
    }

    /**
     * A message that breaks the protocol: answered with an {@code error} frame.
     *
     * @param code the error code
     * @param message what is wrong, for a human
     * @param seq the sequence number of the segment concerned, when it could be read
     */
    record Invalid(ErrorCode code, String message, OptionalLong seq) implements ClientMessage {
        /** Validates the fields. */
        public Invalid {
            Objects.requireNonNull(code, "code");
            Objects.requireNonNull(message, "message");
            Objects.requireNonNull(seq, "seq");
        }

        static Invalid of(ErrorCode code, String message) {
            return new Invalid(code, message, OptionalLong.empty());
        }
    }
}
