package dev.fairway.transport.websocket;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fairway.api.LatencyBreakdown;
import dev.fairway.api.FailureReason;
import dev.fairway.api.SegmentFailure;
import dev.fairway.api.SegmentKind;
import dev.fairway.api.SessionId;
import dev.fairway.api.TokenUsage;
import dev.fairway.api.Translation;

import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Locale;
import java.util.OptionalLong;

/** Writes the server's frames as JSON text. Thread-safe. */
final class ServerMessages {

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private ServerMessages() {
    }

    /**
     * The mapper for documents of the HTTP endpoints, shared because it is thread-safe.
     *
     * @return the mapper
     */
    static JsonMapper mapper() {
        return MAPPER;
    }

    static String ready(SessionId session) {
        ObjectNode node = object("ready");
        node.put("v", ClientMessageParser.VERSION);
        node.put("session", session.value());
        return write(node);
    }

    static String ready(int version, SessionId session, String resumeToken, Duration resumeWindow) {
        ObjectNode node = object("ready");
        node.put("v", version);
        node.put("session", session.value());
        if (resumeToken != null) {
            node.put("resumeToken", resumeToken);
            node.put("resumeWindowMs", resumeWindow.toMillis());
        }
        return write(node);
    }

    static String accepted(long seq) {
        ObjectNode node = object("accepted");
        node.put("seq", seq);
        return write(node);
    }

    static String resumed(SessionId session, long lastSeq, int replayed) {
        ObjectNode node = object("resumed");
        node.put("v", ClientMessageParser.VERSION_2);
        node.put("session", session.value());
        node.put("lastSeq", lastSeq);
        node.put("replayed", replayed);
        return write(node);
    }

    static String resumeRefused(String reason, String message) {
        ObjectNode node = object("error");
        node.put("code", ErrorCode.RESUME_REFUSED.wire());
        node.put("reason", reason);
        node.put("message", message);
        return write(node);
    }

    static String translation(Translation translation) {
        ObjectNode node = object("translation");
        node.put("kind", translation.request().kind().name().toLowerCase(Locale.ROOT));
        node.put("seq", translation.request().sequence());
        node.put("source", translation.request().text());
        node.put("text", translation.result().text());
        LatencyBreakdown latency = translation.latency();
        ObjectNode l = node.putObject("latency");
        l.put("queueMs", millis(latency.queueWait()));
        l.put("limiterMs", millis(latency.limiterWait()));
        l.put("providerMs", millis(latency.providerTime()));
        l.put("totalMs", millis(latency.total()));
        TokenUsage usage = translation.result().usage();
        if (usage.totalTokens() > 0) {
            ObjectNode u = node.putObject("usage");
            u.put("prompt", usage.promptTokens());
            u.put("completion", usage.completionTokens());
            u.put("total", usage.totalTokens());
        }
        node.put("finish", translation.result().finishReason().name().toLowerCase(Locale.ROOT));
        return write(node);
    }

    static String failure(SegmentFailure failure) {
        return failure(failure.request().sequence(), failure.request().kind(), failure.reason(), failure.message());
    }

    static String failure(long seq, SegmentKind kind, FailureReason reason, String message) {
        ObjectNode node = object("error");
        node.put("code", ErrorCode.FAILED.wire());
        node.put("seq", seq);
        node.put("kind", kind.name().toLowerCase(Locale.ROOT));
        node.put("reason", reason.name().toLowerCase(Locale.ROOT));
        node.put("message", message);
        return write(node);
    }

    static String error(ErrorCode code, String message, OptionalLong seq) {
        ObjectNode node = object("error");
        node.put("code", code.wire());
        node.put("message", message);
        seq.ifPresent(s -> node.put("seq", s));
        return write(node);
    }

    static String error(ClientMessage.Invalid invalid) {
        return error(invalid.code(), invalid.message(), invalid.seq());
    }

    static String backpressure(long seq, String message) {
        ObjectNode node = object("backpressure");
        node.put("seq", seq);
        node.put("message", message);
        return write(node);
    }

    static String pong(JsonNode id) {
        ObjectNode node = object("pong");
        if (id != null) {
            node.set("id", id);
        }
        return write(node);
    }

    static String closing(String message, Duration grace) {
        ObjectNode node = object("closing");
        node.put("message", message);
        node.put("graceMs", grace.toMillis());
        return write(node);
    }

    private static ObjectNode object(String type) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("type", type);
        return node;
    }

    /** Milliseconds with microsecond precision: 12.345. */
    private static BigDecimal millis(Duration duration) {
        long micros = duration.getSeconds() * 1_000_000L + duration.getNano() / 1_000;
        return BigDecimal.valueOf(micros, 3);
    }

    private static String write(ObjectNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            // A tree of strings and numbers always serializes; this is a bug, not an input problem.
            throw new UncheckedIOException(e);
        }
    }
}
