package dev.fairway.app.wiring;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TelemetryTest {

    @Test
    void nothingIsExportedWithoutAnEndpoint() {
        Map<String, String> defaults = Telemetry.defaults(Map.of("PATH", "/usr/bin"), Map.of(), Map.of());

        assertEquals("none", defaults.get("otel.traces.exporter"));
        assertEquals("none", defaults.get("otel.metrics.exporter"));
        assertEquals("none", defaults.get("otel.logs.exporter"));
        assertEquals("http/protobuf", defaults.get("otel.exporter.otlp.protocol"));
    }

    @Test
    void endpointInTheEnvironmentTurnsOnOtlpForTracesAndMetrics() {
        Map<String, String> defaults = Telemetry.defaults(
                Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"), Map.of(), Map.of());

        assertEquals("otlp", defaults.get("otel.traces.exporter"));
        assertEquals("otlp", defaults.get("otel.metrics.exporter"));
        assertEquals("none", defaults.get("otel.logs.exporter"));
    }

    @Test
    void tracesEndpointTurnsOnTracesOnly() {
        Map<String, String> defaults = Telemetry.defaults(Map.of(),
                Map.of("otel.exporter.otlp.traces.endpoint", "http://collector:4318/v1/traces"), Map.of());

        assertEquals("otlp", defaults.get("otel.traces.exporter"));
        assertEquals("none", defaults.get("otel.metrics.exporter"));
    }

    @Test
    void otelKeysOfTheConfigurationFileOverrideTheBuiltInDefaults() {
        Map<String, String> defaults = Telemetry.defaults(Map.of(), Map.of(),
                Map.of("otel.exporter.otlp.endpoint", "http://collector:4318", "otel.metrics.exporter", "none"));

        assertEquals("otlp", defaults.get("otel.traces.exporter"));
        assertEquals("none", defaults.get("otel.metrics.exporter"));
        assertEquals("http://collector:4318", defaults.get("otel.exporter.otlp.endpoint"));
    }

    @Test
    void logsAreExportedWhenTheirExporterIsSetOrTheirEndpoint() {
        Map<String, String> none = Telemetry.defaults(Map.of(), Map.of(), Map.of());
        assertFalse(Telemetry.logsExported(none, Map.of(), Map.of()));
        assertTrue(Telemetry.logsExported(none, Map.of("OTEL_LOGS_EXPORTER", "otlp"), Map.of()));
        assertFalse(Telemetry.logsExported(none, Map.of("OTEL_LOGS_EXPORTER", "otlp"),
                Map.of("otel.logs.exporter", "none")), "a system property wins over the environment");
        assertTrue(Telemetry.logsExported(none, Map.of("OTEL_LOGS_EXPORTER", " "),
                Map.of("otel.logs.exporter", "otlp")));

        Map<String, String> endpoint = Telemetry.defaults(
                Map.of("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", "http://collector:4318/v1/logs"), Map.of(), Map.of());
        assertTrue(Telemetry.logsExported(endpoint, Map.of(), Map.of()));
        assertFalse(Telemetry.logsExported(endpoint, Map.of("OTEL_LOGS_EXPORTER", "NONE"), Map.of()));
        assertFalse(Telemetry.logsExported(Telemetry.defaults(
                Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"), Map.of(), Map.of()), Map.of(), Map.of()),
                "the endpoint of every signal does not turn logs on");
    }

    @Test
    void sdkIsNamedFairwayAndShutsDownCleanly() {
        OpenTelemetrySdk sdk = Telemetry.create(Telemetry.defaults(Map.of(), Map.of(), Map.of()), "1.2.3");
        try {
            Span span = sdk.getTracer("test").spanBuilder("work").startSpan();
            span.end();
            SdkTracerProvider tracerProvider = sdk.getSdkTracerProvider();
            String resource = tracerProvider.toString();
            assertTrue(resource.contains("service.name=\"fairway\"") || resource.contains("service.name=fairway"),
                    resource);
            assertTrue(resource.contains("1.2.3"), resource);
        } finally {
            sdk.close();
        }
        assertEquals(true, sdk.shutdown().isDone());
    }
}
