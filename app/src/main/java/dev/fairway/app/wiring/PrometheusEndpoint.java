package dev.fairway.app.wiring;

import io.opentelemetry.exporter.prometheus.PrometheusHttpServer;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigurationException;
import io.opentelemetry.sdk.metrics.SdkMeterProviderBuilder;

import java.util.List;
import java.util.Map;

/**
 * {@code OTEL_METRICS_EXPORTER=prometheus} (alone or beside {@code otlp}): a Prometheus scrape endpoint,
 * {@code http://HOST:PORT/metrics}, served by the OpenTelemetry Prometheus exporter on the JDK's HTTP server.
 * The exporter's jar offers itself to the SDK's autoconfiguration through {@code META-INF/services} only, which
 * the module path ignores for a named module; so the application takes {@code prometheus} out of the exporter
 * list before autoconfiguration reads it, and registers the exporter's reader itself, with the same settings:
 * {@code otel.exporter.prometheus.host} (Fairway's default {@value #DEFAULT_HOST}: loopback, as the transport)
 * and {@code otel.exporter.prometheus.port} ({@value #DEFAULT_PORT}). One instance per SDK built.
 */
final class PrometheusEndpoint {

    static final String EXPORTER = "prometheus";
    static final String METRICS_EXPORTER = "otel.metrics.exporter";
    static final String HOST = "otel.exporter.prometheus.host";
    static final String PORT = "otel.exporter.prometheus.port";
    static final String DEFAULT_HOST = "127.0.0.1";
    static final int DEFAULT_PORT = 9464;

    private volatile boolean enabled;
    private volatile String host = DEFAULT_HOST;
    private volatile int port = DEFAULT_PORT;

    /**
     * A properties customizer: when the metrics exporters include {@code prometheus}, remembers its settings and
     * leaves the other exporters (or {@code none}) to autoconfiguration.
     *
     * @param config the SDK's properties, environment and system properties included
     * @return the properties to override
     */
    Map<String, String> takeOver(ConfigProperties config) {
        List<String> exporters = config.getList(METRICS_EXPORTER);
        if (!exporters.contains(EXPORTER)) {
            return Map.of();
        }
        host = config.getString(HOST, DEFAULT_HOST);
        port = config.getInt(PORT, DEFAULT_PORT);
        if (port < 0 || port > 65_535) {
            throw new ConfigurationException("Invalid value for property " + PORT + "=" + port
                    + ": must be a port, 0 to 65535");
        }
        enabled = true;
        List<String> others = exporters.stream().filter(e -> !e.equals(EXPORTER)).toList();
        return Map.of(METRICS_EXPORTER, others.isEmpty() ? "none" : String.join(",", others));
    }

    /**
     * A meter provider customizer: registers the scrape endpoint when {@link #takeOver} found it asked for.
     *
     * @param builder the meter provider's builder
     * @return the builder
     * @throws ConfigurationException when the endpoint cannot listen on its address
     */
    SdkMeterProviderBuilder register(SdkMeterProviderBuilder builder) {
        if (!enabled) {
            return builder;
        }
        try {
            return builder.registerMetricReader(PrometheusHttpServer.builder().setHost(host).setPort(port).build());
        } catch (RuntimeException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new ConfigurationException("cannot serve Prometheus metrics on " + host + ":" + port + " ("
                    + HOST + ", " + PORT + "): " + cause, e);
        }
    }
}
