package dev.fairway.app.wiring;

import dev.fairway.app.config.EnvNames;
import dev.fairway.app.config.StartupException;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigurationException;
import io.opentelemetry.sdk.logs.LogRecordProcessor;
import io.opentelemetry.sdk.logs.SdkLoggerProviderBuilder;
import io.opentelemetry.sdk.metrics.export.MetricReader;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.resources.ResourceBuilder;
import io.opentelemetry.sdk.trace.SpanProcessor;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiFunction;

/**
 * Builds the OpenTelemetry SDK from the standard {@code OTEL_*} environment variables and
 * {@code otel.*} system properties (the SDK's autoconfiguration), on top of Fairway's defaults:
 * nothing is exported unless an OTLP endpoint is set, OTLP speaks {@code http/protobuf} through the
 * JDK's HTTP client, and the service is called {@code fairway}. {@code OTEL_METRICS_EXPORTER=prometheus}
 * adds a scrape endpoint ({@link PrometheusEndpoint}); Fairway's latency histograms get buckets from 5 ms to
 * 60 s ({@link LatencyView}).
 */
public final class Telemetry {

    private static final AttributeKey<String> SERVICE_NAME = AttributeKey.stringKey("service.name");
    private static final AttributeKey<String> SERVICE_VERSION = AttributeKey.stringKey("service.version");

    private Telemetry() {
    }

    /**
     * Fairway's defaults for the SDK's properties; environment variables and system properties still
     * win over them. An exporter is {@code otlp} when an OTLP endpoint for its signal (or for all
     * signals) is set, and {@code none} otherwise; logs are exported only when their own endpoint is set.
     *
     * @param environment the environment variables
     * @param systemProperties the system properties
     * @param fileProperties the {@code otel.*} keys of the configuration file, which also win over
     *     these defaults
     * @return property names and values
     */
    public static Map<String, String> defaults(Map<String, String> environment, Map<String, String> systemProperties,
            Map<String, String> fileProperties) {
        Map<String, String> defaults = new TreeMap<>();
        boolean all = isSet("otel.exporter.otlp.endpoint", environment, systemProperties, fileProperties);
        boolean traces = all || isSet("otel.exporter.otlp.traces.endpoint", environment, systemProperties,
                fileProperties);
        boolean metrics = all || isSet("otel.exporter.otlp.metrics.endpoint", environment, systemProperties,
                fileProperties);
        boolean logs = isSet("otel.exporter.otlp.logs.endpoint", environment, systemProperties, fileProperties);
        // The JDK sender speaks HTTP only; gRPC would need another sender on the module path.
        defaults.put("otel.exporter.otlp.protocol", "http/protobuf");
        defaults.put("otel.traces.exporter", traces ? "otlp" : "none");
        defaults.put("otel.metrics.exporter", metrics ? "otlp" : "none");
        defaults.put("otel.logs.exporter", logs ? "otlp" : "none");
        defaults.putAll(fileProperties);
        return defaults;
    }

    private static boolean isSet(String property, Map<String, String> environment, Map<String, String> system,
            Map<String, String> file) {
        return notBlank(system.get(property)) || notBlank(environment.get(EnvNames.of(property)))
                || notBlank(file.get(property));
    }

    private static boolean notBlank(String value) {
        return value != null && !value.isBlank();
    }

    /**
     * Builds the SDK. It registers no shutdown hook and is not made global: its owner closes it,
     * which flushes what is buffered.
     *
     * @param defaults from {@link #defaults}
     * @param version the application's version, the default {@code service.version}
     * @return the SDK
     * @throws StartupException when an {@code OTEL_*} setting is refused
     */
    public static OpenTelemetrySdk create(Map<String, String> defaults, String version) {
        return create(defaults, version, List.of(), List.of());
    }

    /**
     * Builds the SDK with extra span processors and metric readers besides those the {@code OTEL_*}
     * settings configure: for embedding Fairway, and for tests that read spans from memory.
     *
     * @param defaults from {@link #defaults}
     * @param version the application's version, the default {@code service.version}
     * @param spanProcessors extra span processors
     * @param metricReaders extra metric readers
     * @return the SDK
     * @throws StartupException when an {@code OTEL_*} setting is refused
     */
    public static OpenTelemetrySdk create(Map<String, String> defaults, String version,
            List<SpanProcessor> spanProcessors, List<MetricReader> metricReaders) {
        return create(defaults, version, spanProcessors, metricReaders, List.of());
    }

    /**
     * Builds the SDK with extra span processors, metric readers and log record processors besides those the
     * {@code OTEL_*} settings configure: for embedding Fairway, and for tests that read spans, metrics or log
     * records from memory.
     *
     * @param defaults from {@link #defaults}
     * @param version the application's version, the default {@code service.version}
     * @param spanProcessors extra span processors
     * @param metricReaders extra metric readers
     * @param logRecordProcessors extra log record processors
     * @return the SDK
     * @throws StartupException when an {@code OTEL_*} setting is refused
     */
    public static OpenTelemetrySdk create(Map<String, String> defaults, String version,
            List<SpanProcessor> spanProcessors, List<MetricReader> metricReaders,
            List<LogRecordProcessor> logRecordProcessors) {
        Map<String, String> copy = Map.copyOf(defaults);
        List<SpanProcessor> processors = List.copyOf(spanProcessors);
        List<MetricReader> readers = List.copyOf(metricReaders);
        PrometheusEndpoint prometheus = new PrometheusEndpoint();
        try {
            return AutoConfiguredOpenTelemetrySdk.builder()
                    .addPropertiesSupplier(() -> copy)
                    .addPropertiesCustomizer(prometheus::takeOver)
                    .addResourceCustomizer((resource, config) -> withFairwayService(resource, version))
                    .addTracerProviderCustomizer((builder, config) -> {
                        processors.forEach(builder::addSpanProcessor);
                        return builder;
                    })
                    .addMeterProviderCustomizer((builder, config) -> {
                        readers.forEach(builder::registerMetricReader);
                        return prometheus.register(LatencyView.register(builder));
                    })
                    .addLoggerProviderCustomizer(withLogRecordProcessors(logRecordProcessors))
                    .disableShutdownHook()
                    .build()
                    .getOpenTelemetrySdk();
        } catch (ConfigurationException e) {
            StringBuilder message = new StringBuilder("OpenTelemetry: ").append(e.getMessage());
            for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
                if (cause.getMessage() != null) {
                    message.append(": ").append(cause.getMessage());
                }
            }
            if (message.indexOf("GrpcSenderProvider") >= 0) {
                message.append(" (Fairway ships the JDK's HTTP sender: use OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf)");
            }
            throw new StartupException(message.toString(), e);
        }
    }

    /**
     * Whether the SDK exports log records: {@code otel.logs.exporter} as the SDK reads it (system property, then
     * environment variable, then Fairway's {@link #defaults}) is set and not {@code none}. Logs are then bridged
     * from {@code java.util.logging} into the SDK ({@link LogExport}); otherwise the bridge is not installed and
     * costs nothing.
     *
     * @param defaults from {@link #defaults}
     * @param environment the environment variables
     * @param systemProperties the system properties
     * @return whether a log record exporter is configured
     */
    public static boolean logsExported(Map<String, String> defaults, Map<String, String> environment,
            Map<String, String> systemProperties) {
        String exporter = systemProperties.get("otel.logs.exporter");
        if (!notBlank(exporter)) {
            exporter = environment.get(EnvNames.of("otel.logs.exporter"));
        }
        if (!notBlank(exporter)) {
            exporter = defaults.get("otel.logs.exporter");
        }
        return notBlank(exporter) && !exporter.trim().toLowerCase(Locale.ROOT).equals("none");
    }

    /** Adds the extra log record processors to the logger provider the {@code OTEL_*} settings configure. */
    private static BiFunction<SdkLoggerProviderBuilder, ConfigProperties, SdkLoggerProviderBuilder>
            withLogRecordProcessors(List<LogRecordProcessor> logRecordProcessors) {
        List<LogRecordProcessor> processors = List.copyOf(logRecordProcessors);
        return (builder, config) -> {
            processors.forEach(builder::addLogRecordProcessor);
            return builder;
        };
    }

    private static Resource withFairwayService(Resource resource, String version) {
        ResourceBuilder builder = resource.toBuilder();
        String name = resource.getAttribute(SERVICE_NAME);
        if (name == null || name.startsWith("unknown_service")) {
            builder.put(SERVICE_NAME, "fairway");
        }
        if (resource.getAttribute(SERVICE_VERSION) == null) {
            builder.put(SERVICE_VERSION, version);
        }
        return builder.build();
    }
}
