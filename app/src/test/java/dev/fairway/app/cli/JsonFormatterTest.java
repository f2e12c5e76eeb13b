package dev.fairway.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Scope;
import java.time.Instant;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

class JsonFormatterTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
    private static final String SPAN_ID = "b7ad6b7169203331";

    private final JsonFormatter formatter = new JsonFormatter();

    private static LogRecord record(Level level, String message) {
        LogRecord record = new LogRecord(level, message);
        record.setLoggerName("dev.fairway.test.Logger");
        record.setInstant(Instant.parse("2026-03-01T12:34:56.789Z"));
        return record;
    }

    /** Formats, checks the line is one JSON object on one line, and parses it. */
    private JsonNode line(LogRecord record) throws Exception {
        String line = formatter.format(record);
        assertTrue(line.endsWith("\n"), line);
        assertEquals(line.length() - 1, line.indexOf('\n'), "one line: " + line);
        assertFalse(line.substring(0, line.length() - 1).contains("\r"), line);
        JsonNode node = JSON.readTree(line);
        assertTrue(node.isObject(), line);
        return node;
    }

    @Test
    void eachRecordIsOneJsonObjectOnOneLine() throws Exception {
        String message = "a \"quoted\" word,\na second line\tand a tab, \u00e9t\u00e9 and \u0001";
        JsonNode node = line(record(Level.WARNING, message));

        assertEquals("2026-03-01T12:34:56.789Z", node.path("timestamp").asText());
        assertEquals("WARN", node.path("level").asText());
        assertEquals("dev.fairway.test.Logger", node.path("logger").asText());
        assertEquals(message, node.path("message").asText(), "escaped by Jackson and read back as it was");
        assertEquals(Thread.currentThread().getName(), node.path("thread").asText());
        assertFalse(node.has("exception"));
        assertEquals(List.of("timestamp", "level", "logger", "message", "thread"),
                names(node.fieldNames()));
    }

    @Test
    void theTimestampIsIsoUtc() throws Exception {
        LogRecord record = record(Level.INFO, "now");
        record.setInstant(Instant.ofEpochSecond(1_700_000_000L, 123_456_789));
        String timestamp = line(record).path("timestamp").asText();
        assertTrue(timestamp.endsWith("Z"), timestamp);
        assertEquals(Instant.ofEpochSecond(1_700_000_000L, 123_456_789), Instant.parse(timestamp));
    }

    @Test
    void levelsAreTheWordsOfLogLevel() throws Exception {
        assertEquals("ERROR", line(record(Level.SEVERE, "x")).path("level").asText());
        assertEquals("WARN", line(record(Level.WARNING, "x")).path("level").asText());
        assertEquals("INFO", line(record(Level.INFO, "x")).path("level").asText());
        assertEquals("DEBUG", line(record(Level.CONFIG, "x")).path("level").asText());
        assertEquals("DEBUG", line(record(Level.FINE, "x")).path("level").asText());
        assertEquals("TRACE", line(record(Level.FINER, "x")).path("level").asText());
        assertEquals("TRACE", line(record(Level.FINEST, "x")).path("level").asText());
    }

    @Test
    void parametersAreFormattedIntoTheMessage() throws Exception {
        LogRecord record = record(Level.INFO, "served {0} sessions on {1}");
        record.setParameters(new Object[] {"12", "node-a"});
        assertEquals("served 12 sessions on node-a", line(record).path("message").asText());
    }

    @Test
    void insideASpanTheLineCarriesItsTraceAndSpanIds() throws Exception {
        Span span = Span.wrap(SpanContext.create(TRACE_ID, SPAN_ID, TraceFlags.getSampled(), TraceState.getDefault()));
        JsonNode inside;
        try (Scope ignored = span.makeCurrent()) {
            inside = line(record(Level.INFO, "in a span"));
        }
        assertEquals(TRACE_ID, inside.path("trace_id").asText());
        assertEquals(SPAN_ID, inside.path("span_id").asText());

        JsonNode outside = line(record(Level.INFO, "after it"));
        assertFalse(outside.has("trace_id"), outside.toString());
        assertFalse(outside.has("span_id"), outside.toString());
    }

    @Test
    void anInvalidSpanContextGivesNoIds() throws Exception {
        try (Scope ignored = Span.getInvalid().makeCurrent()) {
            JsonNode node = line(record(Level.INFO, "no trace"));
            assertFalse(node.has("trace_id"));
            assertFalse(node.has("span_id"));
        }
    }

    @Test
    void anExceptionIsOneStringWithItsStackAndCauses() throws Exception {
        LogRecord record = record(Level.SEVERE, "export failed");
        record.setThrown(new IllegalStateException("outer \"problem\"",
                new java.io.IOException("connection refused")));
        JsonNode node = line(record);

        String exception = node.path("exception").asText();
        assertTrue(exception.startsWith("java.lang.IllegalStateException: outer \"problem\""), exception);
        assertTrue(exception.contains("JsonFormatterTest.anExceptionIsOneStringWithItsStackAndCauses("), exception);
        assertTrue(exception.contains("Caused by: java.io.IOException: connection refused"), exception);
        assertEquals("export failed", node.path("message").asText());
    }

    @Test
    void aHugeMessageIsCutWithAMarker() throws Exception {
        String huge = "x".repeat(100_000);
        String message = line(record(Level.INFO, huge)).path("message").asText();
        assertEquals("x".repeat(JsonFormatter.MAX_MESSAGE_CHARS) + "... [truncated "
                + (100_000 - JsonFormatter.MAX_MESSAGE_CHARS) + " chars]", message);
    }

    @Test
    void aHugeStackIsCutWithAMarker() throws Exception {
        LogRecord record = record(Level.SEVERE, "deep");
        record.setThrown(new IllegalStateException("y".repeat(50_000)));
        String line = formatter.format(record);
        String exception = JSON.readTree(line).path("exception").asText();
        assertTrue(exception.length() < JsonFormatter.MAX_EXCEPTION_CHARS + 50, "length " + exception.length());
        assertTrue(exception.matches("(?s).*\\.\\.\\. \\[truncated \\d+ chars]"), exception.substring(
                exception.length() - 40));
        assertTrue(line.length() < JsonFormatter.MAX_EXCEPTION_CHARS + JsonFormatter.MAX_MESSAGE_CHARS + 1_000,
                "the line is bounded: " + line.length());
    }

    @Test
    void aCutNeverSplitsASurrogatePair() {
        String text = "a".repeat(9) + "\uD83D\uDE00" + "b".repeat(10);
        String cut = JsonFormatter.bounded(text, 10);
        assertTrue(cut.startsWith("a".repeat(9) + "... [truncated"), cut);
        assertEquals(text, JsonFormatter.bounded(text, text.length()));
    }

    private static <T> List<T> names(java.util.Iterator<T> iterator) {
        List<T> list = new java.util.ArrayList<>();
        iterator.forEachRemaining(list::add);
        return list;
    }
}
