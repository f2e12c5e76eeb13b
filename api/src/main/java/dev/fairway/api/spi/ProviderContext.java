package dev.fairway.api.spi;

import dev.fairway.api.NanoClock;
import io.opentelemetry.api.OpenTelemetry;

import java.util.Objects;

/**
 * What a {@link TranslationProviderFactory} gets to build a provider.
 *
 * @param config the provider's own keys ({@code fairway.provider.<name>.*})
 * @param openTelemetry the application's OpenTelemetry (a no-op one when tracing is off)
 * @param clock the monotonic clock to measure latency with
 */
public record ProviderContext(PluginConfig config, OpenTelemetry openTelemetry, NanoClock clock) {

    /** Validates every field. */
    public ProviderContext {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(openTelemetry, "openTelemetry");
        Objects.requireNonNull(clock, "clock");
    }

    /**
     * A context with no telemetry and the system clock, for tests and tools.
     *
     * @param config the provider's keys
     * @return the context
     */
    public static ProviderContext of(PluginConfig config) {
        return new ProviderContext(config, OpenTelemetry.noop(), NanoClock.SYSTEM);
    }
}
