package dev.fairway.limiter.redis;

import dev.fairway.core.limiter.FairSharePolicy;
import dev.fairway.core.limiter.RateLimiterSettings;

/**
 * The settings of one node, in the units its parts count in (ms): the shared limits and those of the
 * Redis store, derived once from the builder.
 */
record NodeSettings(String nodeId, long requestsPerMinute, long tokensPerMinute, long inputTokensPerMinute,
        long outputTokensPerMinute, boolean split, FairSharePolicy policy, int finalHeadroomPercent, int lease,
        long leaseTtlMs,
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
                settings.policy(), settings.finalHeadroomPercent(), b.lease, b.leaseTtl.toMillis(),
                b.pacingBurst.toMillis(),
                b.commandTimeout.toMillis(), b.connectTimeout.toMillis(), idleMs, Math.max(1, idleMs / 4),
                settings.contentionTimeout().toMillis(), syncMs, nodeTtlMs,
                Math.max(Millis.WINDOW + bucketMs, Math.max(idleMs, nodeTtlMs)) + 10_000, bucketMs,
                Millis.WINDOW / bucketMs, b.probeBackoffMin.toMillis(), b.probeBackoffMax.toMillis(),
                b.fallbackNodes);
    }

    /** What partials may fill of a limit or a share: the limit less the headroom kept for finals. */
    long partialPart(long limit) {
        return limit * (100 - finalHeadroomPercent) / 100;
    }

    /**
     * What a partial needing {@code need} leaves free in a window of {@code limit} (0: not limited apart):
     * the headroom for finals, but never so much that the need itself cannot fit (a partial larger than
     * the partials' part is admitted into a window that holds nothing else, as in core-limiter).
     */
    long keep(long limit, long need) {
        return limit <= 0 ? 0 : Math.max(0, limit - Math.max(partialPart(limit), need));
    }

    /** Whether a window holding these sums leaves the headroom for finals free in each configured limit. */
    boolean leavesHeadroom(Amounts window) {
        return window.requests() <= Math.max(1, partialPart(requestsPerMinute))
                && window.tokens() <= partialPart(tokensPerMinute)
                && (inputTokensPerMinute == 0 || window.input() <= partialPart(inputTokensPerMinute))
                && (outputTokensPerMinute == 0 || window.output() <= partialPart(outputTokensPerMinute));
    }

    /** What a window that is not configured is asked for: nothing. */
    long inputNeed(long in) {
        return inputTokensPerMinute > 0 ? in : 0;
    }

    long outputNeed(long out) {
        return outputTokensPerMinute > 0 ? out : 0;
    }
}
