/**
 * Fairway's scheduler: per-session queues (one pending partial, a bounded FIFO of finals), a fair
 * deficit-round-robin dispatcher that asks the limiters of {@code dev.fairway.api.limit} for permits,
 * and translation workers that run provider calls on the application's (virtual) threads, retry
 * finals, drop stale partials, share identical calls and deliver results in order.
 *
 * <p>{@link dev.fairway.core.queue.FairScheduler} implements the API's
 * {@link dev.fairway.api.TranslationScheduler}; {@link dev.fairway.core.queue.SchedulerStatus} is its
 * status. Depends on the API (and through it the OpenTelemetry API) only.
 */
module dev.fairway.core.queue {
    requires transitive dev.fairway.api;
    // Context hand-off to worker threads; the API jar brings it (an automatic module, so named here).
    requires io.opentelemetry.context;

    exports dev.fairway.core.queue;
}
