package dev.fairway.core.limiter.internal;

/**
 * A ring of time buckets counting requests and tokens, with running sums, covering the
 * {@code span + 1} ticks {@code head - span .. head}. The oldest of them straddles the start of a
 * window of {@code span} ticks, so the sums count at least everything in any such window that ends in
 * the head tick. Not thread-safe: the limiters guard it with their lock.
 *
 * <p>Buckets never go below zero: a refund larger than what a bucket holds (a permit reconciled
 * twice) empties it instead.
 */
public final class BucketRing {

    private final int length;
    /** Bucket of tick {@code t} at {@code 2 * (t mod length)}: requests, then tokens. */
    private final long[] slots;
    private long head;
    /** {@code index(head)}, kept so that the usual add, at the head, divides nothing. */
    private int headIndex;
    private long requests;
    private long tokens;

    /**
     * @param span the ticks of a window; the ring holds one more, the straddling bucket
     * @param headTick the newest tick
     */
    public BucketRing(int span, long headTick) {
        this.length = span + 1;
        this.slots = new long[2 * length];
        this.head = headTick;
        this.headIndex = index(headTick);
    }

    /** @return the newest tick */
    public long head() {
        return head;
    }

    /** @return the requests of every bucket held */
    public long requests() {
        return requests;
    }

    /** @return the tokens of every bucket held */
    public long tokens() {
        return tokens;
    }

    /**
     * Moves the head to {@code tick}, emptying the buckets that fall out: at most {@code span + 1}
     * buckets, and one per elapsed tick when the ring is touched every tick.
     */
    public void advanceTo(long tick) {
        if (tick <= head) {
            return;
        }
        if (tick - head >= length) {
            java.util.Arrays.fill(slots, 0L);
            requests = 0;
            tokens = 0;
        } else {
            for (long t = head + 1; t <= tick; t++) {
                int i = index(t);
                requests -= slots[i];
                tokens -= slots[i + 1];
                slots[i] = 0;
                slots[i + 1] = 0;
            }
        }
        head = tick;
        headIndex = index(tick);
    }

    /** @return whether the bucket of {@code tick} is held */
    public boolean contains(long tick) {
        return tick <= head && tick > head - length;
    }

    /** @return the requests in the bucket of {@code tick}, 0 when it is not held */
    public long requestsAt(long tick) {
        return contains(tick) ? slots[index(tick)] : 0;
    }

    /** @return the tokens in the bucket of {@code tick}, 0 when it is not held */
    public long tokensAt(long tick) {
        return contains(tick) ? slots[index(tick) + 1] : 0;
    }

    /** Adds to the bucket of {@code tick} if the ring holds it; a negative delta empties at most the bucket. */
    public void add(long tick, long deltaRequests, long deltaTokens) {
        int i;
        if (tick == head) {
            i = headIndex;
        } else if (contains(tick)) {
            i = index(tick);
        } else {
            return;
        }
        long r = Math.max(0, slots[i] + deltaRequests);
        long t = Math.max(0, slots[i + 1] + deltaTokens);
        requests += r - slots[i];
        tokens += t - slots[i + 1];
        slots[i] = r;
        slots[i + 1] = t;
    }

    /**
     * Adds ({@code sign = 1}) or subtracts ({@code sign = -1}) every bucket of {@code other}, tick by
     * tick, into the buckets this ring holds (a bucket never goes below zero).
     */
    public void addAll(BucketRing other, int sign) {
        for (long t = other.head - other.length + 1; t <= other.head; t++) {
            long r = other.requestsAt(t);
            long k = other.tokensAt(t);
            if (r != 0 || k != 0) {
                add(t, sign * r, sign * k);
            }
        }
    }

    /**
     * Requests in the window, counting the straddling oldest bucket in proportion to the part of it
     * still inside: {@code phase} of {@code ratio} of it has already left.
     */
    public long requestsInterpolated(long phase, long ratio) {
        return requests - slots[index(head - length + 1)] * phase / ratio;
    }

    /** Tokens in the window, interpolated like {@link #requestsInterpolated}. */
    public long tokensInterpolated(long phase, long ratio) {
        return tokens - slots[index(head - length + 1) + 1] * phase / ratio;
    }

    /**
     * How many ticks the head must advance, with nothing added, until the full sums (straddling
     * bucket counted whole) plus the need fit the caps.
     *
     * @return 0 when they fit now; 1 to {@code span + 1} when they fit once enough buckets have left;
     *     1 when the need would not fit even an empty ring (look again soon)
     */
    public long ticksUntilFits(long needRequests, long needTokens, long capRequests, long capTokens) {
        if (needRequests > capRequests || needTokens > capTokens) {
            return requests + needRequests <= capRequests && tokens + needTokens <= capTokens ? 0 : 1;
        }
        long r = requests;
        long k = tokens;
        long ticks = 0;
        for (long t = head - length + 1; r + needRequests > capRequests || k + needTokens > capTokens; t++) {
            r -= slots[index(t)];
            k -= slots[index(t) + 1];
            ticks++;
        }
        return ticks;
    }

    /**
     * How many fine ticks must pass, with nothing added, until the interpolated sums plus the need
     * fit the caps, for a ring of coarse buckets of {@code ratio} fine ticks each, now at fine
     * {@code phase} of its head bucket.
     *
     * @return the fine ticks, or -1 when the need alone exceeds a cap
     */
    public long fineTicksUntilFitsInterpolated(long needRequests, long needTokens, long capRequests,
            long capTokens, long phase, long ratio) {
        if (needRequests > capRequests || needTokens > capTokens) {
            return -1;
        }
        long wait = Math.max(
                fineTicksOneDimension(0, requests, needRequests, capRequests, phase, ratio),
                fineTicksOneDimension(1, tokens, needTokens, capTokens, phase, ratio));
        return wait;
    }

    private long fineTicksOneDimension(int field, long sum, long need, long cap, long phase, long ratio) {
        // While coarse bucket m is the straddling one its weight falls linearly from 1 to 0 over
        // ratio fine ticks; 'rest' is everything newer than it.
        long rest = sum;
        for (int m = 0; m < length; m++) {
            long bucket = slots[index(head - length + 1 + m) + field];
            rest -= bucket;
            long slack = cap - need - rest;
            if (slack < 0) {
                continue;
            }
            // Smallest q in [0, ratio] with bucket * (ratio - q) / ratio <= slack.
            long q = bucket == 0 ? 0 : Math.max(0, ratio - (slack * ratio) / bucket);
            long elapsed = m * ratio + q;
            return Math.max(0, elapsed - phase);
        }
        return (long) length * ratio - phase;
    }

    private int index(long tick) {
        return 2 * (int) Math.floorMod(tick, (long) length);
    }
}
