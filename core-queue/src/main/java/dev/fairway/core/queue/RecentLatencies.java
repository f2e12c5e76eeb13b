package dev.fairway.core.queue;

import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;

/**
 * The latencies (accepted to delivered) of a session's last {@value #SIZE} delivered translations of one kind,
 * for the 95th percentile its line of the status shows: recent, so an operator watching a live console sees
 * how the session is served now rather than since it opened. 520 bytes, made on a session's first delivery of
 * the kind, so idle sessions cost nothing. Guarded by the session's lock.
 */
final class RecentLatencies {

    /** Translations remembered. */
    static final int SIZE = 64;

    private final long[] nanos = new long[SIZE];
    private long count;

    /**
     * Remembers one latency, forgetting the oldest past {@value #SIZE}.
     *
     * @param value nanoseconds, a negative one counts as 0
     */
    void record(long value) {
        nanos[(int) (count++ % SIZE)] = Math.max(0, value);
    }

    /**
     * The 95th percentile (nearest rank) of the latencies remembered.
     *
     * @return it, or empty before the first
     */
    Optional<Duration> p95() {
        int n = (int) Math.min(count, SIZE);
        if (n == 0) {
            return Optional.empty();
        }
        long[] sorted = Arrays.copyOf(nanos, n);
        Arrays.sort(sorted);
        int rank = (n * 95 + 99) / 100;
        return Optional.of(Duration.ofNanos(sorted[rank - 1]));
    }
}
