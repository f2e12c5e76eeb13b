package dev.fairway.limiter.redis;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.metrics.ObservableLongGauge;

import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;

/**
 * What the Redis store counts: script calls and grants (for {@code /status}), and the OpenTelemetry
 * calls and degradations counters and the degraded gauge, each with the node's id. Thread-safe.
 */
final class LimiterMetrics implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(LimiterMetrics.class.getName());

    private final LongAdder redisCalls = new LongAdder();
    private final LongAdder grants = new LongAdder();
    private final LongCounter callCounter;
    private final LongCounter degradationCounter;
    private final ObservableLongGauge degradedGauge;
    private final Attributes attributes;

    LimiterMetrics(OpenTelemetry otel, String nodeId, BooleanSupplier degraded) {
        Meter meter = otel.getMeter("dev.fairway.limiter.redis");
        this.attributes = Attributes.of(AttributeKey.stringKey("fairway.node"), nodeId);
        this.callCounter = meter.counterBuilder("fairway.limiter.redis.calls")
                .setDescription("Round trips to Redis (script calls) made by the rate limiter")
                .setUnit("{call}").build();
        this.degradationCounter = meter.counterBuilder("fairway.limiter.redis.degradations")
                .setDescription("Times the rate limiter lost Redis and fell back to its local share")
                .setUnit("{event}").build();
        this.degradedGauge = meter.gaugeBuilder("fairway.limiter.redis.degraded").ofLongs()
                .setDescription("1 while the rate limiter serves from its local fallback share, 0 on Redis")
                .buildWithCallback(m -> m.record(degraded.getAsBoolean() ? 1 : 0, attributes));
    }

    void called() {
        redisCalls.increment();
        callCounter.add(1, attributes);
    }

    void granted() {
        grants.increment();
    }

    void degraded() {
        degradationCounter.add(1, attributes);
    }

    long calls() {
        return redisCalls.sum();
    }

    long grants() {
        return grants.sum();
    }

    @Override
    public void close() {
        try {
            degradedGauge.close();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "closing the degraded gauge failed", e);
        }
    }
}
