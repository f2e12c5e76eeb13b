package dev.fairway.app.wiring;

import dev.fairway.app.config.ConfigSources;
import dev.fairway.app.config.FairwayConfig;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import jakarta.inject.Singleton;

/**
 * Builds the OpenTelemetry SDK. It is injected wherever an {@code OpenTelemetry} is asked for, and
 * closed (flushing spans and metrics) when the bean context closes.
 */
@Factory
public class TelemetryBeans {

    /** Creates the factory; Micronaut calls it. */
    public TelemetryBeans() {
    }

    /**
     * The SDK, configured from {@code OTEL_*} variables on top of Fairway's defaults.
     *
     * @param sources for the environment and system properties
     * @param config for the {@code otel.*} keys of the configuration file
     * @return the SDK
     */
    @Singleton
    @Bean(preDestroy = "close")
    OpenTelemetrySdk openTelemetry(ConfigSources sources, FairwayConfig config) {
        return Telemetry.create(
                Telemetry.defaults(sources.environment(), sources.systemProperties(), config.otelProperties()),
                AppVersion.current());
    }
}
