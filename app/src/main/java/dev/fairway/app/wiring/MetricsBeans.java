package dev.fairway.app.wiring;

import dev.fairway.api.NanoClock;
import dev.fairway.api.TranslationScheduler;
import dev.fairway.api.limit.RateLimiter;
import dev.fairway.app.config.ConfigKeys;
import dev.fairway.app.config.FairwayConfig;
import dev.fairway.app.metrics.NodeMetrics;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import io.opentelemetry.api.OpenTelemetry;
import jakarta.inject.Singleton;

/**
 * A serving node's metrics over the scheduler, the rate limiter and the session store; their callbacks are
 * removed when the bean context closes.
 */
@Factory
public class MetricsBeans {

    /** Creates the factory; Micronaut calls it. */
    public MetricsBeans() {
    }

    /**
     * The node's metrics, registered on the application's meter.
     *
     * @param config the configuration (provider, session store, shutdown grace)
     * @param scheduler the scheduler
     * @param rateLimiter the rate limiter
     * @param sessions the session store, if sessions are durable
     * @param openTelemetry the SDK
     * @param clock the node's clock
     * @return the metrics
     */
    @Singleton
    @Bean(preDestroy = "close")
    NodeMetrics nodeMetrics(FairwayConfig config, TranslationScheduler scheduler, RateLimiter rateLimiter,
            SessionJournal sessions, OpenTelemetry openTelemetry, NanoClock clock) {
        return new NodeMetrics(openTelemetry, clock, new NodeMetrics.Sources(scheduler, rateLimiter,
                config.get(ConfigKeys.PROVIDER), config.get(ConfigKeys.SESSION_STORE), sessions::status,
                config.get(ConfigKeys.SHUTDOWN_GRACE)));
    }
}
