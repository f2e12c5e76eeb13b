package dev.fairway.core.queue;

import java.time.Duration;

/**
 * A fixed-memory log-linear histogram of durations in nanoseconds: values below 16 ns are exact, every
 * power of two above is split into 16 linear sub-buckets, so a percentile is reported within 1/16
 * (6.25%) of the truth. 592 counters (under 5 KiB) cover 0 to about 18 minutes; longer values count
 * in the last bucket. Thread-safe and lock-free: a record is an atomic increment of its bucket (and, for
 * a new largest value, a compare-and-set); a snapshot reads the buckets one by one, so under concurrent
 * records it may count a value that its {@code max} does not yet show, never the other way round.
 */
final class LatencyHistogram {

    private static final int SUB_BITS = 4;
    private static final int SUB = 1 << SUB_BITS;
    private static final int MAX_EXPONENT = 39;
    private static final int BUCKETS = SUB + (MAX_EXPONENT - SUB_BITS + 1) * SUB;

    private final java.util.concurrent.atomic.AtomicLongArray counts =
            new java.util.concurrent.atomic.AtomicLongArray(BUCKETS);
    private final java.util.concurrent.atomic.AtomicLong max = new java.util.concurrent.atomic.AtomicLong();

    /**
     * Counts one value.
     *
     * @param nanos the value; a negative one counts as 0
     */
    void record(long nanos) {
        long v = Math.max(0, nanos);
        counts.incrementAndGet(index(v));
        long m = max.get();
        while (v > m && !max.compareAndSet(m, v)) {
            m = max.get();
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
        long[] c = copy();
        return percentile(c, total(c), max.get(), permille);
    }

    private long[] copy() {
        long[] c = new long[BUCKETS];
        for (int i = 0; i < BUCKETS; i++) {
            c[i] = counts.get(i);
        }
        return c;
    }

    private static long total(long[] c) {
        long n = 0;
        for (long v : c) {
            n += v;
        }
        return n;
    }

    private static long percentile(long[] c, long count, long max, int permille) {
        if (count == 0) {
            return 0;
        }
        long rank = Math.max(1, (count * permille + 999) / 1000);
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += c[i];
            if (seen >= rank) {
                return Math.min(max, upperBound(i));
            }
        }
        return max;
    }

    LatencyPercentiles snapshot() {
        long m = max.get();
        long[] c = copy();
        long count = total(c);
        return new LatencyPercentiles(count, Duration.ofNanos(percentile(c, count, m, 500)),
                Duration.ofNanos(percentile(c, count, m, 950)), Duration.ofNanos(percentile(c, count, m, 990)),
                Duration.ofNanos(m));
    }
}
