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
     * How many ticks until the ring plus a need fits within caps, as its oldest buckets leave.
     *
     * @return ticks (>= 1), or -1 when even an empty ring would not fit the need
     */
    long ticksUntilFits(long needRequests, long needTokens, long capRequests, long capTokens) {
        if (needRequests > capRequests || needTokens > capTokens) {
            return -1;
        }
        long freedRequests = 0;
        long freedTokens = 0;
        for (int j = 0; j < SLOTS; j++) {
            int i = index(head - SLOTS + 1 + j);
            freedRequests += requests[i];
            freedTokens += tokens[i];
            if (sumRequests - freedRequests + needRequests <= capRequests
                    && sumTokens - freedTokens + needTokens <= capTokens) {
                return j + 1;
            }
        }
        return SLOTS;
    }

    private static int index(long tick) {
        return Math.floorMod(tick, SLOTS);
    }
}
