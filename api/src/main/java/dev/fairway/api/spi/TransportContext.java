package dev.fairway.api.spi;

import dev.fairway.api.TranslationScheduler;
import io.opentelemetry.api.OpenTelemetry;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * What a {@link TransportFactory} gets to build a transport.
 *
 * @param config the transport's own keys ({@code fairway.transport.<name>.*})
 * @param scheduler the scheduler to open sessions with
 * @param openTelemetry the application's OpenTelemetry (a no-op one when tracing is off)
 * @param status supplies the JSON-ready status document (queue status and limiter stats) for a
 *     status endpoint; nested maps, lists, strings, numbers and booleans only
 * @param admission whether a new session is welcome now (asked at each session handshake)
 */
public record TransportContext(
        PluginConfig config,
        TranslationScheduler scheduler,
        OpenTelemetry openTelemetry,
        Supplier<Object> status,
        Admission admission) {

    /** Validates every field. */
    public TransportContext {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(scheduler, "scheduler");
        Objects.requireNonNull(openTelemetry, "openTelemetry");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(admission, "admission");
    }

    /**
     * A context that admits every session ({@link Admission#OPEN}).
     *
     * @param config the transport's own keys
     * @param scheduler the scheduler to open sessions with
     * @param openTelemetry the application's OpenTelemetry
     * @param status supplies the status document
     */
    public TransportContext(PluginConfig config, TranslationScheduler scheduler, OpenTelemetry openTelemetry,
            Supplier<Object> status) {
        this(config, scheduler, openTelemetry, status, Admission.OPEN);
    }
}
