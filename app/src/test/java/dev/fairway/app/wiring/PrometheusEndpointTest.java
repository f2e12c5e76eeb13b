package dev.fairway.app.wiring;

import dev.fairway.app.config.StartupException;
import dev.fairway.test.support.TestRedis;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.spi.internal.DefaultConfigProperties;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PrometheusEndpointTest {

    private static Map<String, String> prometheusOn(int port) {
        Map<String, String> defaults = new HashMap<>(Telemetry.defaults(Map.of(), Map.of(), Map.of()));
        defaults.put("otel.metrics.exporter", "prometheus");
        defaults.put("otel.exporter.prometheus.port", Integer.toString(port));
        return defaults;
    }

    @Test
    void prometheusIsTakenOutOfTheExportersAutoconfigurationReads() {
        PrometheusEndpoint endpoint = new PrometheusEndpoint();

        assertEquals(Map.of("otel.metrics.exporter", "otlp"), endpoint.takeOver(DefaultConfigProperties.createFromMap(
                Map.of("otel.metrics.exporter", "otlp,prometheus"))));
        assertEquals(Map.of("otel.metrics.exporter", "none"), endpoint.takeOver(DefaultConfigProperties.createFromMap(
                Map.of("otel.metrics.exporter", "prometheus"))));
        assertEquals(Map.of(), new PrometheusEndpoint().takeOver(DefaultConfigProperties.createFromMap(
                Map.of("otel.metrics.exporter", "otlp"))));
    }

    @Test
    void scrapeEndpointServesFairwayHistogramsWithTheirBucketsUntilTheSdkCloses() throws Exception {
        int port = TestRedis.freePort();
        OpenTelemetrySdk sdk = Telemetry.create(prometheusOn(port), "1.2.3");
        String body;
        try (HttpClient http = HttpClient.newHttpClient()) {
            Meter meter = sdk.getMeter("test");
            meter.histogramBuilder("fairway.test.duration").setUnit("ms").build().record(7);
            meter.counterBuilder("fairway.test.calls").build().add(3);
            body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } finally {
            sdk.close();
        }

        assertTrue(body.contains("fairway_test_calls_total{otel_scope_name=\"test\"} 3.0"), body);
        assertTrue(body.contains("fairway_test_duration_milliseconds_bucket{otel_scope_name=\"test\",le=\"5.0\"} 0"),
                body);
        assertTrue(body.contains("fairway_test_duration_milliseconds_bucket{otel_scope_name=\"test\",le=\"10.0\"} 1"),
                body);
        assertTrue(body.contains("le=\"60000.0\"} 1"), body);
        assertTrue(body.contains("service_name=\"fairway\""), body);
        try (ServerSocket again = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            assertEquals(port, again.getLocalPort(), "the SDK's close released the port");
        }
    }

    @Test
    void portInUseStopsStartUpWithOneLine() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            StartupException e = assertThrows(StartupException.class,
                    () -> Telemetry.create(prometheusOn(taken.getLocalPort()), "1.2.3").close());
            assertTrue(e.getMessage().startsWith("OpenTelemetry: cannot serve Prometheus metrics on 127.0.0.1:"
                    + taken.getLocalPort()), e.getMessage());
            assertTrue(!e.getMessage().contains("\n"), e.getMessage());
        }
    }

    @Test
    void portThatIsNotANumberIsRefused() {
        Map<String, String> defaults = prometheusOn(9464);
        defaults.put("otel.exporter.prometheus.port", "metrics");

        StartupException e = assertThrows(StartupException.class, () -> Telemetry.create(defaults, "1.2.3").close());

        assertTrue(e.getMessage().contains("otel.exporter.prometheus.port"), e.getMessage());
    }
}
