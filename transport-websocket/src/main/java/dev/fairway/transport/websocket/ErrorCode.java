package dev.fairway.transport.websocket;

import java.util.Locale;

/** The {@code code} of an {@code error} frame; the README's table says when each is sent. */
enum ErrorCode {
    /** The frame is not a JSON object (or has duplicate keys or trailing text). */
    BAD_JSON,
    /** {@code type} names no message of this protocol version. */
    UNKNOWN_TYPE,
    /** A required field is absent (or null). */
    MISSING_FIELD,
    /** A field has the wrong JSON type. */
    WRONG_TYPE,
    /** A field has the right type but a value out of range (a negative {@code seq}, a bad language tag). */
    BAD_VALUE,
    /** {@code start} asks for a protocol version this server does not speak. */
    UNSUPPORTED_VERSION,
    /** A segment's text is longer than {@code max-text-chars}. */
    TEXT_TOO_LONG,
    /** A text message is larger than {@code max-frame-bytes}. */
    FRAME_TOO_LARGE,
    /** A binary frame: the protocol is text only. */
    BINARY_NOT_SUPPORTED,
    /** A segment before {@code start}. */
    NOT_STARTED,
    /** A second {@code start} on the same connection. */
    ALREADY_STARTED,
    /** A message after {@code end}. */
    ENDED,
    /** A segment whose {@code seq} is not greater than the last accepted one. */
    OUT_OF_ORDER,
    /** The connection sends faster than {@code max-messages-per-second}. */
    RATE_LIMITED,
    /** An accepted segment could not be translated. */
    FAILED,
    /** The scheduler closed the session. */
    SESSION_CLOSED,
    /** The server is shutting down and takes no new sessions or segments. */
    SHUTTING_DOWN,
    /**
     * The scheduler refused to open a session, or (version 2, with a session store) a final could not be
     * journaled: it was not accepted, send it again.
     */
    UNAVAILABLE,
    /** A {@code resume} that cannot be honoured; the frame names the {@code reason}, then the server closes 1008. */
    RESUME_REFUSED,
    /** No valid API token (sent as the body of an HTTP 401, never as a frame). */
    UNAUTHORIZED,
    /** An upgrade from an {@code Origin} that is not allowed (sent as the body of an HTTP 403, never as a frame). */
    FORBIDDEN,
    /** An HTTP request for a path the server does not serve (the body of an HTTP 404, never a frame). */
    NOT_FOUND,
    /**
     * The node holds its most connections or measures itself saturated (the body of an HTTP 503 with
     * Retry-After, never a frame).
     */
    OVERLOADED,
    /** A plain HTTP request on the WebSocket path (sent as the body of an HTTP 426, never as a frame). */
    UPGRADE_REQUIRED,
    /** An unexpected failure inside the server. */
    INTERNAL;

    private final String wire = name().toLowerCase(Locale.ROOT);

    /**
     * The code as it appears on the wire.
     *
     * @return for example {@code bad_json}
     */
    String wire() {
        return wire;
    }
}
