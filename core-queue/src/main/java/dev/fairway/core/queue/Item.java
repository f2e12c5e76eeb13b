package dev.fairway.core.queue;

import dev.fairway.api.TranslationRequest;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;

/**
 * One accepted segment, from submit to its delivery or failure. Every field but the final ones is
 * guarded by its session's lock.
 */
final class Item {

    /** Waiting for its first dispatch. */
    static final byte QUEUED = 0;
    /** A final waiting to be retried at {@link #readyAt}. */
    static final byte WAITING_RETRY = 1;
    /** Being translated ({@link #call} is set). */
    static final byte IN_FLIGHT = 2;
    /** Translated or failed, its outcome held until earlier finals of the session are delivered. */
    static final byte DONE = 3;
    /** Delivered, reported, superseded, dropped or cancelled: nothing more happens to it. */
    static final byte FINISHED = 4;

    final SessionState session;
    final TranslationRequest request;
    final long acceptedAt;
    final Span span;
    /** The context of the submit plus {@link #span}: made current on the worker thread. */
    final Context context;
    /** What identical requests share, or null when the scheduler does not deduplicate. */
    final DedupKey key;

    byte state = QUEUED;
    boolean refused;
    boolean deduplicated;
    int attempts;
    long readyAt;
    /** When the current wait for a dispatch began: acceptance, or the end of a retry's backoff. */
    long waitStart;
    /** When the rate limiter first refused the session while this item was its next one. */
    long refusedAt;
    long dispatchedAt;
    long queueNanos;
    long limiterNanos;
    long providerNanos;
    Call call;
    /** The {@code Translation} or {@code SegmentFailure} held while {@link #DONE}. */
    Object outcome;
    /** Once {@link #FINISHED}: how it ended and when, for its span and the latency metric (ended outside the lock). */
    String endOutcome;
    long endedAt;

    /** The output part of the token estimate, for limiters with separate input and output budgets; -1: unknown. */
    final int outputCost;

    Item(SessionState session, TranslationRequest request, int outputCost, long acceptedAt, Span span,
            Context context, DedupKey key) {
        this.session = session;
        this.outputCost = outputCost;
        this.key = key;
        this.request = request;
        this.acceptedAt = acceptedAt;
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

    int outputCost() {
        return outputCost;
    }
}
