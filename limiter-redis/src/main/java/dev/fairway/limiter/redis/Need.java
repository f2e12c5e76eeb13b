package dev.fairway.limiter.redis;

/**
 * What one script call asks for: the permit an acquire needs ({@code requests} 0: the call only
 * synchronises), how many requests it would like to lease, and whether a partial asks (then the grant
 * leaves the headroom for finals free).
 *
 * @param requests requests the acquire needs (0 or 1)
 * @param tokens tokens of that request
 * @param input its input tokens (0 without an input window)
 * @param output its output tokens (0 without an output window)
 * @param want requests to take at once (the lease size when refilling)
 * @param refill whether the grant refills the lease
 * @param partial whether a partial asks
 */
record Need(long requests, long tokens, long input, long output, long want, boolean refill, boolean partial) {

    /** A call that asks for nothing: it sends what is pending and learns the shared state. */
    static final Need SYNC = new Need(0, 0, 0, 0, 0, false, false);
}
