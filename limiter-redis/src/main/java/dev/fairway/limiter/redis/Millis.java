package dev.fairway.limiter.redis;

import java.time.Duration;

/** The time units every part of the Redis store counts in: epoch milliseconds and coarse buckets. */
final class Millis {

    /** The sliding window, in ms. */
    static final long WINDOW = 60_000;
    /** Coarse buckets of a node's local usage rings (sessions, contenders, fallback). */
    static final int COARSE_BUCKETS = 20;
    /** The width of a coarse bucket, in ms. */
    static final long COARSE = WINDOW / COARSE_BUCKETS;
    /** No time yet (never called, never heard). */
    static final long NONE = Long.MIN_VALUE;

    private Millis() {
    }

    /** Milliseconds as nanoseconds, saturating. */
    static long toNanos(long ms) {
        return ms >= Long.MAX_VALUE / 1_000_000 ? Long.MAX_VALUE : ms * 1_000_000;
    }

    /** A duration in ms, at most a year (a provider's reset header can say anything). */
    static long capped(Duration d) {
        return d.compareTo(Duration.ofDays(365)) > 0 ? Duration.ofDays(365).toMillis() : d.toMillis();
    }
}
