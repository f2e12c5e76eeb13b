package dev.fairway.core.queue;

import java.time.Duration;

/**
 * A fixed-memory log-linear histogram of durations in nanoseconds: values below 16 ns are exact, every
 * power of two above is split into 16 linear sub-buckets, so a percentile is reported within 1/16
 * (6.25%) of the truth. 592 counters (under 5 KiB) cover 0 to about 18 minutes; longer values count
 * in the last bucket. Not thread-safe: the scheduler records under its lock.
 */
final class LatencyHistogram {

    private static final int SUB_BITS = 4;
    private static final int SUB = 1 << SUB_BITS;
    private static final int MAX_EXPONENT = 39;
    private static final int BUCKETS = SUB + (MAX_EXPONENT - SUB_BITS + 1) * SUB;

    private final long[] counts = new long[BUCKETS];
    private long count;
    private long max;

    /**
     * Counts one value.
     *
     * @param nanos the value; a negative one counts as 0
     */
    void record(long nanos) {
        long v = Math.max(0, nanos);
        counts[index(v)]++;
        count++;
        if (v > max) {
            max = v;
        }
    }

    static int index(long v) {
        if (v < SUB) {
            return (int) v;
        }
        int exponent = 63 - Long.numberOfLeadingZeros(v);
        if (exponent > MAX_EXPONENT) {
            return BUCKETS - 1;
        }
        int sub = (int) (v >>> (exponent - SUB_BITS)) & (SUB - 1);
        return SUB + (exponent - SUB_BITS) * SUB + sub;
    }

    /** The largest value that falls in bucket {@code index}. */
    static long upperBound(int index) {
        if (index < SUB) {
            return index;
        }
        int exponent = (index - SUB) / SUB + SUB_BITS;
        int sub = (index - SUB) % SUB;
        long width = 1L << (exponent - SUB_BITS);
        return ((long) (SUB + sub) << (exponent - SUB_BITS)) + width - 1;
    }

    /**
     * The value at or below which {@code permille / 1000} of the recorded values lie, rounded up to its
     * bucket's upper bound and capped at the largest value seen.
     */
    long percentile(int permille) {
        if (count == 0) {
            return 0;
        }
        long rank = Math.max(1, (count * permille + 999) / 1000);
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return Math.min(max, upperBound(i));
            }
        }
        return max;
    }

    LatencyPercentiles snapshot() {
        return new LatencyPercentiles(count, Duration.ofNanos(percentile(500)), Duration.ofNanos(percentile(950)),
                Duration.ofNanos(percentile(990)), Duration.ofNanos(max));
    }
}
