package dev.fairway.core.queue;

import dev.fairway.api.LatencyBreakdown;
import dev.fairway.api.SegmentFailure;
import dev.fairway.api.Translation;
import dev.fairway.api.TranslationRequest;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;

import java.time.Duration;
import java.util.ArrayList;

/**
 * One accepted segment (a partial or a final), from its submit to its end. Every field but the final
 * ones is guarded by its session's lock.
 *
 * <p>Its states: {@link #QUEUED} until a dispatch, {@link #IN_FLIGHT} while its call runs,
 * {@link #WAITING_RETRY} when a final's call failed and it waits for its backoff, {@link #RESOLVED}
 * when its outcome is known but waits for earlier finals, {@link #ENDED} when nothing more happens to
 * it (delivered, reported, superseded, dropped or cancelled).
 */
final class Segment {

    /** Waiting for its first dispatch. */
    static final byte QUEUED = 0;
    /** A final waiting to be retried at {@link #readyAt}. */
    static final byte WAITING_RETRY = 1;
    /** Being translated ({@link #call} is set). */
    static final byte IN_FLIGHT = 2;
    /** Translated or failed, its outcome held until earlier finals of the session are delivered. */
    static final byte RESOLVED = 3;
    /** Delivered, reported, superseded, dropped or cancelled: nothing more happens to it. */
    static final byte ENDED = 4;

    final SessionQueue session;
    final TranslationRequest request;
    final long acceptedAt;
    /** The wall-clock time of {@link #acceptedAt}, in nanoseconds since the epoch: the anchor of its span's times. */
    final long acceptedAtEpoch;
    final Span span;
    /** The context of the submit plus {@link #span}: made current on the worker thread. */
    final Context context;
    /** What identical requests share, or null when the scheduler does not deduplicate. */
    final DedupKey key;
    /** The output part of the token estimate, for limiters with separate input and output budgets; -1: unknown. */
    final int outputCost;

    byte state = QUEUED;
    boolean refused;
    boolean deduplicated;
    /** A batch's answer left it out: it goes on its own from now on. */
    boolean single;
    int attempts;
    long readyAt;
    /** When the current wait for a dispatch began: acceptance, or the end of a retry's backoff. */
    long waitStart;
    /** When the rate limiter first refused the session while this segment was its next one. */
    long refusedAt;
    long dispatchedAt;
    long queueNanos;
    long limiterNanos;
    long providerNanos;
    Call call;
    /** Its outcome once {@link #RESOLVED}: a translation, or else {@link #failure}. Read by the deliverer. */
    Translation translation;
    /** Its outcome once {@link #RESOLVED} when it failed. Read by the deliverer. */
    SegmentFailure failure;
    /** Once {@link #ENDED}: how it ended and when, for its span and the latency metric (ended outside the locks). */
    String endOutcome;
    long endedAt;
    /** Its waits, for its span's children; null unless its span records. */
    ArrayList<Tracing.Phase> phases;

    Segment(SessionQueue session, TranslationRequest request, int outputCost, long acceptedAt, long acceptedAtEpoch,
            Span span, Context context, DedupKey key) {
        this.session = session;
        this.outputCost = outputCost;
        this.key = key;
        this.request = request;
        this.acceptedAt = acceptedAt;
        this.acceptedAtEpoch = acceptedAtEpoch;
        this.waitStart = acceptedAt;
        this.span = span;
        this.context = context;
    }

    boolean isFinal() {
        return request.isFinal();
    }

    long sequence() {
        return request.sequence();
    }

    int cost() {
        return request.estimatedTokens();
    }

    /** Whether it is queued or waiting for a retry: work its session still has to dispatch. */
    boolean awaitsDispatch() {
        return state == QUEUED || state == WAITING_RETRY;
    }

    void resolve(Translation value) {
        state = RESOLVED;
        translation = value;
    }

    void resolve(SegmentFailure value) {
        state = RESOLVED;
        failure = value;
    }

    /**
     * Accounts the wait that a dispatch ends ({@code joined}: it joined an identical call in flight)
     * and counts the attempt.
     */
    void dispatched(long now, boolean joined) {
        // Passes run in parallel, each with the time it started: a refusal may carry a later time than
        // the pass that dispatches the segment. Clamp, so no duration comes out negative.
        long limiterWait = refused ? Math.max(0, now - refusedAt) : 0;
        long queued = Math.max(0, (refused ? refusedAt : now) - waitStart);
        refused = false;
        queueNanos += queued;
        limiterNanos += limiterWait;
        attempts++;
        dispatchedAt = now;
        Tracing.dispatched(this, now, queued, limiterWait, joined);
    }

    /** A time of the scheduler's clock as wall-clock nanoseconds since the epoch, for its span. */
    long epochOf(long nanos) {
        return acceptedAtEpoch + (nanos - acceptedAt);
    }

    /** Keeps a wait for its span (recording spans only). */
    void phase(Tracing.Phase phase) {
        if (phases == null) {
            phases = new ArrayList<>(2);
        }
        phases.add(phase);
    }

    /** The breakdown a translation delivered now carries. */
    LatencyBreakdown latency(long now) {
        long total = Math.max(now - acceptedAt, queueNanos + limiterNanos + providerNanos);
        return new LatencyBreakdown(Duration.ofNanos(queueNanos), Duration.ofNanos(limiterNanos),
                Duration.ofNanos(providerNanos), Duration.ofNanos(total));
    }
}
