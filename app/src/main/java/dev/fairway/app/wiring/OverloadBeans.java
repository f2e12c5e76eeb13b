package dev.fairway.app.wiring;

import dev.fairway.app.config.ConfigKeys;
import dev.fairway.app.config.FairwayConfig;
import dev.fairway.app.overload.OverloadMonitor;
import dev.fairway.app.overload.OverloadProbe;
import dev.fairway.app.overload.OverloadSettings;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.Meter;
import jakarta.inject.Singleton;

import java.time.Duration;

/**
 * Admission control of a serving node: the overload monitor with the configured thresholds, its metrics, and
 * the probe that feeds it (started when a server is built, stopped with the bean context).
 */
@Factory
public class OverloadBeans {

    /** Creates the factory; Micronaut calls it. */
    public OverloadBeans() {
    }

    /**
     * The monitor, with its gauges on the application's meter.
     *
     * @param config the thresholds
     * @param openTelemetry for the gauges
     * @return the monitor
     */
    @Singleton
    OverloadMonitor overloadMonitor(FairwayConfig config, OpenTelemetry openTelemetry) {
        OverloadMonitor monitor = new OverloadMonitor(new OverloadSettings(
                config.get(ConfigKeys.OVERLOAD_SCHEDULING_LAG), config.get(ConfigKeys.OVERLOAD_QUEUE_WAIT),
                config.get(ConfigKeys.OVERLOAD_HEAP_PERCENT), Duration.ofSeconds(5)));
        Meter meter = openTelemetry.getMeter("dev.fairway.app");
        meter.gaugeBuilder("fairway.overload.scheduling_lag").setUnit("ms")
                .setDescription("Median lag of the node's threads over the last second")
                .buildWithCallback(m -> m.record(monitor.signals().lagMicros() / 1000.0));
        meter.gaugeBuilder("fairway.overload.queue_wait.p95").setUnit("ms")
                .setDescription("95th percentile queue wait of translations of the last three seconds")
                .buildWithCallback(m -> m.record(monitor.signals().queueWaitP95Micros() / 1000.0));
        meter.gaugeBuilder("fairway.overload.heap_after_gc").setUnit("%")
                .setDescription("Heap in use after garbage collection, percent of the maximum heap")
                .buildWithCallback(m -> m.record(monitor.signals().heapPercent()));
        AttributeKey<String> signal = AttributeKey.stringKey("signal");
        meter.gaugeBuilder("fairway.overload.saturated").ofLongs()
                .setDescription("1 while a saturation signal is over its threshold and new sessions are refused")
                .buildWithCallback(m -> {
                    OverloadMonitor.Signals s = monitor.signals();
                    m.record(s.lagOver() ? 1 : 0, Attributes.of(signal, "scheduling_lag"));
                    m.record(s.queueOver() ? 1 : 0, Attributes.of(signal, "queue_wait"));
                    m.record(s.heapOver() ? 1 : 0, Attributes.of(signal, "heap"));
                });
        return monitor;
    }

    /**
     * The probe, running from its creation until the bean context closes.
     *
     * @param monitor what it feeds
     * @return the running probe
     */
    @Singleton
    @Bean(preDestroy = "close")
    OverloadProbe overloadProbe(OverloadMonitor monitor) {
        return OverloadProbe.start(monitor);
    }
}
