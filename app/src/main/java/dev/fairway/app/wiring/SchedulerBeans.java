package dev.fairway.app.wiring;

import dev.fairway.api.NanoClock;
import dev.fairway.api.TranslationScheduler;
import dev.fairway.api.limit.ConcurrencyLimiter;
import dev.fairway.api.limit.RateLimiter;
import dev.fairway.api.spi.TranslationProvider;
import dev.fairway.app.config.ConfigKeys;
import dev.fairway.app.config.FairwayConfig;
import dev.fairway.core.limiter.AimdConcurrencyPolicy;
import dev.fairway.core.limiter.BoundedConcurrencyLimiter;
import dev.fairway.core.limiter.ConcurrencyPolicy;
import dev.fairway.core.limiter.FairSharePolicy;
import dev.fairway.core.limiter.FairShareRateLimiter;
import dev.fairway.core.limiter.StaticConcurrencyPolicy;
import dev.fairway.core.queue.FairScheduler;
import dev.fairway.limiter.redis.RedisRateLimiter;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Requires;
import io.opentelemetry.api.OpenTelemetry;
import jakarta.inject.Singleton;

import java.time.InstantSource;

/**
 * Builds the cores from the configuration: the fair-share rate limiter (in memory, or shared by every
 * node through Redis when {@code fairway.limiter.store = redis}), the concurrency limiter and the
 * scheduler over the configured provider. The scheduler is closed with the bean context (its
 * unfinished finals are then reported as failed, never dropped silently), then the limiter's store (the
 * Redis limiter returns its lease and leaves the registry). A scheduler registered as a ready-made
 * singleton (embedding, tests) takes its place.
 */
@Factory
public class SchedulerBeans {

    /** Creates the factory; Micronaut calls it. */
    public SchedulerBeans() {
    }

    /**
     * Where the limiter keeps its windows, closed with the bean context.
     *
     * @param config the configuration
     * @param clock the clock of the in-memory limiter
     * @param openTelemetry the SDK, for the Redis limiter's calls and degraded-state metrics
     * @return the store
     */
    @Singleton
    @Bean(preDestroy = "close")
    LimiterStore limiterStore(FairwayConfig config, NanoClock clock, OpenTelemetry openTelemetry) {
        FairSharePolicy policy = switch (config.get(ConfigKeys.LIMITER_POLICY)) {
            case "static-split" -> FairSharePolicy.STATIC_SPLIT;
            case "none" -> FairSharePolicy.NONE;
            default -> FairSharePolicy.MAX_MIN;
        };
        if ("redis".equals(config.get(ConfigKeys.LIMITER_STORE))) {
            RedisRateLimiter.Builder redis = RedisRateLimiter.builder()
                    .uri(config.get(ConfigKeys.LIMITER_REDIS_URI))
                    .keyPrefix(config.get(ConfigKeys.LIMITER_REDIS_KEY_PREFIX))
                    .requestsPerMinute(config.get(ConfigKeys.LIMITER_RPM))
                    .tokensPerMinute(config.get(ConfigKeys.LIMITER_TPM))
                    .inputTokensPerMinute(config.get(ConfigKeys.LIMITER_INPUT_TPM))
                    .outputTokensPerMinute(config.get(ConfigKeys.LIMITER_OUTPUT_TPM))
                    .maxRetryAfter(config.get(ConfigKeys.LIMITER_MAX_RETRY_AFTER))
                    .policy(policy)
                    .lease(config.get(ConfigKeys.LIMITER_REDIS_LEASE))
                    .commandTimeout(config.get(ConfigKeys.LIMITER_REDIS_TIMEOUT))
                    .fallbackNodes(config.get(ConfigKeys.LIMITER_REDIS_FALLBACK_NODES))
                    .idleTimeout(config.get(ConfigKeys.SESSION_IDLE_TIMEOUT))
                    .clock(InstantSource.system())
                    .openTelemetry(openTelemetry);
            String nodeId = config.get(ConfigKeys.LIMITER_REDIS_NODE_ID);
            if (!"auto".equals(nodeId)) {
                redis.nodeId(nodeId);
            }
            return new LimiterStore("redis", redis.build());
        }
        return new LimiterStore("memory", FairShareRateLimiter.builder()
                .requestsPerMinute(config.get(ConfigKeys.LIMITER_RPM))
                .tokensPerMinute(config.get(ConfigKeys.LIMITER_TPM))
                .inputTokensPerMinute(config.get(ConfigKeys.LIMITER_INPUT_TPM))
                .outputTokensPerMinute(config.get(ConfigKeys.LIMITER_OUTPUT_TPM))
                .maxRetryAfter(config.get(ConfigKeys.LIMITER_MAX_RETRY_AFTER))
                .policy(policy)
                .idleTimeout(config.get(ConfigKeys.SESSION_IDLE_TIMEOUT))
                .clock(clock)
                .build());
    }

    /**
     * The sliding-window RPM/TPM limiter shared by every session (and, with the Redis store, by every node).
     *
     * @param store where its windows live
     * @return the limiter
     */
    @Singleton
    RateLimiter rateLimiter(LimiterStore store) {
        return store.limiter();
    }

    /**
     * The rate limiter with the name of its store; closing it closes the limiter when it holds resources
     * (the Redis connection).
     *
     * @param name {@code memory} or {@code redis}
     * @param limiter the limiter
     */
    public record LimiterStore(String name, RateLimiter limiter) implements AutoCloseable {

        @Override
        public void close() {
            if (limiter instanceof AutoCloseable closeable) {
                try {
                    closeable.close();
                } catch (RuntimeException e) {
                    throw e;
                } catch (Exception e) {
                    throw new IllegalStateException("closing the " + name + " rate limiter failed", e);
                }
            }
        }
    }

    /**
     * The bound on provider calls in flight: adaptive (AIMD) or the original's static 5 / 2.
     *
     * @param config the configuration
     * @param clock the clock
     * @return the limiter
     */
    @Singleton
    ConcurrencyLimiter concurrencyLimiter(FairwayConfig config, NanoClock clock) {
        int max = config.get(ConfigKeys.CONCURRENCY_MAX);
        int min = config.get(ConfigKeys.CONCURRENCY_MIN);
        ConcurrencyPolicy policy = switch (config.get(ConfigKeys.CONCURRENCY_POLICY)) {
            case "static" -> StaticConcurrencyPolicy.builder().normal(max).rateLimited(min).build();
            default -> AimdConcurrencyPolicy.builder()
                    .floor(min).ceiling(max).initial(Math.max(min, Math.min(max, 64))).slowStart(true).build();
        };
        return BoundedConcurrencyLimiter.builder().policy(policy).clock(clock).build();
    }

    /**
     * The scheduler: per-session queues and the fair dispatcher, calling the provider on virtual threads.
     *
     * @param config the configuration
     * @param provider the configured provider
     * @param rateLimiter the rate limiter
     * @param concurrencyLimiter the concurrency limiter
     * @param openTelemetry the SDK, for a span per translation request
     * @param clock the clock
     * @return the scheduler
     */
    @Singleton
    @Bean(preDestroy = "close")
    @Requires(missingBeans = TranslationScheduler.class)
    TranslationScheduler scheduler(FairwayConfig config, TranslationProvider provider, RateLimiter rateLimiter,
            ConcurrencyLimiter concurrencyLimiter, OpenTelemetry openTelemetry, NanoClock clock) {
        return FairScheduler.builder()
                .provider(provider)
                .rateLimiter(rateLimiter)
                .concurrencyLimiter(concurrencyLimiter)
                .threadFactory(Thread.ofVirtual().name("fairway-", 0).factory())
                .openTelemetry(openTelemetry)
                .clock(clock)
                .maxConcurrent(config.get(ConfigKeys.QUEUE_MAX_CONCURRENT))
                .minRequestInterval(pacing(config))
                .partialStaleAfter(config.get(ConfigKeys.QUEUE_PARTIAL_STALE_AFTER))
                .maxQueuedFinalsPerSession(config.get(ConfigKeys.QUEUE_MAX_QUEUED_FINALS))
                .finalMaxAttempts(config.get(ConfigKeys.QUEUE_FINAL_MAX_ATTEMPTS))
                .finalRetryDeadline(config.get(ConfigKeys.QUEUE_FINAL_RETRY_DEADLINE))
                .maxRetryAfter(config.get(ConfigKeys.LIMITER_MAX_RETRY_AFTER))
                .deduplicate(config.get(ConfigKeys.QUEUE_DEDUPLICATE))
                .build();
    }

    /**
     * The least time between two dispatches. {@code fairway.queue.min-request-interval = 0} (the default)
     * follows the limit: 60 s / rpm, so a minute's budget is spread over the minute. Without it a sliding
     * window admits the whole minute's budget in a burst and then refuses everyone, finals included, until
     * the burst slides out (measured with the load tool: finals waited 33 s at p95 with 10 sessions over a 600 RPM limit without pacing, 1.7 s with it).
     * A positive value is used as it is (the original's 50 ms, for example).
     *
     * @param config the configuration
     * @return the interval
     */
    static java.time.Duration pacing(FairwayConfig config) {
        java.time.Duration configured = config.get(ConfigKeys.QUEUE_MIN_REQUEST_INTERVAL);
        if (!configured.isZero()) {
            return configured;
        }
        return java.time.Duration.ofNanos(60_000_000_000L / config.get(ConfigKeys.LIMITER_RPM));
    }
}
