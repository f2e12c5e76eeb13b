package dev.fairway.app.wiring;

import dev.fairway.api.InvalidConfigurationException;
import dev.fairway.api.NanoClock;
import dev.fairway.api.TranslationScheduler;
import dev.fairway.api.limit.ConcurrencyLimiter;
import dev.fairway.api.limit.RateLimiter;
import dev.fairway.api.limit.RateLimiterStore;
import dev.fairway.api.limit.RateLimiterStoreContext;
import dev.fairway.api.limit.RateLimiterStoreFactory;
import dev.fairway.api.spi.PluginConfig.DurationText;
import dev.fairway.api.spi.TranslationProvider;
import dev.fairway.app.config.ConfigKey;
import dev.fairway.app.config.ConfigKeys;
import dev.fairway.app.config.FairwayConfig;
import dev.fairway.app.config.StartupException;
import dev.fairway.core.limiter.AimdConcurrencyPolicy;
import dev.fairway.core.limiter.BoundedConcurrencyLimiter;
import dev.fairway.core.limiter.ConcurrencyPolicy;
import dev.fairway.core.limiter.StaticConcurrencyPolicy;
import dev.fairway.core.queue.BatchMode;
import dev.fairway.core.queue.FairScheduler;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Requires;
import io.opentelemetry.api.OpenTelemetry;
import jakarta.inject.Singleton;

import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.StringJoiner;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Builds the cores from the configuration: the fair-share rate limiter of the store plugin that
 * {@code fairway.limiter.store} names ({@code memory}, or {@code redis} for every node sharing one Redis),
 * the concurrency limiter and the scheduler over the configured provider. The scheduler is closed with
 * the bean context (its unfinished finals are then reported as failed, never dropped silently), then the
 * limiter's store (a shared store returns what it holds and leaves the registry). A scheduler registered as a ready-made
 * singleton (embedding, tests) takes its place.
 */
@Factory
public class SchedulerBeans {

    /** Creates the factory; Micronaut calls it. */
    public SchedulerBeans() {
    }

    /**
     * Where the limiter keeps its windows: the {@link RateLimiterStoreFactory} plugin that
     * {@code fairway.limiter.store} names, closed with the bean context.
     *
     * @param config the configuration
     * @param plugins the plugins on the module path
     * @param clock the node's monotonic clock
     * @param openTelemetry the SDK, for the store's metrics
     * @return the store
     */
    @Singleton
    @Bean(preDestroy = "close")
    RateLimiterStore limiterStore(FairwayConfig config, Plugins plugins, NanoClock clock, OpenTelemetry openTelemetry) {
        String name = config.get(ConfigKeys.LIMITER_STORE);
        RateLimiterStoreFactory factory = plugins.limiterStore(name);
        StoreContext context = new StoreContext(config, clock, openTelemetry);
        try {
            return factory.create(context);
        } catch (IllegalArgumentException e) {
            // The keys the store read are those whose values it refuses together.
            throw refused(config, "the " + name + " rate limiter", e, context.keysRead());
        }
    }

    /**
     * The sliding-window RPM/TPM limiter shared by every session (and, with a shared store, by every node).
     *
     * @param store where its windows live
     * @return the limiter
     */
    @Singleton
    RateLimiter rateLimiter(RateLimiterStore store) {
        return store.limiter();
    }

    /** What a store is given: the application's keys, each read through its declaration in {@link ConfigKeys}. */
    private record StoreContext(FairwayConfig config, NanoClock clock, OpenTelemetry openTelemetry,
            Set<ConfigKey<?>> keysRead) implements RateLimiterStoreContext {

        StoreContext(FairwayConfig config, NanoClock clock, OpenTelemetry openTelemetry) {
            this(config, clock, openTelemetry, new LinkedHashSet<>());
        }

        @Override
        public <T> T value(String key, Class<T> type) {
            ConfigKey<?> declared = ConfigKeys.find(key)
                    .orElseThrow(() -> new IllegalArgumentException("no configuration key " + key + " is declared"));
            Object value = config.get(declared);
            if (!type.isInstance(value)) {
                throw new IllegalArgumentException(key + " is a " + declared.type() + ", not a " + type.getSimpleName());
            }
            keysRead.add(declared);
            return type.cast(value);
        }

        @Override
        public <T> void apply(String key, Class<T> type, Consumer<? super T> setter) {
            T value = value(key, type);
            @SuppressWarnings("unchecked")
            ConfigKey<T> declared = (ConfigKey<T>) ConfigKeys.find(key).orElseThrow();
            set(config, declared, setter);
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
        scheduler.batching(BatchMode.ofConfigName(config.get(ConfigKeys.QUEUE_BATCHING)),
                config.get(ConfigKeys.QUEUE_BATCHING_MAX_SEGMENTS), config.get(ConfigKeys.QUEUE_BATCHING_MAX_TOKENS));
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
            throw refused(config, component, e, List.of(keys));
        }
    }

    private static StartupException refused(FairwayConfig config, String component, IllegalArgumentException e,
            Collection<ConfigKey<?>> keys) {
        StringJoiner values = new StringJoiner(", ");
        for (ConfigKey<?> key : keys) {
            values.add(key.name() + " = '" + text(config.get(key)) + "'");
        }
        return new StartupException(values + ": " + component + " refuses them: " + oneLine(e.getMessage()), e);
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
