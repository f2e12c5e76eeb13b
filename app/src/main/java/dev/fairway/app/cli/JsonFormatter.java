package dev.fairway.app.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.format.DateTimeFormatter;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;

/**
 * {@code fairway.log.format = json}: one JSON object per line (JSON Lines) for log collectors. Fields:
 * {@code timestamp} (ISO-8601, UTC), {@code level} ({@code ERROR}, {@code WARN}, {@code INFO}, {@code DEBUG},
 * {@code TRACE}: the words of {@code fairway.log.level}), {@code logger}, {@code message}, {@code thread},
 * {@code exception} (the exception and its stack, as {@code printStackTrace} writes it) when the record has one,
 * and {@code trace_id} / {@code span_id} when the record is logged inside a valid span.
 *
 * <p>Jackson writes the line, so quotes, control characters and line breaks in a message are escaped and a
 * line is always one line. Lines are bounded: a message over {@value #MAX_MESSAGE_CHARS} characters, a stack
 * over {@value #MAX_EXCEPTION_CHARS} and a logger or thread name over {@value #MAX_NAME_CHARS} are cut, with a
 * marker saying how much was left out.
 *
 * <p>Formats on the logging thread (the console handler publishes synchronously), which is why
 * {@link Span#current()} is the span of the code that logged.
 */
final class JsonFormatter extends Formatter {

    /** The most characters of a message written. */
    static final int MAX_MESSAGE_CHARS = 8 * 1024;
    /** The most characters of an exception with its stack written. */
    static final int MAX_EXCEPTION_CHARS = 16 * 1024;
    /** The most characters of a logger or thread name written. */
    static final int MAX_NAME_CHARS = 256;

    private static final JsonFactory JSON = JsonFactory.builder().build();

    @Override
    public String format(LogRecord record) {
        StringWriter line = new StringWriter(256);
        try (JsonGenerator json = JSON.createGenerator(line)) {
            json.writeStartObject();
            json.writeStringField("timestamp", DateTimeFormatter.ISO_INSTANT.format(record.getInstant()));
            json.writeStringField("level", level(record.getLevel()));
            json.writeStringField("logger", bounded(String.valueOf(record.getLoggerName()), MAX_NAME_CHARS));
            json.writeStringField("message", bounded(String.valueOf(formatMessage(record)), MAX_MESSAGE_CHARS));
            json.writeStringField("thread", bounded(thread(record), MAX_NAME_CHARS));
            SpanContext span = Span.current().getSpanContext();
            if (span.isValid()) {
                json.writeStringField("trace_id", span.getTraceId());
                json.writeStringField("span_id", span.getSpanId());
            }
            Throwable thrown = record.getThrown();
            if (thrown != null) {
                StringWriter trace = new StringWriter();
                thrown.printStackTrace(new PrintWriter(trace));
                json.writeStringField("exception", bounded(trace.toString().stripTrailing(), MAX_EXCEPTION_CHARS));
            }
            json.writeEndObject();
        } catch (IOException e) {
            // A StringWriter does not fail; Jackson declares it all the same.
            throw new UncheckedIOException(e);
        }
        return line.append('\n').toString();
    }

    /**
     * The level in the words of {@code fairway.log.level}, upper case: {@code CONFIG} and {@code FINE} are
     * {@code DEBUG}, {@code FINER} and {@code FINEST} are {@code TRACE}.
     */
    static String level(Level level) {
        int value = level.intValue();
        if (value >= Level.SEVERE.intValue()) {
            return "ERROR";
        } else if (value >= Level.WARNING.intValue()) {
            return "WARN";
        } else if (value >= Level.INFO.intValue()) {
            return "INFO";
        } else if (value >= Level.FINE.intValue()) {
            return "DEBUG";
        }
        return "TRACE";
    }

    /** The logging thread's name, or {@code #id} for an unnamed one (virtual threads often are). */
    private static String thread(LogRecord record) {
        Thread current = Thread.currentThread();
        if (current.threadId() == record.getLongThreadID() && !current.getName().isEmpty()) {
            return current.getName();
        }
        return "#" + record.getLongThreadID();
    }

    /** The text, or its first {@code max} characters and a marker; a surrogate pair is never split. */
    static String bounded(String text, int max) {
        if (text.length() <= max) {
            return text;
        }
        int end = Character.isHighSurrogate(text.charAt(max - 1)) ? max - 1 : max;
        return text.substring(0, end) + "... [truncated " + (text.length() - end) + " chars]";
    }
}
