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
 * @param webContent files to serve as they are (the browser pages of the {@code console} module), each with a
 *     distinct name; empty: none. Set them with {@link #withWebContent(List)}.
 */
public record TransportContext(
        PluginConfig config,
        TranslationScheduler scheduler,
        OpenTelemetry openTelemetry,
        Supplier<Object> status,
        Admission admission,
        Optional<DurableSessions> durableSessions,
        List<Readiness> readiness,
        List<WebContent> webContent) {

    /** Validates every field; the readiness checks and the web content are copied. */
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
        webContent = List.copyOf(Objects.requireNonNull(webContent, "webContent"));
        Set<String> contentNames = new HashSet<>();
        for (WebContent content : webContent) {
            if (content.name() == null || !WebContent.NAME.matcher(content.name()).matches()) {
                throw new IllegalArgumentException("a web content's name must be lower-case words joined by '-', was '"
                        + content.name() + "'");
            }
            if (!contentNames.add(content.name())) {
                throw new IllegalArgumentException("two web contents are named '" + content.name() + "'");
            }
        }
    }

    /**
     * A context without web content.
     *
     * @param config the transport's own keys
     * @param scheduler the scheduler to open sessions with
     * @param openTelemetry the application's OpenTelemetry
     * @param status supplies the status document
     * @param admission whether a new session is welcome now
     * @param durableSessions the session store and resume window when sessions are durable
     * @param readiness the application's readiness checks
     */
    public TransportContext(PluginConfig config, TranslationScheduler scheduler, OpenTelemetry openTelemetry,
            Supplier<Object> status, Admission admission, Optional<DurableSessions> durableSessions,
            List<Readiness> readiness) {
        this(config, scheduler, openTelemetry, status, admission, durableSessions, readiness, List.of());
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
        this(config, scheduler, openTelemetry, status, admission, durableSessions, List.of(), List.of());
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
        this(config, scheduler, openTelemetry, status, admission, Optional.empty(), List.of(), List.of());
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
                readiness, webContent);
    }

    /**
     * This context with the application's readiness checks.
     *
     * @param checks the checks, each with a distinct name, in the order a readiness endpoint lists them
     * @return a copy that carries them instead of those it had
     * @throws IllegalArgumentException when two checks have the same name
     */
    public TransportContext withReadiness(List<Readiness> checks) {
        return new TransportContext(config, scheduler, openTelemetry, status, admission, durableSessions, checks,
                webContent);
    }

    /**
     * This context with files to serve as they are.
     *
     * @param contents the contents, each with a distinct name, asked in this order
     * @return a copy that carries them instead of those it had
     * @throws IllegalArgumentException when two contents have the same name
     */
    public TransportContext withWebContent(List<WebContent> contents) {
        return new TransportContext(config, scheduler, openTelemetry, status, admission, durableSessions, readiness,
                contents);
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
