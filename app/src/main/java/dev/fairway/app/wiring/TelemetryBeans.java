package dev.fairway.app.wiring;

import dev.fairway.app.config.ConfigSources;
import dev.fairway.app.config.FairwayConfig;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.logs.LogRecordProcessor;
import io.opentelemetry.sdk.metrics.export.MetricReader;
import io.opentelemetry.sdk.trace.SpanProcessor;
import jakarta.inject.Provider;
import jakarta.inject.Singleton;

import java.util.List;

/**
 * Builds the OpenTelemetry SDK. It is injected wherever an {@code OpenTelemetry} is asked for, and
 * closed (flushing spans, metrics and log records) when the bean context closes. The bridge from
 * {@code java.util.logging} into its logs pipeline ({@link LogExport}) is a bean of its own, closed before it.
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
     * @param logRecordProcessors extra log record processors registered as singletons (embedding, tests)
     * @return the SDK
     */
    @Singleton
    @Bean(preDestroy = "close")
    OpenTelemetrySdk openTelemetry(ConfigSources sources, FairwayConfig config, List<SpanProcessor> spanProcessors,
            List<MetricReader> metricReaders, List<LogRecordProcessor> logRecordProcessors) {
        return Telemetry.create(
                Telemetry.defaults(sources.environment(), sources.systemProperties(), config.otelProperties()),
                AppVersion.current(), spanProcessors, metricReaders, logRecordProcessors);
    }

    /**
     * The bridge of {@code java.util.logging} records into the SDK's logs pipeline: on when the SDK exports log
     * records or log record processors are registered, and then it builds the SDK; off (and the SDK not built for
     * it) otherwise.
     *
     * @param sources for the environment and system properties
     * @param config for the {@code otel.*} keys of the configuration file
     * @param logRecordProcessors extra log record processors registered as singletons (embedding, tests)
     * @param openTelemetry the SDK, built only when the bridge is on
     * @return the bridge, open
     */
    @Singleton
    @Bean(preDestroy = "close")
    LogExport logExport(ConfigSources sources, FairwayConfig config, List<LogRecordProcessor> logRecordProcessors,
            Provider<OpenTelemetrySdk> openTelemetry) {
        boolean exported = Telemetry.logsExported(
                Telemetry.defaults(sources.environment(), sources.systemProperties(), config.otelProperties()),
                sources.environment(), sources.systemProperties());
        if (!exported && logRecordProcessors.isEmpty()) {
            return LogExport.off();
        }
        return LogExport.install(openTelemetry.get().getLogsBridge());
    }
}
