package dev.fairway.transport.websocket;

import com.fasterxml.jackson.databind.JsonNode;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What the tests do with a WebSocket client, whichever it is: send JSON, take the server's frames in order. */
interface TestClient {

    /** Sends one text frame of JSON made of these keys and values. */
    TestClient sendJson(Object... keysAndValues);

    /** The next frame, waiting for it. */
    JsonNode next() throws InterruptedException;

    /** Sends {@code start} and returns the {@code ready} frame. */
    default JsonNode start(String source, String target) throws InterruptedException {
        sendJson("type", "start", "v", 1, "source", source, "target", target);
        return expect("ready");
    }

    /** The next frame, which must be of this type. */
    default JsonNode expect(String type) throws InterruptedException {
        JsonNode frame = next();
        assertEquals(type, frame.path("type").asText(), () -> "expected a " + type + " frame, got " + frame);
        return frame;
    }

    /** The next frame, which must be an error with this code. */
    default JsonNode expectError(String code) throws InterruptedException {
        JsonNode frame = expect("error");
        assertEquals(code, frame.path("code").asText(), frame::toString);
        return frame;
    }

    /** Sends a ping and waits for its pong, skipping nothing: every frame before it must be consumed. */
    default void roundTrip(String id) throws InterruptedException {
        sendJson("type", "ping", "id", id);
        JsonNode pong = expect("pong");
        assertEquals(id, pong.path("id").asText());
    }
}
