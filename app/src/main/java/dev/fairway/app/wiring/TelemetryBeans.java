package dev.fairway.app.wiring;

import dev.fairway.app.config.ConfigSources;
import dev.fairway.app.config.FairwayConfig;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.export.MetricReader;
import io.opentelemetry.sdk.trace.SpanProcessor;
import jakarta.inject.Singleton;

import java.util.List;

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
     * @param spanProcessors extra span processors registered as singletons (embedding, tests)
     * @param metricReaders extra metric readers registered as singletons (embedding, tests)
     * @return the SDK
     */
    @Singleton
    @Bean(preDestroy = "close")
    OpenTelemetrySdk openTelemetry(ConfigSources sources, FairwayConfig config, List<SpanProcessor> spanProcessors,
            List<MetricReader> metricReaders) {
        return Telemetry.create(
                Telemetry.defaults(sources.environment(), sources.systemProperties(), config.otelProperties()),
                AppVersion.current(), spanProcessors, metricReaders);
    }
}
