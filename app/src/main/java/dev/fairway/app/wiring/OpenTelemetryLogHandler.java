package dev.fairway.app.wiring;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.logs.LogRecordBuilder;
import io.opentelemetry.api.logs.LoggerProvider;
import io.opentelemetry.api.logs.Severity;
import io.opentelemetry.context.Context;

import java.util.Objects;
import java.util.logging.ErrorManager;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.SimpleFormatter;

/**
 * A {@code java.util.logging} handler that emits each record through the OpenTelemetry Logs API, into the
 * SDK's logs pipeline (a batch processor and the OTLP exporter when {@code OTEL_LOGS_EXPORTER=otlp}).
 *
 * <p>Hand-written because OpenTelemetry ships library appenders for Logback and Log4j only; its
 * {@code java.util.logging} support is part of the Java agent, which Fairway does not run. What it maps:
 * the logger's name is the OpenTelemetry logger's (the instrumentation scope), the message formatted with its
 * parameters is the body (at most {@value #MAX_BODY_CHARS} characters, then a truncation marker), the level is
 * the severity (and its name the severity text), the record's time is the timestamp, the current context
 * carries the trace and span ids, the thread goes to {@code thread.id} and {@code thread.name}, and an
 * exception to the {@code exception.*} attributes (the SDK writes type, message and stack).
 *
 * <p>Records of the {@code io.opentelemetry} loggers are left out: the exporter logs its own failures there,
 * and exporting them would feed a failing export with more records.
 */
final class OpenTelemetryLogHandler extends Handler {

    /** The most characters of a body emitted. */
    static final int MAX_BODY_CHARS = 8 * 1024;

    private static final AttributeKey<Long> THREAD_ID = AttributeKey.longKey("thread.id");
    private static final AttributeKey<String> THREAD_NAME = AttributeKey.stringKey("thread.name");
    /** Only for {@link Formatter#formatMessage}, which fills a record's parameters into its message. */
    private static final Formatter MESSAGES = new SimpleFormatter();

    private final LoggerProvider loggers;

    OpenTelemetryLogHandler(LoggerProvider loggers) {
        this.loggers = Objects.requireNonNull(loggers, "loggers");
        setLevel(Level.ALL);
    }

    @Override
    public void publish(LogRecord record) {
        if (record == null || !isLoggable(record)) {
            return;
        }
        String name = record.getLoggerName() == null ? "" : record.getLoggerName();
        if (name.startsWith("io.opentelemetry")) {
            return;
        }
        try {
            LogRecordBuilder builder = loggers.get(name).logRecordBuilder()
                    .setTimestamp(record.getInstant())
                    .setSeverity(severity(record.getLevel()))
                    .setSeverityText(record.getLevel().getName())
                    .setBody(bounded(String.valueOf(MESSAGES.formatMessage(record))))
                    .setContext(Context.current())
                    .setAttribute(THREAD_ID, record.getLongThreadID());
            Thread current = Thread.currentThread();
            if (current.threadId() == record.getLongThreadID() && !current.getName().isEmpty()) {
                builder.setAttribute(THREAD_NAME, current.getName());
            }
            if (record.getThrown() != null) {
                builder.setException(record.getThrown());
            }
            builder.emit();
        } catch (RuntimeException e) {
            // A handler must not throw into the code that logged.
            reportError("cannot emit a log record to OpenTelemetry", e, ErrorManager.WRITE_FAILURE);
        }
    }

    /**
     * The severity of a level: {@code SEVERE} is {@code ERROR}, {@code WARNING} {@code WARN}, {@code INFO}
     * {@code INFO}, {@code CONFIG} {@code DEBUG2}, {@code FINE} {@code DEBUG}, {@code FINER} {@code TRACE2} and
     * {@code FINEST} {@code TRACE}; levels between them take the one below.
     */
    static Severity severity(Level level) {
        int value = level.intValue();
        if (value >= Level.SEVERE.intValue()) {
            return Severity.ERROR;
        } else if (value >= Level.WARNING.intValue()) {
            return Severity.WARN;
        } else if (value >= Level.INFO.intValue()) {
            return Severity.INFO;
        } else if (value >= Level.CONFIG.intValue()) {
            return Severity.DEBUG2;
        } else if (value >= Level.FINE.intValue()) {
            return Severity.DEBUG;
        } else if (value >= Level.FINER.intValue()) {
            return Severity.TRACE2;
        }
        return Severity.TRACE;
    }

    private static String bounded(String text) {
        if (text.length() <= MAX_BODY_CHARS) {
            return text;
        }
        int end = Character.isHighSurrogate(text.charAt(MAX_BODY_CHARS - 1)) ? MAX_BODY_CHARS - 1 : MAX_BODY_CHARS;
        return text.substring(0, end) + "... [truncated " + (text.length() - end) + " chars]";
    }

    /** Nothing to do: the SDK's batch processor exports on its own schedule and when the SDK closes. */
    @Override
    public void flush() {
    }

    /** Nothing to do: the SDK belongs to the bean context, which closes it. */
    @Override
    public void close() {
    }
}
