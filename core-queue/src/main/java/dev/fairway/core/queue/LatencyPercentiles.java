package dev.fairway.core.queue;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Percentiles of a latency, from a fixed-memory histogram whose buckets are within 1/16 (6.25%) of
 * the values they hold; each percentile is its bucket's upper bound.
 *
 * @param count values recorded, >= 0
 * @param p50 the median
 * @param p95 the 95th percentile
 * @param p99 the 99th percentile
 * @param max the largest value recorded
 */
public record LatencyPercentiles(long count, Duration p50, Duration p95, Duration p99, Duration max) {

    /** Validates the fields. */
    public LatencyPercentiles {
        if (count < 0) {
            throw new IllegalArgumentException("count must be >= 0, was " + count);
        }
        check("p50", p50);
        check("p95", p95);
        check("p99", p99);
        check("max", max);
    }

    private static void check(String field, Duration value) {
        if (value == null || value.isNegative()) {
            throw new IllegalArgumentException(field + " must be a duration >= 0, was " + value);
        }
    }

    /**
     * A JSON-ready view: {@code count} and the percentiles in milliseconds (fractional).
     *
     * @return a new map of numbers
     */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", count);
        m.put("p50Ms", millis(p50));
        m.put("p95Ms", millis(p95));
        m.put("p99Ms", millis(p99));
        m.put("maxMs", millis(max));
        return m;
    }

    static double millis(Duration d) {
        return d.toNanos() / 1_000_000.0;
    }
}
