package dev.fairway.transport.websocket;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.fairway.api.SegmentKind;
import dev.fairway.api.SessionOptions;

import java.util.OptionalLong;

/**
 * Parses client text messages; thread-safe, one for all connections. Never throws: whatever the input, the answer is a {@link ClientMessage},
 * possibly {@link ClientMessage.Invalid}. Unknown fields are ignored, so that clients may send fields
 * of a later minor revision, and so are bad trace-context fields; an unknown {@code type} is an error.
 */
final class ClientMessageParser {

    /** The first protocol version: sessions live and die with their connection. */
    static final int VERSION = 1;
    /** The protocol version with resumable sessions ({@code resume}, {@code accepted}, {@code resumed}). */
    static final int VERSION_2 = 2;
    /** Longest resume token read (a real one is well under 200 characters). */
    static final int MAX_TOKEN_CHARS = 512;

    private static final int MAX_ERROR_DETAIL = 160;

    private final JsonMapper mapper;
    private final int maxTextChars;

    /**
     * @param maxTextChars longest accepted segment text
     */
    ClientMessageParser(int maxTextChars) {
        this.maxTextChars = maxTextChars;
        this.mapper = JsonMapper.builder()
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .build();
    }

    /**
     * Parses one complete text message.
     *
     * @param text the message
     * @return the message, or why it is invalid
     */
    ClientMessage parse(String text) {
        JsonNode root;
        try {
            root = mapper.readTree(text);
        } catch (JacksonException e) {
            return ClientMessage.Invalid.of(ErrorCode.BAD_JSON, "not valid JSON: " + detail(e));
        }
        if (root == null || root.isMissingNode()) {
            return ClientMessage.Invalid.of(ErrorCode.BAD_JSON, "empty message: expected a JSON object");
        }
        if (!root.isObject()) {
            return ClientMessage.Invalid.of(ErrorCode.BAD_JSON,
                    "a message must be a JSON object, was " + root.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
        }
        JsonNode type = root.get("type");
        if (type == null || type.isNull()) {
            return ClientMessage.Invalid.of(ErrorCode.MISSING_FIELD, "missing field 'type'");
        }
        if (!type.isTextual()) {
            return ClientMessage.Invalid.of(ErrorCode.WRONG_TYPE, "field 'type' must be a string");
        }
        return switch (type.textValue()) {
            case "start" -> start(root);
            case "partial" -> segment(root, SegmentKind.PARTIAL);
            case "final" -> segment(root, SegmentKind.FINAL);
            case "resume" -> resume(root);
            case "ack" -> ack(root);
            case "ping" -> ping(root);
            case "end" -> new ClientMessage.End();
            default -> ClientMessage.Invalid.of(ErrorCode.UNKNOWN_TYPE, "unknown message type '"
                    + abbreviate(type.textValue()) + "': expected start, resume, partial, final, ack, ping or end");
        };
    }

    private ClientMessage ping(JsonNode root) {
        JsonNode id = root.get("id");
        if (id == null) {
            return new ClientMessage.Ping(null);
        }
        String json = id.toString();
        long bytes = Connection.utf8Length(json);
        if (bytes > Settings.MAX_PING_ID_BYTES) {
            return ClientMessage.Invalid.of(ErrorCode.BAD_VALUE, "field 'id' is " + bytes + " bytes of JSON, more than"
                    + " the limit of " + Settings.MAX_PING_ID_BYTES);
        }
        if (hasLoneSurrogate(json)) {
            return ClientMessage.Invalid.of(ErrorCode.BAD_VALUE, "field 'id' holds a lone UTF-16 surrogate"
                    + " (an escape such as \\ud800 without its pair): not Unicode text");
        }
        return new ClientMessage.Ping(id);
    }

    /**
     * Whether a string holds a surrogate without its pair: a JSON escape can name a lone high surrogate (D800 to DBFF), which is no
     * Unicode text and would reach the provider as {@code ?}.
     *
     * @param text the text
     * @return whether some surrogate is unpaired
     */
    static boolean hasLoneSurrogate(String text) {
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
                    i++;
                } else {
                    return true;
                }
            } else if (Character.isLowSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    private static ClientMessage.Invalid loneSurrogate(String field, OptionalLong seq) {
        return new ClientMessage.Invalid(ErrorCode.BAD_VALUE, "field '" + field + "' holds a lone UTF-16 surrogate"
                + " (an escape such as \\ud800 without its pair): not Unicode text", seq);
    }

    private ClientMessage start(JsonNode root) {
        JsonNode v = root.get("v");
        if (v == null || v.isNull()) {
            return ClientMessage.Invalid.of(ErrorCode.MISSING_FIELD, "missing field 'v' (the protocol version, 1)");
        }
        if (!v.isIntegralNumber()) {
            return ClientMessage.Invalid.of(ErrorCode.WRONG_TYPE, "field 'v' must be an integer");
        }
        if (!v.canConvertToInt() || (v.intValue() != VERSION && v.intValue() != VERSION_2)) {
            return ClientMessage.Invalid.of(ErrorCode.UNSUPPORTED_VERSION,
                    "protocol version " + v.asText() + " is not supported: this server speaks versions 1 and 2");
        }
        StringField source = requiredString(root, "source");
        if (source.error() != null) {
            return source.error();
        }
        StringField target = requiredString(root, "target");
        if (target.error() != null) {
            return target.error();
        }
        String label = "";
        JsonNode labelNode = root.get("label");
        if (labelNode != null && !labelNode.isNull()) {
            if (!labelNode.isTextual()) {
                return ClientMessage.Invalid.of(ErrorCode.WRONG_TYPE, "field 'label' must be a string");
            }
            label = labelNode.textValue();
            if (hasLoneSurrogate(label)) {
                return loneSurrogate("label", OptionalLong.empty());
            }
        }
        int weight = 1;
        JsonNode weightNode = root.get("weight");
        if (weightNode != null && !weightNode.isNull()) {
            if (!weightNode.isIntegralNumber()) {
                return ClientMessage.Invalid.of(ErrorCode.WRONG_TYPE, "field 'weight' must be an integer");
            }
            if (!weightNode.canConvertToInt() || weightNode.intValue() < 1
                    || weightNode.intValue() > SessionOptions.MAX_WEIGHT) {
                return ClientMessage.Invalid.of(ErrorCode.BAD_VALUE,
                        "field 'weight' must be 1 to " + SessionOptions.MAX_WEIGHT + ", was " + weightNode.asText());
            }
            weight = weightNode.intValue();
        }
        return new ClientMessage.Start(v.intValue(), source.value(), target.value(), label, weight, trace(root));
    }

    private ClientMessage resume(JsonNode root) {
        JsonNode v = root.get("v");
        if (v == null || v.isNull()) {
            return ClientMessage.Invalid.of(ErrorCode.MISSING_FIELD, "missing field 'v' (the protocol version, 2)");
        }
        if (!v.isIntegralNumber()) {
            return ClientMessage.Invalid.of(ErrorCode.WRONG_TYPE, "field 'v' must be an integer");
        }
        if (!v.canConvertToInt() || v.intValue() != VERSION_2) {
            return ClientMessage.Invalid.of(ErrorCode.UNSUPPORTED_VERSION,
                    "resume needs protocol version 2, was " + abbreviate(v.asText()));
        }
        StringField session = requiredString(root, "session");
        if (session.error() != null) {
            return session.error();
        }
        StringField token = requiredString(root, "token");
        if (token.error() != null) {
            return token.error();
        }
        if (token.value().length() > MAX_TOKEN_CHARS) {
            return ClientMessage.Invalid.of(ErrorCode.BAD_VALUE, "field 'token' is longer than " + MAX_TOKEN_CHARS
                    + " characters");
        }
        JsonNode last = root.get("lastSeq");
        if (last == null || last.isNull()) {
            return ClientMessage.Invalid.of(ErrorCode.MISSING_FIELD, "missing field 'lastSeq' (-1 when nothing was"
                    + " received)");
        }
        if (!last.isIntegralNumber()) {
            return ClientMessage.Invalid.of(ErrorCode.WRONG_TYPE, "field 'lastSeq' must be an integer");
        }
        if (!last.canConvertToLong() || last.longValue() < -1) {
            return ClientMessage.Invalid.of(ErrorCode.BAD_VALUE, "field 'lastSeq' must be -1 to " + Long.MAX_VALUE
                    + ", was " + abbreviate(last.asText()));
        }
        return new ClientMessage.Resume(session.value(), token.value(), last.longValue());
    }

    private ClientMessage ack(JsonNode root) {
        JsonNode seqNode = root.get("seq");
        if (seqNode == null || seqNode.isNull()) {
            return ClientMessage.Invalid.of(ErrorCode.MISSING_FIELD, "missing field 'seq' (the highest seq received)");
        }
        if (!seqNode.isIntegralNumber()) {
            return ClientMessage.Invalid.of(ErrorCode.WRONG_TYPE, "field 'seq' must be an integer");
        }
        if (!seqNode.canConvertToLong() || seqNode.longValue() < 0) {
            return ClientMessage.Invalid.of(ErrorCode.BAD_VALUE,
                    "field 'seq' must be 0 to " + Long.MAX_VALUE + ", was " + abbreviate(seqNode.asText()));
        }
        return new ClientMessage.Ack(seqNode.longValue());
    }

    private ClientMessage segment(JsonNode root, SegmentKind kind) {
        JsonNode seqNode = root.get("seq");
        if (seqNode == null || seqNode.isNull()) {
            return ClientMessage.Invalid.of(ErrorCode.MISSING_FIELD, "missing field 'seq'");
        }
        if (!seqNode.isIntegralNumber()) {
            return ClientMessage.Invalid.of(ErrorCode.WRONG_TYPE, "field 'seq' must be an integer");
        }
        if (!seqNode.canConvertToLong() || seqNode.longValue() < 0) {
            return ClientMessage.Invalid.of(ErrorCode.BAD_VALUE,
                    "field 'seq' must be 0 to " + Long.MAX_VALUE + ", was " + abbreviate(seqNode.asText()));
        }
        long seq = seqNode.longValue();
        OptionalLong concerns = OptionalLong.of(seq);
        JsonNode textNode = root.get("text");
        if (textNode == null || textNode.isNull()) {
            return new ClientMessage.Invalid(ErrorCode.MISSING_FIELD, "missing field 'text'", concerns);
        }
        if (!textNode.isTextual()) {
            return new ClientMessage.Invalid(ErrorCode.WRONG_TYPE, "field 'text' must be a string", concerns);
        }
        String text = textNode.textValue();
        if (text.length() > maxTextChars) {
            return new ClientMessage.Invalid(ErrorCode.TEXT_TOO_LONG, "text has " + text.length()
                    + " characters, more than the limit of " + maxTextChars, concerns);
        }
        if (text.isBlank()) {
            return new ClientMessage.Invalid(ErrorCode.BAD_VALUE, "field 'text' must not be blank", concerns);
        }
        if (hasLoneSurrogate(text)) {
            return loneSurrogate("text", concerns);
        }
        return new ClientMessage.Segment(kind, seq, text, trace(root));
    }

    /**
     * The optional {@code traceparent} and {@code tracestate} fields: a value that is not a string, or too long, is
     * ignored (trace context never makes a message invalid).
     */
    private static TraceHeaders trace(JsonNode root) {
        JsonNode parent = root.get("traceparent");
        if (parent == null || !parent.isTextual()) {
            return TraceHeaders.NONE;
        }
        JsonNode state = root.get("tracestate");
        return TraceHeaders.of(parent.textValue(), state != null && state.isTextual() ? state.textValue() : null);
    }

    private static StringField requiredString(JsonNode root, String field) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            return new StringField(null, ClientMessage.Invalid.of(ErrorCode.MISSING_FIELD, "missing field '" + field + "'"));
        }
        if (!node.isTextual()) {
            return new StringField(null, ClientMessage.Invalid.of(ErrorCode.WRONG_TYPE,
                    "field '" + field + "' must be a string"));
        }
        if (hasLoneSurrogate(node.textValue())) {
            return new StringField(null, loneSurrogate(field, OptionalLong.empty()));
        }
        return new StringField(node.textValue(), null);
    }

    private static String detail(JacksonException e) {
        String message = e.getOriginalMessage();
        return abbreviate(message == null ? e.getClass().getSimpleName() : message.lines().findFirst().orElse(""));
    }

    static String abbreviate(String value) {
        return value.length() <= MAX_ERROR_DETAIL ? value : value.substring(0, MAX_ERROR_DETAIL - 3) + "...";
    }

    /** A required string field: its value, or the error that stops parsing (exactly one is null). */
    private record StringField(String value, ClientMessage.Invalid error) {
    }
}
