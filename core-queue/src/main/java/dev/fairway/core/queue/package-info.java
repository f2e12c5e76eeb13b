/**
 * The fair scheduler ({@link dev.fairway.core.queue.FairScheduler}) and its status records
 * ({@link dev.fairway.core.queue.SchedulerStatus}, {@link dev.fairway.core.queue.SessionStatus},
 * {@link dev.fairway.core.queue.LatencyPercentiles}), each with a JSON-ready {@code toMap()} view.
 * Everything else in the package is internal: the deterministic scheduling core, per-session state,
 * provider calls and the tracing helper.
 */
package dev.fairway.core.queue;
