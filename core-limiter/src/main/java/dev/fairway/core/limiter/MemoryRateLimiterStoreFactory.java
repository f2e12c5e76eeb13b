package dev.fairway.core.limiter;

import dev.fairway.api.limit.RateLimiter;
import dev.fairway.api.limit.RateLimiterStore;
import dev.fairway.api.limit.RateLimiterStoreContext;
import dev.fairway.api.limit.RateLimiterStoreFactory;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code memory} store: a {@link FairShareRateLimiter} in this process, for a node that alone owns
 * the provider's limits. It reads the options every store shares ({@link RateLimiterSettings.Builder#configure})
 * and runs on the node's monotonic clock.
 */
public final class MemoryRateLimiterStoreFactory implements RateLimiterStoreFactory {

    /** The value of {@code fairway.limiter.store} that selects this store. */
    public static final String NAME = "memory";

    /** Creates the factory; {@link java.util.ServiceLoader} calls it. */
    public MemoryRateLimiterStoreFactory() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public RateLimiterStore create(RateLimiterStoreContext context) {
        FairShareRateLimiter limiter = FairShareRateLimiter.builder().configure(context).clock(context.clock()).build();
        return new Store(limiter);
    }

    private record Store(RateLimiter limiter) implements RateLimiterStore {

        @Override
        public Map<String, Object> status() {
            Map<String, Object> status = new LinkedHashMap<>();
            status.put("store", NAME);
            status.put("degraded", false);
            return status;
        }
    }
}
