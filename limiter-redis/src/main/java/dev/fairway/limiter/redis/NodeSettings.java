package dev.fairway.limiter.redis;

import dev.fairway.core.limiter.FairSharePolicy;
import dev.fairway.core.limiter.RateLimiterSettings;

/**
 * The settings of one node, in the units its parts count in (ms): the shared limits and those of the
 * Redis store, derived once from the builder.
 */
record NodeSettings(String nodeId, long requestsPerMinute, long tokensPerMinute, long inputTokensPerMinute,
        long outputTokensPerMinute, boolean split, FairSharePolicy policy, int lease, long leaseTtlMs,
        long pacingBurstMs, long timeoutMs, long connectTimeoutMs, long idleMs, long heartbeatMs,
        long contentionMs, long syncMs, long nodeTtlMs, long keyTtlMs, long bucketMs, long buckets,
        long probeMinMs, long probeMaxMs, int fallbackNodes) {

    static NodeSettings of(RateLimiterSettings settings, RedisRateLimiter.Builder b, String nodeId) {
        long idleMs = settings.idleTimeout().toMillis();
        long syncMs = b.syncInterval.toMillis();
        long nodeTtlMs = Math.max(5_000, 10 * syncMs);
        long bucketMs = settings.bucketWidth().toMillis();
        return new NodeSettings(nodeId, settings.requestsPerMinute(), settings.tokensPerMinute(),
                settings.inputTokensPerMinute(), settings.outputTokensPerMinute(), settings.split(),
                settings.policy(), b.lease, b.leaseTtl.toMillis(), b.pacingBurst.toMillis(),
                b.commandTimeout.toMillis(), b.connectTimeout.toMillis(), idleMs, Math.max(1, idleMs / 4),
                settings.contentionTimeout().toMillis(), syncMs, nodeTtlMs,
                Math.max(Millis.WINDOW + bucketMs, Math.max(idleMs, nodeTtlMs)) + 10_000, bucketMs,
                Millis.WINDOW / bucketMs, b.probeBackoffMin.toMillis(), b.probeBackoffMax.toMillis(),
                b.fallbackNodes);
    }

    /** What a window that is not configured is asked for: nothing. */
    long inputNeed(long in) {
        return inputTokensPerMinute > 0 ? in : 0;
    }

    long outputNeed(long out) {
        return outputTokensPerMinute > 0 ? out : 0;
    }
}
