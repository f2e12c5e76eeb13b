package dev.fairway.app.wiring;

import dev.fairway.api.InvalidConfigurationException;
import dev.fairway.api.NanoClock;
import dev.fairway.api.TranslationScheduler;
import dev.fairway.api.limit.ConcurrencyLimiter;
import dev.fairway.api.limit.RateLimiter;
import dev.fairway.api.spi.PluginConfig.DurationText;
import dev.fairway.api.spi.TranslationProvider;
import dev.fairway.app.config.ConfigKey;
import dev.fairway.app.config.ConfigKeys;
import dev.fairway.app.config.FairwayConfig;
import dev.fairway.app.config.StartupException;
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

import java.time.Duration;
import java.time.InstantSource;
import java.util.StringJoiner;
import java.util.function.Consumer;
import java.util.function.Supplier;

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
            RedisRateLimiter.Builder redis = RedisRateLimiter.builder();
            set(config, ConfigKeys.LIMITER_REDIS_URI, redis::uri);
            set(config, ConfigKeys.LIMITER_REDIS_KEY_PREFIX, redis::keyPrefix);
            set(config, ConfigKeys.LIMITER_RPM, v -> redis.requestsPerMinute(v));
            set(config, ConfigKeys.LIMITER_TPM, v -> redis.tokensPerMinute(v));
            set(config, ConfigKeys.LIMITER_INPUT_TPM, v -> redis.inputTokensPerMinute(v));
            set(config, ConfigKeys.LIMITER_OUTPUT_TPM, v -> redis.outputTokensPerMinute(v));
            set(config, ConfigKeys.LIMITER_MAX_RETRY_AFTER, redis::maxRetryAfter);
            set(config, ConfigKeys.LIMITER_REDIS_LEASE, redis::lease);
            set(config, ConfigKeys.LIMITER_REDIS_TIMEOUT, redis::commandTimeout);
            set(config, ConfigKeys.LIMITER_REDIS_FALLBACK_NODES, redis::fallbackNodes);
            set(config, ConfigKeys.SESSION_IDLE_TIMEOUT, redis::idleTimeout);
            redis.policy(policy).clock(InstantSource.system()).openTelemetry(openTelemetry);
            if (!"auto".equals(config.get(ConfigKeys.LIMITER_REDIS_NODE_ID))) {
                set(config, ConfigKeys.LIMITER_REDIS_NODE_ID, redis::nodeId);
            }
            return new LimiterStore("redis", build(config, "the Redis rate limiter", redis::build,
                    ConfigKeys.LIMITER_REDIS_URI, ConfigKeys.LIMITER_RPM, ConfigKeys.LIMITER_TPM));
        }
        FairShareRateLimiter.Builder memory = FairShareRateLimiter.builder();
        set(config, ConfigKeys.LIMITER_RPM, v -> memory.requestsPerMinute(v));
        set(config, ConfigKeys.LIMITER_TPM, v -> memory.tokensPerMinute(v));
        set(config, ConfigKeys.LIMITER_INPUT_TPM, v -> memory.inputTokensPerMinute(v));
        set(config, ConfigKeys.LIMITER_OUTPUT_TPM, v -> memory.outputTokensPerMinute(v));
        set(config, ConfigKeys.LIMITER_MAX_RETRY_AFTER, memory::maxRetryAfter);
        set(config, ConfigKeys.SESSION_IDLE_TIMEOUT, memory::idleTimeout);
        memory.policy(policy).clock(clock);
        return new LimiterStore("memory", build(config, "the rate limiter", memory::build,
                ConfigKeys.LIMITER_RPM, ConfigKeys.LIMITER_TPM, ConfigKeys.LIMITER_INPUT_TPM,
                ConfigKeys.LIMITER_OUTPUT_TPM));
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
        return build(config, "the concurrency limiter", () -> {
            ConcurrencyPolicy policy = switch (config.get(ConfigKeys.CONCURRENCY_POLICY)) {
                case "static" -> StaticConcurrencyPolicy.builder().normal(max).rateLimited(min).build();
                default -> AimdConcurrencyPolicy.builder()
                        .floor(min).ceiling(max).initial(Math.max(min, Math.min(max, 64))).slowStart(true).build();
            };
            return BoundedConcurrencyLimiter.builder().policy(policy).clock(clock).build();
        }, ConfigKeys.CONCURRENCY_MIN, ConfigKeys.CONCURRENCY_MAX);
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
        FairScheduler.Builder scheduler = FairScheduler.builder()
                .provider(provider)
                .rateLimiter(rateLimiter)
                .concurrencyLimiter(concurrencyLimiter)
                .threadFactory(Thread.ofVirtual().name("fairway-", 0).factory())
                .openTelemetry(openTelemetry)
                .clock(clock);
        set(config, ConfigKeys.QUEUE_MAX_CONCURRENT, scheduler::maxConcurrent);
        Duration pacing = pacing(config);
        set(config, ConfigKeys.QUEUE_MIN_REQUEST_INTERVAL, ignored -> scheduler.minRequestInterval(pacing));
        set(config, ConfigKeys.QUEUE_PARTIAL_STALE_AFTER, scheduler::partialStaleAfter);
        set(config, ConfigKeys.QUEUE_MAX_QUEUED_FINALS, scheduler::maxQueuedFinalsPerSession);
        set(config, ConfigKeys.QUEUE_FINAL_MAX_ATTEMPTS, scheduler::finalMaxAttempts);
        set(config, ConfigKeys.QUEUE_FINAL_RETRY_DEADLINE, scheduler::finalRetryDeadline);
        set(config, ConfigKeys.LIMITER_MAX_RETRY_AFTER, scheduler::maxRetryAfter);
        scheduler.deduplicate(config.get(ConfigKeys.QUEUE_DEDUPLICATE));
        return build(config, "the scheduler", scheduler::build, ConfigKeys.QUEUE_MAX_CONCURRENT,
                ConfigKeys.QUEUE_MIN_REQUEST_INTERVAL, ConfigKeys.LIMITER_RPM);
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
    static Duration pacing(FairwayConfig config) {
        Duration configured = config.get(ConfigKeys.QUEUE_MIN_REQUEST_INTERVAL);
        if (!configured.isZero()) {
            return configured;
        }
        return Duration.ofNanos(60_000_000_000L / config.get(ConfigKeys.LIMITER_RPM));
    }

    /**
     * Hands a key's value to a component's setter. Each key's range is the one the component checks
     * ({@link ConfigKeys} takes it from the component's constants), so the setter should never refuse
     * it; should it still, the refusal becomes the one-line error of a bad value naming the key, not
     * a bean that failed to build with a dependency-injection path.
     *
     * @param config the configuration
     * @param key the key
     * @param setter the builder's setter
     * @param <T> the key's type
     * @throws InvalidConfigurationException when the setter refuses the value
     */
    static <T> void set(FairwayConfig config, ConfigKey<T> key, Consumer<? super T> setter) {
        T value = config.get(key);
        try {
            setter.accept(value);
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigurationException(key.name(), text(value),
                    key.allowed() + " (refused by the component: " + oneLine(e.getMessage()) + ")");
        }
    }

    /**
     * Builds a component, turning a refusal of the builder (a constraint between several of its
     * values) into one line naming the keys they came from.
     *
     * @param config the configuration
     * @param component what is built, for the message
     * @param build the builder's build
     * @param keys the keys whose values the component got
     * @param <T> the component's type
     * @return the component
     * @throws StartupException when the builder refuses its values
     */
    static <T> T build(FairwayConfig config, String component, Supplier<T> build, ConfigKey<?>... keys) {
        try {
            return build.get();
        } catch (IllegalArgumentException e) {
            StringJoiner values = new StringJoiner(", ");
            for (ConfigKey<?> key : keys) {
                values.add(key.name() + " = '" + text(config.get(key)) + "'");
            }
            throw new StartupException(values + ": " + component + " refuses them: " + oneLine(e.getMessage()), e);
        }
    }

    /** A value as the user wrote it, roughly; a Redis URI's password is never shown. */
    private static String text(Object value) {
        String text = value instanceof Duration d ? DurationText.format(d) : String.valueOf(value);
        return HttpProxies.withoutUserInfo(text);
    }

    /** A component's message on one line, without a URI's password it may quote. */
    private static String oneLine(String message) {
        return HttpProxies.withoutUserInfo(String.valueOf(message).replaceAll("\\s*\\R\\s*", " "));
    }
}
