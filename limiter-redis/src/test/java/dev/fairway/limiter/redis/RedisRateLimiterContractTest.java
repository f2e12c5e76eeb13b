package dev.fairway.limiter.redis;

import dev.fairway.api.limit.RateLimiter;
import dev.fairway.core.limiter.FairSharePolicy;
import dev.fairway.limiter.tck.ContractSettings;
import dev.fairway.test.support.ManualClock;
import dev.fairway.test.support.TestRedis;
import dev.fairway.limiter.tck.RateLimiterContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The rate limiter contract against the Redis store and a real Redis: leasing and shared pacing off, so
 * that every admission is decided by the shared window alone, each limiter under a key prefix of its own.
 */
class RedisRateLimiterContractTest extends RateLimiterContract {

    private static final AtomicInteger PREFIXES = new AtomicInteger();
    private static TestRedis redis;

    @BeforeAll
    static void startRedis() {
        redis = TestRedis.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    /** Every call is a round trip to Redis. */
    @Override
    protected int randomizedSchedules() {
        return 40;
    }

    @Override
    protected RateLimiter create(ContractSettings settings, ManualClock clock) {
        return RedisRateLimiter.builder()
                .requestsPerMinute(settings.requestsPerMinute())
                .tokensPerMinute(settings.tokensPerMinute())
                .inputTokensPerMinute(settings.inputTokensPerMinute())
                .outputTokensPerMinute(settings.outputTokensPerMinute())
                .policy(FairSharePolicy.ofConfigName(settings.policy().configName()))
                .finalHeadroom(settings.finalHeadroomPercent())
                .maxRetryAfter(settings.maxRetryAfter())
                .random(settings.random())
                .uri(redis.uri()).keyPrefix("contract" + PREFIXES.incrementAndGet()).clock(clock)
                .lease(0).pacingBurst(Duration.ZERO).commandTimeout(Duration.ofSeconds(2))
                .build();
    }
}
