package dev.fairway.core.limiter;

import dev.fairway.api.limit.RateLimiter;
import dev.fairway.limiter.tck.ContractSettings;
import dev.fairway.test.support.ManualClock;
import dev.fairway.limiter.tck.RateLimiterContract;

/** The rate limiter contract against the in-memory store. */
class MemoryRateLimiterContractTest extends RateLimiterContract {

    @Override
    protected RateLimiter create(ContractSettings settings, ManualClock clock) {
        return FairShareRateLimiter.builder()
                .requestsPerMinute(settings.requestsPerMinute())
                .tokensPerMinute(settings.tokensPerMinute())
                .inputTokensPerMinute(settings.inputTokensPerMinute())
                .outputTokensPerMinute(settings.outputTokensPerMinute())
                .policy(FairSharePolicy.ofConfigName(settings.policy().configName()))
                .finalHeadroom(settings.finalHeadroomPercent())
                .maxRetryAfter(settings.maxRetryAfter())
                .random(settings.random())
                .clock(clock)
                .build();
    }
}
