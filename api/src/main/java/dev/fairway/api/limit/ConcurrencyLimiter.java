package dev.fairway.api.limit;

/**
 * Bounds the provider requests in flight. A permit is a {@code long}: {@code >= 0} when granted,
 * {@link #NO_PERMIT} when the limit is reached. Each granted permit is released exactly once with the
 * outcome of its request; releasing it again, or releasing a value that is not a live permit, does
 * nothing and returns {@code false}, so a release in a {@code finally} block next to one in an error
 * handler is safe.
 *
 * <p>How large the limit is (static, or adapted to the provider's answers) is the implementation's
 * policy; the outcomes passed to {@link #release} are its signal. Thread-safe, never blocks.
 */
public interface ConcurrencyLimiter {

    /** What {@link #tryAcquire()} returns when no request may start now. */
    long NO_PERMIT = -1;

    /**
     * Takes a slot for one request if fewer than {@link #limit()} are in flight.
     *
     * @return a permit ({@code >= 0}) or {@link #NO_PERMIT}
     */
    long tryAcquire();

    /**
     * Frees the permit's slot and reports how its request ended.
     *
     * @param permit a value returned by {@link #tryAcquire()}
     * @param outcome how the request ended
     * @return {@code true} when this call released the permit, {@code false} when it was already
     *     released or is not a permit
     */
    boolean release(long permit, Outcome outcome);

    /**
     * {@link #release} then {@link #tryAcquire}, as one step: what a worker does between one request
     * and the next. The release happens whatever the acquire returns. The default calls the two; an
     * implementation may do both under one lock and one clock reading.
     *
     * @param permit a value returned by {@link #tryAcquire()}
     * @param outcome how its request ended
     * @return a new permit ({@code >= 0}) or {@link #NO_PERMIT}
     */
    default long releaseAndTryAcquire(long permit, Outcome outcome) {
        release(permit, outcome);
        return tryAcquire();
    }

    /**
     * The current limit on requests in flight.
     *
     * @return the limit, >= 1
     */
    int limit();

    /**
     * Requests in flight now.
     *
     * @return permits granted and not yet released, >= 0
     */
    int inFlight();

    /** How a request held under a permit ended: the signal for an adaptive limit. */
    enum Outcome {
        /** The provider answered normally: evidence that the current concurrency is sustainable. */
        SUCCESS,
        /** The provider refused with a 429: too much load, back off. */
        RATE_LIMITED,
        /** Anything else (cancelled, superseded, a fault unrelated to load): no signal. */
        IGNORED
    }
}
