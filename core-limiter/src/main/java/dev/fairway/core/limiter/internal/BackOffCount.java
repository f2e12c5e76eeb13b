package dev.fairway.core.limiter.internal;

/**
 * The count of 429s since a store's last success, which sets how long the next back-off pauses
 * ({@code RateLimitPause}). Changed under the store's lock; {@link #backingOff()} is read without it,
 * so that a success costs one volatile read while nothing was rate limited.
 */
public final class BackOffCount {

    /** The count stops here: the back-off doubles at most this many times (and is capped long before). */
    static final int MAX = 62;

    private int inARow;
    private volatile boolean backingOff;

    /** A count at 0. */
    public BackOffCount() {
    }

    /**
     * Whether the count is not 0; safe without the lock.
     *
     * @return {@code true} after a 429 that no success or other answer followed yet
     */
    public boolean backingOff() {
        return backingOff;
    }

    /**
     * Counts one provider answer with rate-limit feedback: a 429 adds one, any other answer starts
     * again at 0. Under the store's lock.
     *
     * @param rateLimited whether the answer was a 429
     * @return the 429s in a row, this one included
     */
    public int record(boolean rateLimited) {
        if (rateLimited) {
            inARow = Math.min(inARow + 1, MAX);
            backingOff = true;
        } else {
            reset();
        }
        return inARow;
    }

    /** A success: the next 429 starts the back-off at its shortest. Under the store's lock. */
    public void reset() {
        inARow = 0;
        backingOff = false;
    }
}
