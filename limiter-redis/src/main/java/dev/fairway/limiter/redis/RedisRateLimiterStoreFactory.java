package dev.fairway.limiter.redis;

import dev.fairway.api.limit.RateLimiter;
import dev.fairway.api.limit.RateLimiterStore;
import dev.fairway.api.limit.RateLimiterStoreContext;
import dev.fairway.api.limit.RateLimiterStoreFactory;

import java.time.Duration;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code redis} store: a {@link RedisRateLimiter} whose windows and sessions every node with the
 * same Redis and key prefix shares. Besides the options every store shares it reads
 * {@code fairway.limiter.redis.uri}, {@code .key-prefix}, {@code .lease}, {@code .timeout},
 * {@code .fallback-nodes} and {@code .node-id} ({@code auto}: a random id). Nodes compare wall-clock
 * times, so it runs on the system's {@link InstantSource}, not on the context's monotonic clock.
 */
public final class RedisRateLimiterStoreFactory implements RateLimiterStoreFactory {

    /** The value of {@code fairway.limiter.store} that selects this store. */
    public static final String NAME = "redis";

    /** Creates the factory; {@link java.util.ServiceLoader} calls it. */
    public RedisRateLimiterStoreFactory() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public RateLimiterStore create(RateLimiterStoreContext context) {
        RedisRateLimiter.Builder redis = RedisRateLimiter.builder().configure(context);
        context.apply("fairway.limiter.redis.uri", String.class, redis::uri);
        context.apply("fairway.limiter.redis.key-prefix", String.class, redis::keyPrefix);
        context.apply("fairway.limiter.redis.lease", Integer.class, redis::lease);
        context.apply("fairway.limiter.redis.timeout", Duration.class, redis::commandTimeout);
        context.apply("fairway.limiter.redis.fallback-nodes", Integer.class, redis::fallbackNodes);
        if (!"auto".equals(context.value("fairway.limiter.redis.node-id", String.class))) {
            context.apply("fairway.limiter.redis.node-id", String.class, redis::nodeId);
        }
        redis.clock(InstantSource.system()).openTelemetry(context.openTelemetry());
        return new Store(redis.build());
    }

    /** The limiter, its status lines, and its connection closed with the store. */
    private record Store(RedisRateLimiter redis) implements RateLimiterStore {

        @Override
        public RateLimiter limiter() {
            return redis;
        }

        @Override
        public Map<String, Object> status() {
            Map<String, Object> status = new LinkedHashMap<>();
            status.put("store", NAME);
            status.put("degraded", redis.isDegraded());
            status.put("node", redis.nodeId());
            status.put("knownNodes", redis.knownNodes());
            status.put("redisCalls", redis.redisCalls());
            status.put("lease", redis.leaseSize());
            return status;
        }

        /**
         * Not ready while degraded: Redis failed or timed out, and the node admits from its local fallback share
         * until it answers again. Reads the limiter's flag (which starts the background probe when one is due),
         * never calls Redis itself.
         */
        @Override
        public Optional<String> notReadyReason() {
            return redis.isDegraded()
                    ? Optional.of("Redis failed or timed out: the rate limiter admits from this node's fallback share"
                            + " until Redis answers again")
                    : Optional.empty();
        }

        @Override
        public void close() {
            redis.close();
        }
    }
}
