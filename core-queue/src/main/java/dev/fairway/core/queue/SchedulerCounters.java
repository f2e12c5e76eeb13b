package dev.fairway.core.queue;

import java.util.concurrent.atomic.LongAdder;

/** The scheduler-wide counters of its status, and the queue-wait histogram; all lock-free. */
final class SchedulerCounters {

    final LongAdder estimatedTokensUsed = new LongAdder();
    final LongAdder providerCalls = new LongAdder();
    final LongAdder deduplicated = new LongAdder();
    final LongAdder retries = new LongAdder();
    final LongAdder delivered = new LongAdder();
    final LongAdder failed = new LongAdder();
    final LongAdder superseded = new LongAdder();
    final LongAdder droppedStale = new LongAdder();
    /** Provider answers that were a 429 (rate limited). */
    final LongAdder rateLimitedResponses = new LongAdder();
    /** Batch calls sent (each also counts in {@link #providerCalls}). */
    final LongAdder batchCalls = new LongAdder();
    /** Segments sent in batch calls. */
    final LongAdder batchedSegments = new LongAdder();
    /** Segments a batch's answer left out, sent again on their own. */
    final LongAdder batchFallbacks = new LongAdder();
    /** Acceptance to first dispatch. */
    final LatencyHistogram queueWait = new LatencyHistogram();
}
