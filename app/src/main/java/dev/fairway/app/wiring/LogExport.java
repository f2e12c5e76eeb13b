package dev.fairway.app.wiring;

import io.opentelemetry.api.logs.LoggerProvider;

import java.util.Optional;
import java.util.logging.Handler;
import java.util.logging.Logger;

/**
 * Log records exported through OpenTelemetry: while open, a handler on the root {@code java.util.logging}
 * logger (where {@code System.Logger} and slf4j end too) emits every record that passes
 * {@code fairway.log.level} into the SDK's logs pipeline, besides the console. Installed only when the SDK
 * exports logs ({@code OTEL_LOGS_EXPORTER=otlp}, or {@code OTEL_EXPORTER_OTLP_LOGS_ENDPOINT} set, see
 * {@link Telemetry#logsExported}) or log record processors were registered; otherwise it is off and the SDK
 * is not even built for it. Closing removes the handler; the bean context closes it before the SDK, which
 * then flushes what is buffered.
 */
public final class LogExport implements AutoCloseable {

    private static final Logger ROOT = Logger.getLogger("");

    private final Handler handler;

    private LogExport(Handler handler) {
        this.handler = handler;
    }

    /**
     * Off: nothing is bridged.
     *
     * @return an export that does nothing
     */
    static LogExport off() {
        return new LogExport(null);
    }

    /**
     * Bridges the root logger's records into a logger provider until closed.
     *
     * @param loggers the SDK's logs bridge
     * @return the open export
     */
    static LogExport install(LoggerProvider loggers) {
        Handler handler = new OpenTelemetryLogHandler(loggers);
        ROOT.addHandler(handler);
        return new LogExport(handler);
    }

    /**
     * The handler installed on the root logger, when on.
     *
     * @return the handler, or empty when off
     */
    public Optional<Handler> handler() {
        return Optional.ofNullable(handler);
    }

    /** Removes the handler from the root logger. Idempotent. */
    @Override
    public void close() {
        if (handler != null) {
            ROOT.removeHandler(handler);
        }
    }
}
