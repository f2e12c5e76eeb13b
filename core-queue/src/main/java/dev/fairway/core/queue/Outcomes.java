package dev.fairway.core.queue;

import dev.fairway.api.FailureReason;
import dev.fairway.api.PermanentProviderException;
import dev.fairway.api.RateLimitedException;
import dev.fairway.api.SegmentFailure;
import dev.fairway.api.SessionId;
import dev.fairway.api.TransientProviderException;
import dev.fairway.api.Translation;
import dev.fairway.api.TranslationResult;
import dev.fairway.api.limit.RateLimiter;

import java.time.Duration;
import java.util.ArrayDeque;

/**
 * What becomes of a segment once it leaves the dispatcher's hands, and of a session once it is
 * drained, all under the session's lock: a call's outcome taken in (a translation, a retry, a
 * failure), outcomes released to the listener's outbox in sequence order, partials superseded, dropped
 * or held, and the end of each segment. Everything it ends is counted, and its span handed to the
 * operation's {@link Deliveries}.
 */
final class Outcomes {

    private static final String DELIVERED = "delivered";
    private static final String FAILED = "failed";

    private final Settings settings;
    private final SchedulerCounters counters;
    private final SchedulerLifetime lifetime;
    private final SessionRing ring;
    private final InFlightCalls calls;
    private final RateLimiter rateLimiter;
    private final Tracing tracing;

    Outcomes(Settings settings, SchedulerCounters counters, SchedulerLifetime lifetime, SessionRing ring,
            InFlightCalls calls, RateLimiter rateLimiter, Tracing tracing) {
        this.settings = settings;
        this.counters = counters;
        this.lifetime = lifetime;
        this.ring = ring;
        this.calls = calls;
        this.rateLimiter = rateLimiter;
        this.tracing = tracing;
    }

    // ---------------------------------------------------------------- a call's outcome

    /** A segment's call returned with {@code result} or {@code error}: resolve, retry or fail it. */
    void callReturned(SessionQueue s, Segment w, TranslationResult result, Throwable error, long now,
            Deliveries out) {
        if (result != null) {
            w.resolve(new Translation(w.request, result, w.latency(now)));
            if (w.isFinal()) {
                releaseResolved(s, now, out);
            } else {
                partialTranslated(s, w, now, out);
            }
            return;
        }
        if (error instanceof BatchAnswerMissing missing) {
            batchFallback(s, w, missing, now, out);
            return;
        }
        boolean retryable;
        long minDelay = 0;
        FailureReason reason;
        if (error instanceof RateLimitedException e) {
            retryable = true;
            reason = FailureReason.RETRIES_EXHAUSTED;
            // Honoured up to the cap: a provider's header never holds a final longer than that.
            minDelay = e.retryAfter().map(d -> d.compareTo(Duration.ofHours(1)) > 0 ? Long.MAX_VALUE : d.toNanos())
                    .map(n -> Math.min(n, settings.maxRetryAfterNanos())).orElse(0L);
        } else if (error instanceof TransientProviderException || error instanceof InterruptedException) {
            // An interrupt that was not a cancel came from the application (an executor shutting down).
            retryable = true;
            reason = FailureReason.RETRIES_EXHAUSTED;
        } else if (error instanceof PermanentProviderException) {
            retryable = false;
            reason = FailureReason.PERMANENT_PROVIDER_ERROR;
        } else {
            retryable = false;
            reason = FailureReason.INTERNAL;
        }
        String message = describe(error);
        if (!w.isFinal()) {
            partialFailed(s, w, reason, retryable ? "partials are not retried: " + message : message, FAILED, now,
                    out);
            return;
        }
        if (retryable && !ring.isClosed()) {
            long delay = Math.max(backoff(w.attempts), minDelay);
            if (w.attempts < settings.finalMaxAttempts()
                    && now + delay - w.acceptedAt <= settings.finalRetryDeadlineNanos()) {
                w.state = Segment.WAITING_RETRY;
                w.readyAt = now + delay;
                w.waitStart = w.readyAt;
                counters.retries.increment();
                Tracing.retry(w, now, delay, error, message);
                return;
            }
            message = "gave up after " + w.attempts + (w.attempts == 1 ? " attempt" : " attempts") + ": " + message;
        }
        w.resolve(new SegmentFailure(w.request, reason, message));
        releaseResolved(s, now, out);
    }

    /**
     * A batch's answer left the segment out: it goes back to its session's queue, to be sent on its own at once
     * (not counted as an attempt). A partial that a newer one has replaced meanwhile is superseded instead.
     */
    private void batchFallback(SessionQueue s, Segment w, BatchAnswerMissing missing, long now, Deliveries out) {
        counters.batchFallbacks.increment();
        w.single = true;
        w.attempts = Math.max(0, w.attempts - 1);
        Tracing.retry(w, now, 0, missing, missing.getMessage());
        if (w.isFinal()) {
            w.state = Segment.QUEUED;
            w.waitStart = now;
            return;
        }
        if (s.pendingPartial == null && !s.closed) {
            w.state = Segment.QUEUED;
            w.waitStart = now;
            s.pendingPartial = w;
        } else {
            supersede(w, now, out);
        }
    }

    private long backoff(int attempts) {
        long d = settings.retryInitialBackoffNanos();
        for (int i = 1; i < attempts && d < settings.retryMaxBackoffNanos(); i++) {
            d *= 2;
        }
        return Math.min(d, settings.retryMaxBackoffNanos());
    }

    private static String describe(Throwable error) {
        if (error == null) {
            return "the call was not made";
        }
        String m = error.getMessage();
        return m == null || m.isBlank() ? error.getClass().getSimpleName() : m;
    }

    /** The rate limiter says this request could never be admitted (larger than the tokens-per-minute limit). */
    void unadmittable(SessionQueue s, Segment segment, IllegalArgumentException e, long now, Deliveries out) {
        String message = "the request can never be admitted by the rate limiter: " + e.getMessage();
        if (segment.isFinal()) {
            segment.resolve(new SegmentFailure(segment.request, FailureReason.PERMANENT_PROVIDER_ERROR, message));
            releaseResolved(s, now, out);
        } else {
            s.pendingPartial = null;
            partialFailed(s, segment, FailureReason.PERMANENT_PROVIDER_ERROR, message, FAILED, now, out);
        }
    }

    // ---------------------------------------------------------------- in sequence order

    /** Releases the session's resolved finals from the head, then a held partial when its turn has come. */
    void releaseResolved(SessionQueue s, long now, Deliveries out) {
        ArrayDeque<Segment> f = s.finals;
        while (f != null && !f.isEmpty() && f.peekFirst().state == Segment.RESOLVED) {
            Segment head = f.pollFirst();
            release(s, head, head.translation != null ? DELIVERED : FAILED, now, out);
        }
        Segment p = s.heldPartial;
        if (p != null && !s.hasUnresolvedFinals()) {
            s.heldPartial = null;
            releasePartial(s, p, now, out);
        }
    }

    private void partialTranslated(SessionQueue s, Segment p, long now, Deliveries out) {
        if (s.hasUnresolvedFinals()) {
            // Finals submitted before it are not delivered yet: hold it, newest wins.
            if (s.heldPartial != null) {
                supersede(s.heldPartial, now, out);
            }
            s.heldPartial = p;
        } else {
            releasePartial(s, p, now, out);
        }
    }

    private void releasePartial(SessionQueue s, Segment p, long now, Deliveries out) {
        if (p.sequence() > s.lastDelivered && !s.closed) {
            release(s, p, DELIVERED, now, out);
        } else {
            supersede(p, now, out);
        }
    }

    /** A partial that will not be translated: reported when that keeps the order, else only counted. */
    private void partialFailed(SessionQueue s, Segment p, FailureReason reason, String message, String outcome,
            long now, Deliveries out) {
        if (!s.hasUnresolvedFinals() && p.sequence() > s.lastDelivered && !s.closed) {
            p.resolve(new SegmentFailure(p.request, reason, message));
            release(s, p, outcome, now, out);
        } else {
            end(p, outcome, now, out);
        }
    }

    /** A pending partial waited past {@code partialStaleAfter}. */
    void dropStale(SessionQueue s, Segment p, long now, Deliveries out) {
        s.droppedStale++;
        counters.droppedStale.increment();
        long waitedMs = (now - p.acceptedAt) / 1_000_000;
        partialFailed(s, p, FailureReason.STALE, "waited " + waitedMs + " ms for its turn, longer than the "
                + settings.partialStaleAfterNanos() / 1_000_000 + " ms staleness deadline", "stale", now, out);
    }

    /** A resolved segment's outcome goes to the listener's outbox, and the segment ends. */
    private void release(SessionQueue s, Segment segment, String outcome, long now, Deliveries out) {
        s.queueOutcome(segment);
        lifetime.queued(1);
        s.lastDelivered = Math.max(s.lastDelivered, segment.sequence());
        if (segment.translation != null) {
            s.delivered++;
            s.delivered(segment.isFinal(), segment.translation.latency().total().toNanos());
            counters.delivered.increment();
        } else {
            s.failed++;
            counters.failed.increment();
        }
        end(segment, outcome, now, out);
    }

    void supersede(Segment segment, long now, Deliveries out) {
        segment.session.superseded++;
        counters.superseded.increment();
        end(segment, "superseded", now, out);
    }

    /**
     * Nothing more happens to the segment. Its span and the latency metric are ended outside every lock
     * by the operation's thread, counted as undelivered until then; with no-op telemetry, in place.
     */
    void end(Segment segment, String outcome, long now, Deliveries out) {
        Tracing.waitCut(segment, now);
        segment.state = Segment.ENDED;
        lifetime.segmentEnded();
        if (tracing.isNoop()) {
            tracing.end(segment, outcome, now);
            return;
        }
        segment.endOutcome = outcome;
        segment.endedAt = now;
        lifetime.queued(1);
        out.endSpan(segment);
    }

    // ---------------------------------------------------------------- closing

    /** A final arrived, or the session closed: its partials (pending, in flight, held) go. */
    void cancelPartials(SessionQueue s, long now, Deliveries out) {
        if (s.pendingPartial != null) {
            end(s.pendingPartial, "cancelled", now, out);
            s.pendingPartial = null;
        }
        Segment running = s.partialInFlight;
        if (running != null && running.state == Segment.IN_FLIGHT) {
            end(running, "cancelled", now, out);
            calls.detach(running);
        }
        if (s.heldPartial != null) {
            end(s.heldPartial, "cancelled", now, out);
            s.heldPartial = null;
        }
    }

    /** A closed session whose last final was released retires: {@code onClosed}, and it is forgotten. */
    void retireIfDrained(SessionQueue s) {
        if (s.closed && !s.retired && !s.hasUnresolvedFinals()) {
            s.retired = true;
            s.queueCloseEvent();
            lifetime.queued(1);
            lifetime.sessions.remove(s.id, s);
            // Finals sent after close() registered the session again; forget it for good.
            closeInLimiter(s.id);
            ring.forget(s);
        }
    }

    void closeInLimiter(SessionId id) {
        try {
            rateLimiter.closeSession(id);
        } catch (RuntimeException e) {
            FairScheduler.LOG.log(System.Logger.Level.WARNING, "rate limiter failed to close session " + id, e);
        }
    }
}
