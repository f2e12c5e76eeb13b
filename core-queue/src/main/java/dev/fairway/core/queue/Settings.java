package dev.fairway.core.queue;

/**
 * The scheduler's knobs, fixed when it is built; see {@link FairScheduler.Builder} for their meaning
 * and defaults. Durations are in nanoseconds.
 */
record Settings(
        int maxConcurrent,
        long minRequestIntervalNanos,
        int maxQueuedFinalsPerSession,
        int maxFinalsInFlightPerSession,
        long partialStaleAfterNanos,
        int quantumTokens,
        int finalMaxAttempts,
        long retryInitialBackoffNanos,
        long retryMaxBackoffNanos,
        long finalRetryDeadlineNanos,
        long maxRetryAfterNanos,
        boolean deduplicate,
        BatchMode batching,
        int batchMaxSegments,
        int batchMaxTokens) {
}
