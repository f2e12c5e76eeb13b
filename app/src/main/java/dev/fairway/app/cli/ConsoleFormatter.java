package dev.fairway.app.cli;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;

/**
 * One line per log record: time, level, logger, message and, for a record with an exception, the
 * exception and its causes in one line. Stack traces are printed only at the {@code debug} and
 * {@code trace} levels: an exporter that cannot reach its collector is worth a line, not fifty.
 */
final class ConsoleFormatter extends Formatter {

    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS").withZone(ZoneId.systemDefault());

    private volatile boolean stackTraces;

    void stackTraces(boolean enabled) {
        stackTraces = enabled;
    }

    @Override
    public String format(LogRecord record) {
        StringBuilder line = new StringBuilder()
                .append(TIME.format(Instant.ofEpochMilli(record.getMillis()))).append(' ')
                .append(record.getLevel().getName()).append(' ')
                .append(record.getLoggerName()).append(": ")
                .append(formatMessage(record));
        Throwable thrown = record.getThrown();
        if (thrown != null && stackTraces) {
            java.io.StringWriter trace = new java.io.StringWriter();
            thrown.printStackTrace(new java.io.PrintWriter(trace));
            line.append(System.lineSeparator()).append(trace.toString().stripTrailing());
        } else if (thrown != null) {
            int depth = 0;
            for (Throwable t = thrown; t != null && depth < 4; t = t.getCause(), depth++) {
                line.append(depth == 0 ? " (" : "; caused by ").append(t);
            }
            line.append(')');
        }
        return line.append(System.lineSeparator()).toString();
    }
}
