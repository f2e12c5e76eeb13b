package dev.fairway.api.spi;

import dev.fairway.api.TranslationScheduler;
import dev.fairway.api.session.DurableSessions;
import io.opentelemetry.api.OpenTelemetry;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
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
 * @param readiness the application's readiness checks (provider, stores), each with a distinct name, which a
 *     readiness endpoint reports besides the transport's own state; empty: none. Set them with
 *     {@link #withReadiness(List)}.
 */
public record TransportContext(
        PluginConfig config,
        TranslationScheduler scheduler,
        OpenTelemetry openTelemetry,
        Supplier<Object> status,
        Admission admission,
        Optional<DurableSessions> durableSessions,
        List<Readiness> readiness) {

    /** Validates every field; the readiness checks are copied. */
    public TransportContext {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(scheduler, "scheduler");
        Objects.requireNonNull(openTelemetry, "openTelemetry");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(admission, "admission");
        Objects.requireNonNull(durableSessions, "durableSessions");
        readiness = List.copyOf(Objects.requireNonNull(readiness, "readiness"));
        Set<String> names = new HashSet<>();
        for (Readiness check : readiness) {
            if (!names.add(check.name())) {
                throw new IllegalArgumentException("two readiness checks are named '" + check.name() + "'");
            }
        }
    }

    /**
     * A context without readiness checks of the application.
     *
     * @param config the transport's own keys
     * @param scheduler the scheduler to open sessions with
     * @param openTelemetry the application's OpenTelemetry
     * @param status supplies the status document
     * @param admission whether a new session is welcome now
     * @param durableSessions the session store and resume window when sessions are durable
     */
    public TransportContext(PluginConfig config, TranslationScheduler scheduler, OpenTelemetry openTelemetry,
            Supplier<Object> status, Admission admission, Optional<DurableSessions> durableSessions) {
        this(config, scheduler, openTelemetry, status, admission, durableSessions, List.of());
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
        this(config, scheduler, openTelemetry, status, admission, Optional.empty(), List.of());
    }

    /**
     * This context with durable sessions.
     *
     * @param durable the session store and resume window
     * @return a copy that carries them
     */
    public TransportContext withDurableSessions(DurableSessions durable) {
        Objects.requireNonNull(durable, "durable");
        return new TransportContext(config, scheduler, openTelemetry, status, admission, Optional.of(durable),
                readiness);
    }

    /**
     * This context with the application's readiness checks.
     *
     * @param checks the checks, each with a distinct name, in the order a readiness endpoint lists them
     * @return a copy that carries them instead of those it had
     * @throws IllegalArgumentException when two checks have the same name
     */
    public TransportContext withReadiness(List<Readiness> checks) {
        return new TransportContext(config, scheduler, openTelemetry, status, admission, durableSessions, checks);
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
