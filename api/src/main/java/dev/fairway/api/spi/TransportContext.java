package dev.fairway.api.spi;

import dev.fairway.api.TranslationScheduler;
import dev.fairway.api.session.DurableSessions;
import io.opentelemetry.api.OpenTelemetry;

import java.util.Objects;
import java.util.Optional;
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
 * @param durableSessions the session store and resume window when sessions are durable; empty: sessions
 *     live and die with their connection. Set it with {@link #withDurableSessions(DurableSessions)}.
 */
public record TransportContext(
        PluginConfig config,
        TranslationScheduler scheduler,
        OpenTelemetry openTelemetry,
        Supplier<Object> status,
        Admission admission,
        Optional<DurableSessions> durableSessions) {

    /** Validates every field. */
    public TransportContext {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(scheduler, "scheduler");
        Objects.requireNonNull(openTelemetry, "openTelemetry");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(admission, "admission");
        Objects.requireNonNull(durableSessions, "durableSessions");
    }

    /**
     * A context without durable sessions.
     *
     * @param config the transport's own keys
     * @param scheduler the scheduler to open sessions with
     * @param openTelemetry the application's OpenTelemetry
     * @param status supplies the status document
     * @param admission whether a new session is welcome now
     */
    public TransportContext(PluginConfig config, TranslationScheduler scheduler, OpenTelemetry openTelemetry,
            Supplier<Object> status, Admission admission) {
        this(config, scheduler, openTelemetry, status, admission, Optional.empty());
    }

    /**
     * This context with durable sessions.
     *
     * @param durable the session store and resume window
     * @return a copy that carries them
     */
    public TransportContext withDurableSessions(DurableSessions durable) {
        Objects.requireNonNull(durable, "durable");
        return new TransportContext(config, scheduler, openTelemetry, status, admission, Optional.of(durable));
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
