package dev.fairway.transport.websocket;

import dev.fairway.test.support.WsClient;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every kind of bad input is answered with the right {@code error} frame over a real WebSocket, and the
 * connection stays usable: a valid segment sent afterwards is still translated.
 */
class BadInputTest {

    private static Fixture fixture;

    @BeforeAll
    static void startServer() {
        fixture = Fixture.start(TestScheduler.echo(), Map.of("max-text-chars", "20", "max-frame-bytes", "1024"));
    }

    @AfterAll
    static void stopServer() {
        fixture.close();
    }

    static Stream<Arguments> badMessages() {
        return Stream.of(
                Arguments.of("malformed JSON", "{\"type\": \"partial\", ", "bad_json", -1),
                Arguments.of("not an object", "[1, 2, 3]", "bad_json", -1),
                Arguments.of("empty frame", "", "bad_json", -1),
                Arguments.of("duplicate keys", "{\"type\":\"ping\",\"type\":\"end\"}", "bad_json", -1),
                Arguments.of("trailing text", "{\"type\":\"ping\"} and more", "bad_json", -1),
                Arguments.of("missing type", "{\"seq\": 1, \"text\": \"hi\"}", "missing_field", -1),
                Arguments.of("type not a string", "{\"type\": 7}", "wrong_type", -1),
                Arguments.of("unknown type", "{\"type\": \"translate\", \"seq\": 1}", "unknown_type", -1),
                Arguments.of("missing seq", "{\"type\": \"partial\", \"text\": \"hi\"}", "missing_field", -1),
                Arguments.of("seq a string", "{\"type\": \"partial\", \"seq\": \"1\", \"text\": \"hi\"}", "wrong_type", -1),
                Arguments.of("seq a fraction", "{\"type\": \"final\", \"seq\": 1.5, \"text\": \"hi\"}", "wrong_type", -1),
                Arguments.of("negative seq", "{\"type\": \"final\", \"seq\": -1, \"text\": \"hi\"}", "bad_value", -1),
                Arguments.of("seq beyond a long", "{\"type\": \"final\", \"seq\": 99999999999999999999999, \"text\": \"x\"}",
                        "bad_value", -1),
                Arguments.of("missing text", "{\"type\": \"final\", \"seq\": 900}", "missing_field", 900),
                Arguments.of("text a number", "{\"type\": \"final\", \"seq\": 901, \"text\": 5}", "wrong_type", 901),
                Arguments.of("blank text", "{\"type\": \"partial\", \"seq\": 902, \"text\": \"   \"}", "bad_value", 902),
                Arguments.of("text too long", "{\"type\": \"final\", \"seq\": 903, \"text\": \"" + "x".repeat(21) + "\"}",
                        "text_too_long", 903),
                Arguments.of("start again", "{\"type\": \"start\", \"v\": 1, \"source\": \"en\", \"target\": \"fr\"}",
                        "already_started", -1),
                Arguments.of("start without v", "{\"type\": \"start\", \"source\": \"en\", \"target\": \"fr\"}",
                        "missing_field", -1),
                Arguments.of("start of version 3", "{\"type\": \"start\", \"v\": 3, \"source\": \"en\", \"target\": \"fr\"}",
                        "unsupported_version", -1),
                Arguments.of("start without target", "{\"type\": \"start\", \"v\": 1, \"source\": \"en\"}",
                        "missing_field", -1),
                Arguments.of("weight a string", "{\"type\":\"start\",\"v\":1,\"source\":\"en\",\"target\":\"fr\",\"weight\":\"2\"}",
                        "wrong_type", -1),
                Arguments.of("lone surrogate in text", "{\"type\": \"final\", \"seq\": 904, \"text\": \"a\\ud800b\"}",
                        "bad_value", 904),
                Arguments.of("lone low surrogate in text", "{\"type\": \"partial\", \"seq\": 905, \"text\": \"\\udc00\"}",
                        "bad_value", 905),
                Arguments.of("ping id over 128 bytes", "{\"type\": \"ping\", \"id\": \"" + "x".repeat(127) + "\"}",
                        "bad_value", -1),
                Arguments.of("weight zero", "{\"type\":\"start\",\"v\":1,\"source\":\"en\",\"target\":\"fr\",\"weight\":0}",
                        "bad_value", -1));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badMessages")
    void badMessageIsAnsweredWithItsErrorAndTheConnectionStaysUsable(String name, String message, String code,
            long seq) throws Exception {
        WsClient client = fixture.connect();
        client.start("en", "fr");
        long errorsBefore = fixture.transport.stats().errors(ErrorCode.valueOf(code.toUpperCase()));

        client.send(message);
        JsonNode error = client.expectError(code);
        assertFalse(error.path("message").asText().isBlank(), error::toString);
        if (seq >= 0) {
            assertEquals(seq, error.path("seq").asLong(), error::toString);
        } else {
            assertFalse(error.has("seq"), error::toString);
        }
        assertEquals(errorsBefore + 1, fixture.transport.stats().errors(ErrorCode.valueOf(code.toUpperCase())));

        client.sendJson("type", "final", "seq", 1000, "text", "still here");
        assertEquals("fr: still here", client.expect("translation").path("text").asText());
        client.close();
    }

    @Test
    void badLanguageTagInStartIsABadValueAndStartMayBeRetried() throws Exception {
        WsClient client = fixture.connect();
        client.sendJson("type", "start", "v", 1, "source", "english!", "target", "fr");
        JsonNode error = client.expectError("bad_value");
        assertTrue(error.path("message").asText().contains("sourceLanguage"), error::toString);
        client.send("{\"type\":\"start\",\"v\":1,\"source\":\"en\",\"target\":\"fr\",\"label\":\"\\ud83d\"}");
        assertTrue(client.expectError("bad_value").path("message").asText().contains("surrogate"));
        client.start("en", "fr");
        client.close();
    }

    @Test
    void unknownFieldsAreIgnored() throws Exception {
        WsClient client = fixture.connect();
        client.sendJson("type", "start", "v", 1, "source", "en", "target", "fr", "codec", "opus");
        client.expect("ready");
        client.sendJson("type", "partial", "seq", 1, "text", "hi", "confidence", 0.93, "speaker", Map.of("id", 2));
        assertEquals("fr: hi", client.expect("translation").path("text").asText());
        client.close();
    }

    @Test
    void segmentBeforeStartIsRefusedWithItsSeq() throws Exception {
        WsClient client = fixture.connect();
        client.sendJson("type", "partial", "seq", 4, "text", "too early");
        assertEquals(4, client.expectError("not_started").path("seq").asLong());
        client.start("en", "fr");
        client.sendJson("type", "partial", "seq", 4, "text", "now");
        assertEquals("fr: now", client.expect("translation").path("text").asText());
        client.close();
    }

    @Test
    void repeatedAndOlderSequenceNumbersAreRefused() throws Exception {
        WsClient client = fixture.connect();
        client.start("en", "fr");
        client.sendJson("type", "partial", "seq", 5, "text", "five");
        client.expect("translation");
        client.sendJson("type", "final", "seq", 5, "text", "five again");
        assertEquals(5, client.expectError("out_of_order").path("seq").asLong());
        client.sendJson("type", "partial", "seq", 3, "text", "three");
        assertEquals(3, client.expectError("out_of_order").path("seq").asLong());
        client.sendJson("type", "final", "seq", 6, "text", "six");
        assertEquals(6, client.expect("translation").path("seq").asLong());
        client.close();
    }

    @Test
    void binaryFrameIsRefusedAndTheConnectionStaysUsable() throws Exception {
        WsClient client = fixture.connect();
        client.start("en", "fr");
        client.socket().sendBinary(ByteBuffer.wrap(new byte[] {1, 2, 3}), true).join();
        client.expectError("binary_not_supported");
        client.sendJson("type", "partial", "seq", 1, "text", "ok");
        client.expect("translation");
        client.close();
    }

    @Test
    void messageOverMaxFrameBytesIsRefusedAndTheConnectionStaysUsable() throws Exception {
        WsClient client = fixture.connect();
        client.start("en", "fr");
        client.sendJson("type", "partial", "seq", 1, "text", "x".repeat(2000));
        JsonNode error = client.expectError("frame_too_large");
        assertTrue(error.path("message").asText().contains("1024"), error::toString);
        client.sendJson("type", "partial", "seq", 2, "text", "small");
        client.expect("translation");
        client.close();
    }

    @Test
    void fragmentedMessageOverMaxFrameBytesIsRefusedWhole() throws Exception {
        WsClient client = fixture.connect();
        client.start("en", "fr");
        for (int i = 0; i < 4; i++) {
            client.socket().sendText("x".repeat(400), false).join();
        }
        client.socket().sendText("x", true).join();
        client.expectError("frame_too_large");
        client.socket().sendText("{\"type\":\"partial\",", false).join();
        client.socket().sendText("\"seq\":9,\"text\":\"joined\"}", true).join();
        assertEquals("fr: joined", client.expect("translation").path("text").asText());
        client.close();
    }

    @Test
    void frameOverTheHardLimitClosesTheConnectionWithTooBig() throws Exception {
        WsClient client = fixture.connect();
        client.start("en", "fr");
        TestScheduler.TestSession session = lastOpened();
        client.send("x".repeat(1024 * Settings.HARD_FRAME_FACTOR + 1));
        assertEquals(1009, client.expectClose());
        session.awaitClosed();
        assertEquals("UP", Fixture.JSON.readTree(fixture.get("/health").body()).path("status").asText());
    }

    @Test
    void pingIsAnsweredWithItsIdAndControlPingWithPong() throws Exception {
        WsClient client = fixture.connect();
        client.sendJson("type", "ping", "id", Map.of("n", 1));
        assertEquals(1, client.expect("pong").path("id").path("n").asInt());
        client.sendJson("type", "ping");
        assertFalse(client.expect("pong").has("id"));
        client.socket().sendPing(ByteBuffer.wrap("are you there".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                .join();
        assertEquals("are you there", client.expect("_pong").path("payload").asText());
        client.close();
    }

    private static TestScheduler.TestSession lastOpened() throws InterruptedException {
        TestScheduler.TestSession last = null;
        TestScheduler.TestSession s;
        while ((s = fixture.scheduler.opened.poll()) != null) {
            last = s;
        }
        return last != null ? last : fixture.scheduler.nextOpened();
    }
}
