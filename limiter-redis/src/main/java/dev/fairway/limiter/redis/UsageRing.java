package dev.fairway.limiter.redis;

/**
 * Requests and tokens of one session (or of the local fallback) in the last window, in
 * {@value #SLOTS} coarse buckets: 20 of a twentieth of the window and the one straddling the window
 * start, which counts as wholly inside in {@link #requests()} and in proportion in {@link #requestsIn}. Running sums make every read O(1); advancing empties the
 * buckets that fell out. Not thread-safe: the limiter guards it with its lock.
 */
final class UsageRing {

    /** Buckets held: the window's 20 and the straddling one. */
    static final int SLOTS = 21;

    private final long[] requests = new long[SLOTS];
    private final long[] tokens = new long[SLOTS];
    private long head;
    private long sumRequests;
    private long sumTokens;

    UsageRing(long tick) {
        this.head = tick;
    }

    /** Moves the newest bucket to {@code tick}, emptying the buckets that leave; time never goes back. */
    void advanceTo(long tick) {
        if (tick <= head) {
            return;
        }
        if (tick - head >= SLOTS) {
            java.util.Arrays.fill(requests, 0);
            java.util.Arrays.fill(tokens, 0);
            sumRequests = 0;
            sumTokens = 0;
        } else {
            for (long t = head + 1; t <= tick; t++) {
                int i = index(t);
                sumRequests -= requests[i];
                sumTokens -= tokens[i];
                requests[i] = 0;
                tokens[i] = 0;
            }
        }
        head = tick;
    }

    /** Whether the bucket of {@code tick} is still held. */
    boolean contains(long tick) {
        return tick <= head && tick > head - SLOTS;
    }

    /** Adds to the bucket of {@code tick} when it is held; a bucket never goes below zero. */
    void add(long tick, long deltaRequests, long deltaTokens) {
        if (!contains(tick)) {
            return;
        }
        int i = index(tick);
        long r = Math.max(deltaRequests, -requests[i]);
        long t = Math.max(deltaTokens, -tokens[i]);
        requests[i] += r;
        tokens[i] += t;
        sumRequests += r;
        sumTokens += t;
    }

    /**
     * Adds (sign 1) or takes away (sign -1) every bucket of another ring, after moving both to the
     * newer of their heads; a bucket never goes below zero.
     */
    void addAll(UsageRing other, int sign) {
        long tick = Math.max(head, other.head);
        advanceTo(tick);
        other.advanceTo(tick);
        for (int i = 0; i < SLOTS; i++) {
            long r = Math.max(sign * other.requests[i], -requests[i]);
            long t = Math.max(sign * other.tokens[i], -tokens[i]);
            requests[i] += r;
            tokens[i] += t;
            sumRequests += r;
            sumTokens += t;
        }
    }

    long requests() {
        return sumRequests;
    }

    long tokens() {
        return sumTokens;
    }

    /**
     * The requests in the window when {@code phase} of {@code width} of the newest bucket has passed:
     * the oldest bucket counts in proportion to the part of it still inside (rounded up).
     */
    long requestsIn(long phase, long width) {
        return sumRequests - requests[index(head - SLOTS + 1)] * phase / width;
    }

    /** {@link #requestsIn} for tokens. */
    long tokensIn(long phase, long width) {
        return sumTokens - tokens[index(head - SLOTS + 1)] * phase / width;
    }

    boolean isEmpty() {
        return sumRequests == 0 && sumTokens == 0;
    }

    /**
     * How long, with nothing added, until the interpolated sums ({@link #requestsIn}) plus a need fit
     * within caps, now at {@code phase} of {@code width} of the newest bucket: the oldest bucket
     * leaves in proportion over its last tick, as {@link #requestsIn} counts it.
     *
     * @return the wait in the unit of {@code phase} ({@code >= 0}), or -1 when even an empty ring
     *     would not fit the need
     */
    long timeUntilFitsInterpolated(long needRequests, long needTokens, long capRequests, long capTokens,
            long phase, long width) {
        if (needRequests > capRequests || needTokens > capTokens) {
            return -1;
        }
        return Math.max(timeUntilFits(requests, sumRequests, needRequests, capRequests, phase, width),
                timeUntilFits(tokens, sumTokens, needTokens, capTokens, phase, width));
    }

    private long timeUntilFits(long[] buckets, long sum, long need, long cap, long phase, long width) {
        // While bucket m (0 = the oldest) is the straddling one, its weight falls linearly from 1 to 0
        // over one tick; 'rest' is everything newer than it.
        long rest = sum;
        for (int m = 0; m < SLOTS; m++) {
            long bucket = buckets[index(head - SLOTS + 1 + m)];
            rest -= bucket;
            long slack = cap - need - rest;
            if (slack < 0) {
                continue;
            }
            // The least q in [0, width] with bucket * (width - q) / width <= slack.
            long q = bucket == 0 ? 0 : Math.max(0, width - (slack * width) / bucket);
            return Math.max(0, m * width + q - phase);
        }
        return SLOTS * width - phase;
    }

    private static int index(long tick) {
        return Math.floorMod(tick, SLOTS);
    }
}
