package dev.fairway.transport.websocket;

import dev.fairway.api.SegmentKind;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClientMessageParserTest {

    private final ClientMessageParser parser = new ClientMessageParser(50);

    @Test
    void parsesEveryClientMessage() {
        ClientMessage.Start start = assertInstanceOf(ClientMessage.Start.class, parser.parse(
                "{\"type\":\"start\",\"v\":1,\"source\":\"en\",\"target\":\"fr\",\"label\":\"l\",\"weight\":2}"));
        assertEquals(new ClientMessage.Start(1, "en", "fr", "l", 2), start);
        assertEquals(new ClientMessage.Start(1, "en", "fr", "", 1),
                parser.parse("{\"type\":\"start\",\"v\":1,\"source\":\"en\",\"target\":\"fr\",\"label\":null}"));
        assertEquals(new ClientMessage.Segment(SegmentKind.PARTIAL, 0, "he"),
                parser.parse("{\"type\":\"partial\",\"seq\":0,\"text\":\"he\"}"));
        assertEquals(new ClientMessage.Segment(SegmentKind.FINAL, 9_007_199_254_740_993L, "hello"),
                parser.parse("{\"text\":\"hello\",\"seq\":9007199254740993,\"type\":\"final\"}"));
        assertNull(assertInstanceOf(ClientMessage.Ping.class, parser.parse("{\"type\":\"ping\"}")).id());
        assertEquals("7", ((ClientMessage.Ping) parser.parse("{\"type\":\"ping\",\"id\":7}")).id().asText());
        assertInstanceOf(ClientMessage.End.class, parser.parse("{\"type\":\"end\"}"));
    }

    @Test
    void traceContextFieldsAreReadWhenTheyAreBoundedStringsAndIgnoredOtherwise() {
        String parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        ClientMessage.Start start = assertInstanceOf(ClientMessage.Start.class, parser.parse("{\"type\":\"start\",\"v\":1,"
                + "\"source\":\"en\",\"target\":\"fr\",\"traceparent\":\"" + parent + "\",\"tracestate\":\"a=1\"}"));
        assertEquals(new TraceHeaders(parent, "a=1"), start.trace());
        ClientMessage.Segment segment = assertInstanceOf(ClientMessage.Segment.class, parser.parse(
                "{\"type\":\"final\",\"seq\":1,\"text\":\"t\",\"traceparent\":\"" + parent + "\"}"));
        assertEquals(new TraceHeaders(parent, ""), segment.trace());
        for (String bad : new String[] {"42", "null", "[\"" + parent + "\"]", "\"\"",
                "\"" + "0".repeat(TraceHeaders.MAX_TRACEPARENT_CHARS + 1) + "\""}) {
            ClientMessage.Segment ignored = assertInstanceOf(ClientMessage.Segment.class, parser.parse(
                    "{\"type\":\"partial\",\"seq\":1,\"text\":\"t\",\"traceparent\":" + bad + "}"), bad);
            assertEquals(TraceHeaders.NONE, ignored.trace(), bad);
        }
        ClientMessage.Segment stateIgnored = assertInstanceOf(ClientMessage.Segment.class, parser.parse(
                "{\"type\":\"partial\",\"seq\":1,\"text\":\"t\",\"traceparent\":\"" + parent + "\",\"tracestate\":7}"));
        assertEquals(new TraceHeaders(parent, ""), stateIgnored.trace());
    }

    @Test
    void textLimitCountsCharactersNotBytes() {
        String fifty = "é".repeat(50);
        assertInstanceOf(ClientMessage.Segment.class, parser.parse("{\"type\":\"final\",\"seq\":1,\"text\":\"" + fifty + "\"}"));
        ClientMessage.Invalid tooLong = assertInstanceOf(ClientMessage.Invalid.class,
                parser.parse("{\"type\":\"final\",\"seq\":1,\"text\":\"" + fifty + "e\"}"));
        assertEquals(ErrorCode.TEXT_TOO_LONG, tooLong.code());
    }

    @Test
    void errorMessagesDoNotEchoLongInput() {
        ClientMessage.Invalid invalid = assertInstanceOf(ClientMessage.Invalid.class,
                parser.parse("{\"type\":\"" + "x".repeat(10_000) + "\"}"));
        assertEquals(ErrorCode.UNKNOWN_TYPE, invalid.code());
        assertTrue(invalid.message().length() < 300, invalid.message());
    }

    @Test
    void neverThrowsOnRandomInput() {
        long seed = new Random().nextLong();
        Random random = new Random(seed);
        String alphabet = "{}[]\":,0123456789-.etrufalsnyp \\ué\u0000";
        for (int i = 0; i < 5_000; i++) {
            StringBuilder text = new StringBuilder(random.nextBoolean() ? "{\"type\":\"final\"," : "");
            int n = random.nextInt(40);
            for (int j = 0; j < n; j++) {
                text.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            try {
                assertInstanceOf(ClientMessage.class, parser.parse(text.toString()));
            } catch (RuntimeException | AssertionError e) {
                throw new AssertionError("seed " + seed + ", input " + text, e);
            }
        }
    }
}
