package dev.fairway.app.metrics;

import dev.fairway.app.testing.StubScheduler;
import dev.fairway.core.limiter.FairShareRateLimiter;
import dev.fairway.test.support.ManualClock;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class NodeMetricsTest {

    private final InMemoryMetricReader reader = InMemoryMetricReader.create();
    private final OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
            .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(reader).build()).build();
    private final ManualClock clock = ManualClock.create();

    @AfterEach
    void close() {
        sdk.close();
    }

    private NodeMetrics metrics(String store, Supplier<Map<String, Object>> status) {
        return new NodeMetrics(sdk, clock, new NodeMetrics.Sources(new StubScheduler(new ArrayList<>()),
                FairShareRateLimiter.builder().requestsPerMinute(600).tokensPerMinute(100_000).clock(clock).build(),
                "fake", store, status, Duration.ofSeconds(10)));
    }

    private MetricData metric(String name) {
        return reader.collectAllMetrics().stream().filter(m -> m.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + name));
    }

    private double gauge(String name) {
        return metric(name).getDoubleGaugeData().getPoints().iterator().next().getValue();
    }

    private long storeUp() {
        return metric("fairway.session.store.up").getLongGaugeData().getPoints().stream()
                .filter(p -> p.getAttributes().equals(Attributes.of(AttributeKey.stringKey("store"), "redis")))
                .findFirst().orElseThrow().getValue();
    }

    @Test
    void shutdownElapsedCountsFromTheStopRequest() {
        NodeMetrics metrics = metrics("none", Map::of);
        clock.advance(Duration.ofMinutes(3));
        assertEquals(0.0, gauge("fairway.shutdown.elapsed"), "serving");

        metrics.stopRequested();
        clock.advance(Duration.ofMillis(12_500));

        assertEquals(12.5, gauge("fairway.shutdown.elapsed"), 1e-9);
        assertEquals(10.0, gauge("fairway.shutdown.grace"));
    }

    @Test
    void sessionStoreThatReportsAnErrorOrThrowsIsDown() {
        AtomicReference<Map<String, Object>> status = new AtomicReference<>(Map.of("store", "redis", "sessions", 3L));
        metrics("redis", () -> {
            Map<String, Object> lines = status.get();
            if (lines == null) {
                throw new IllegalStateException("closed");
            }
            return lines;
        });
        assertEquals(1, storeUp());
        assertEquals(3, metric("fairway.session.store.sessions").getLongSumData().getPoints().iterator().next()
                .getValue());

        status.set(Map.of("store", "redis", "sessions", -1, "error", "Command timed out after 2 second(s)"));
        assertEquals(0, storeUp());

        status.set(null);
        assertEquals(0, storeUp());
    }

    @Test
    void withoutASessionStoreThereIsNoStoreGauge() {
        metrics("none", Map::of);
        assertNull(reader.collectAllMetrics().stream().filter(m -> m.getName().startsWith("fairway.session.store"))
                .findFirst().orElse(null));
    }

    @Test
    void aSchedulerThatIsNotTheFairOneStillGivesTheLimiterFigures() {
        metrics("none", Map::of);
        assertEquals(600, metric("fairway.limiter.requests.limit").getLongGaugeData().getPoints().iterator().next()
                .getValue());
        assertNull(reader.collectAllMetrics().stream().filter(m -> m.getName().equals("fairway.queue.length"))
                .findFirst().orElse(null), "no scheduler status to read");
    }
}
