package dev.fairway.app.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fairway.app.config.ConfigSources;
import dev.fairway.app.metrics.Instruments;
import dev.fairway.app.testing.FailingProviderFactory;
import dev.fairway.app.wiring.Plugins;
import dev.fairway.app.wiring.Wiring;
import dev.fairway.test.support.WsClient;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.PointData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The node's instruments as {@code fairway serve} wires them, read with the SDK's in-memory reader after real
 * WebSocket clients were served: names, units, attributes, values, histogram buckets.
 */
class MetricsEndToEndTest {

    private static final Map<String, String> FAST_FAKE = Map.of(
            "fairway.provider", "fake",
            "fairway.provider.fake.latency.base", "0",
            "fairway.provider.fake.latency.per-token", "0",
            "fairway.provider.fake.latency.jitter", "0",
            "fairway.overload.scheduling-lag", "0",
            "fairway.session.store", "memory",
            "fairway.transport.websocket.port", "0");

    private static final AttributeKey<String> KIND = AttributeKey.stringKey("translation.kind");
    private static final AttributeKey<String> PHASE = AttributeKey.stringKey("phase");
    private static final AttributeKey<String> REASON = AttributeKey.stringKey("reason");
    private static final AttributeKey<String> PROVIDER = AttributeKey.stringKey("provider.name");

    private final HttpClient http = HttpClient.newHttpClient();
    private final List<AutoCloseable> closeLater = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeLater.size() - 1; i >= 0; i--) {
            closeLater.get(i).close();
        }
        http.close();
    }

    private Server start(Map<String, String> overrides, Plugins plugins, InMemoryMetricReader reader) {
        Wiring wiring = Wiring.start(ConfigSources.builder().environment(Map.of()).systemProperties(Map.of())
                .overrides(overrides).build(), plugins, List.of(reader));
        closeLater.add(wiring);
        Server server = Server.create(wiring, plugins);
        closeLater.add(server.transport());
        server.transport().start();
        return server;
    }

    private WsClient client(Server server) throws Exception {
        WsClient client = WsClient.connect(http, server.transport().address());
        closeLater.add(client);
        return client;
    }

    private static Map<String, MetricData> byName(Collection<MetricData> metrics) {
        return metrics.stream().collect(Collectors.toMap(MetricData::getName, Function.identity(), (a, b) -> a));
    }

    private static MetricData metric(Map<String, MetricData> metrics, String name) {
        MetricData m = metrics.get(name);
        assertNotNull(m, "no " + name + " among " + metrics.keySet());
        return m;
    }

    /** The value of a long gauge, counter or up-down counter at exactly these attributes. */
    private static long value(Map<String, MetricData> metrics, String name, Attributes attributes) {
        MetricData m = metric(metrics, name);
        Collection<LongPointData> points = switch (m.getType()) {
            case LONG_GAUGE -> m.getLongGaugeData().getPoints();
            case LONG_SUM -> m.getLongSumData().getPoints();
            default -> throw new AssertionError(name + " is a " + m.getType());
        };
        return points.stream().filter(p -> p.getAttributes().equals(attributes)).findFirst()
                .orElseThrow(() -> new AssertionError(name + " has no point at " + attributes + ": " + points))
                .getValue();
    }

    private static double gauge(Map<String, MetricData> metrics, String name) {
        return metric(metrics, name).getDoubleGaugeData().getPoints().iterator().next().getValue();
    }

    @Test
    void aServedSessionShowsInTheNodesInstruments() throws Exception {
        InMemoryMetricReader reader = InMemoryMetricReader.create();
        Server server = start(FAST_FAKE, Plugins.discover(), reader);
        WsClient c = client(server);
        c.send("{\"type\":\"start\",\"v\":1,\"source\":\"en\",\"target\":\"es\"}");
        c.next("ready");
        c.send("{\"type\":\"final\",\"seq\":1,\"text\":\"Measure me.\"}");
        c.send("{\"type\":\"final\",\"seq\":2,\"text\":\"And me too.\"}");
        assertEquals(1, c.next("translation").path("seq").asLong());
        assertEquals(2, c.next("translation").path("seq").asLong());

        Map<String, MetricData> m = byName(reader.collectAllMetrics());

        Map<String, String> units = new HashMap<>();
        units.put("fairway.sessions.active", "{session}");
        units.put("fairway.queue.length", "{segment}");
        units.put("fairway.provider.calls.active", "{call}");
        units.put("fairway.concurrency.limit", "{call}");
        units.put("fairway.provider.calls", "{call}");
        units.put("fairway.provider.rate_limited", "{response}");
        units.put("fairway.partials.dropped", "{segment}");
        units.put("fairway.limiter.requests.used", "{request}");
        units.put("fairway.limiter.tokens.limit", "{token}");
        units.put("fairway.fairshare.sessions", "{session}");
        units.put("fairway.fairshare.jain", "");
        units.put("fairway.translation.phase.duration", "ms");
        units.put("fairway.session.first_translation.duration", "ms");
        units.put("fairway.translation.failures", "{segment}");
        units.put("fairway.batch.calls", "{call}");
        units.put("fairway.session.store.up", "");
        units.put("fairway.shutdown.elapsed", "s");
        units.forEach((name, unit) -> assertEquals(unit, metric(m, name).getUnit(), name + "'s unit"));

        assertEquals(1, value(m, "fairway.sessions.active", Attributes.empty()));
        assertEquals(0, value(m, "fairway.queue.length", Attributes.of(KIND, "final")));
        assertEquals(0, value(m, "fairway.queue.length", Attributes.of(KIND, "partial")));
        assertEquals(2, value(m, "fairway.provider.calls", Attributes.of(PROVIDER, "fake")));
        assertEquals(0, value(m, "fairway.provider.rate_limited", Attributes.of(PROVIDER, "fake")));
        assertEquals(4500, value(m, "fairway.limiter.requests.limit", Attributes.empty()));
        assertEquals(2, value(m, "fairway.limiter.requests.used", Attributes.empty()));
        assertEquals(2, value(m, "fairway.session.requests.max", Attributes.empty()));
        assertEquals(1, value(m, "fairway.limiter.sessions", Attributes.empty()));
        assertEquals(0, value(m, "fairway.limiter.paused", Attributes.empty()));
        assertEquals(1, value(m, "fairway.fairshare.sessions", Attributes.of(AttributeKey.stringKey("state"),
                "within")));
        assertEquals(1.0, gauge(m, "fairway.fairshare.jain"));
        assertEquals(0, value(m, "fairway.translation.failures", Attributes.of(KIND, "final", REASON,
                "retries_exhausted")), "a final's failures start at 0");
        assertEquals(1, value(m, "fairway.session.store.up", Attributes.of(AttributeKey.stringKey("store"),
                "memory")));
        assertEquals(0.0, gauge(m, "fairway.shutdown.elapsed"));
        assertEquals(10.0, gauge(m, "fairway.shutdown.grace"));

        for (String phase : List.of("queue", "limiter", "provider")) {
            HistogramPointData p = histogramPoint(m, "fairway.translation.phase.duration",
                    Attributes.of(KIND, "final", PHASE, phase));
            assertEquals(2, p.getCount(), phase);
            assertEquals(Instruments.LATENCY_BUCKETS_MS, p.getBoundaries(), phase);
        }
        HistogramPointData first = histogramPoint(m, "fairway.session.first_translation.duration",
                Attributes.empty());
        assertEquals(1, first.getCount(), "one session, one first translation");
        // core-queue's histogram gets the same buckets through the SDK's view.
        HistogramPointData duration = histogramPoint(m, "fairway.translation.duration",
                Attributes.of(KIND, "final", AttributeKey.stringKey("outcome"), "delivered"));
        assertEquals(Instruments.LATENCY_BUCKETS_MS, duration.getBoundaries());

        for (MetricData metric : m.values()) {
            for (PointData p : metric.getData().getPoints()) {
                assertNull(p.getAttributes().get(AttributeKey.stringKey("session.id")),
                        metric.getName() + " is labelled by session (unbounded cardinality)");
            }
        }
    }

    private static HistogramPointData histogramPoint(Map<String, MetricData> m, String name, Attributes attributes) {
        return metric(m, name).getHistogramData().getPoints().stream()
                .filter(p -> p.getAttributes().equals(attributes)).findFirst()
                .orElseThrow(() -> new AssertionError(name + " has no point at " + attributes));
    }

    @Test
    void aFailedFinalIsCountedByReasonAndItsRateLimitByProvider() throws Exception {
        InMemoryMetricReader reader = InMemoryMetricReader.create();
        Server server = start(Map.of("fairway.provider", "limited", "fairway.queue.final-max-attempts", "1",
                "fairway.overload.scheduling-lag", "0", "fairway.transport.websocket.port", "0"),
                Plugins.of(List.of(new FailingProviderFactory()), Plugins.discover().transports()), reader);
        WsClient c = client(server);
        c.send("{\"type\":\"start\",\"v\":1,\"source\":\"en\",\"target\":\"es\"}");
        c.next("ready");
        c.send("{\"type\":\"final\",\"seq\":1,\"text\":\"Refused.\"}");
        JsonNode error = c.next("error");
        assertEquals("failed", error.path("code").asText(), error.toString());

        Map<String, MetricData> m = byName(reader.collectAllMetrics());

        assertEquals(1, value(m, "fairway.translation.failures", Attributes.of(KIND, "final", REASON,
                "retries_exhausted")));
        assertEquals(1, value(m, "fairway.provider.rate_limited", Attributes.of(PROVIDER, "limited")));
        assertEquals(1, value(m, "fairway.provider.calls", Attributes.of(PROVIDER, "limited")));
        assertNull(m.get("fairway.session.first_translation.duration"), "nothing was translated");
    }
}
