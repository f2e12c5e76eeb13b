/**
 * The fair scheduler ({@link dev.fairway.core.queue.FairScheduler}) and its status records
 * ({@link dev.fairway.core.queue.SchedulerStatus}, {@link dev.fairway.core.queue.SessionStatus},
 * {@link dev.fairway.core.queue.LatencyPercentiles}), each with a JSON-ready {@code toMap()} view.
 * Everything else in the package is internal: {@code SegmentLifecycle}, which owns a segment's way
 * (submit, dispatch, complete, deliver) and the parts it is made of, and {@code SchedulerRuntime}, the
 * threads that drive it.
 */
package dev.fairway.core.queue;
