package dev.fairway.core.queue;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One session's line of {@link SchedulerStatus}: the original's {@code requestCount} and
 * {@code lastRequestTime}, plus what the session has waiting and in flight and what became of its
 * segments.
 *
 * @param label the label the session was opened with (may be empty)
 * @param weight its fair-share weight
 * @param requestCount segments accepted from the session
 * @param lastRequestTime when the last segment was accepted (wall clock); empty before the first
 * @param pendingPartials partials waiting to be sent, 0 or 1
 * @param queuedFinals finals waiting to be sent (including those waiting to be retried)
 * @param inFlight the session's segments being translated now (its own calls and shared ones)
 * @param delivered translations delivered
 * @param failed segments reported as failed (stale partials and failed finals)
 * @param superseded partials replaced by a newer partial or a final before delivery
 * @param droppedStale partials dropped because they waited past the staleness deadline
 * @param closing whether the session is closed and still finishing its finals
 * @param partialP95 the 95th percentile of the latency (accepted to delivered) of the session's last
 *     {@value RecentLatencies#SIZE} delivered partials; empty before the first
 * @param finalP95 the same of its last {@value RecentLatencies#SIZE} delivered finals
 */
public record SessionStatus(
        String label,
        int weight,
        long requestCount,
        Optional<Instant> lastRequestTime,
        int pendingPartials,
        int queuedFinals,
        int inFlight,
        long delivered,
        long failed,
        long superseded,
        long droppedStale,
        boolean closing,
        Optional<Duration> partialP95,
        Optional<Duration> finalP95) {

    /** Validates the fields. */
    public SessionStatus {
        if (label == null) {
            throw new IllegalArgumentException("label must not be null");
        }
        if (partialP95 == null || finalP95 == null) {
            throw new IllegalArgumentException("partialP95 and finalP95 must not be null (empty before the first)");
        }
        if (lastRequestTime == null) {
            throw new IllegalArgumentException("lastRequestTime must not be null");
        }
        SchedulerStatus.notNegative("weight", weight);
        SchedulerStatus.notNegative("requestCount", requestCount);
        SchedulerStatus.notNegative("pendingPartials", pendingPartials);
        SchedulerStatus.notNegative("queuedFinals", queuedFinals);
        SchedulerStatus.notNegative("inFlight", inFlight);
        SchedulerStatus.notNegative("delivered", delivered);
        SchedulerStatus.notNegative("failed", failed);
        SchedulerStatus.notNegative("superseded", superseded);
        SchedulerStatus.notNegative("droppedStale", droppedStale);
    }

    /**
     * A JSON-ready view with the original's key names; {@code lastRequestTime} is epoch milliseconds
     * and is left out before the first request; {@code partialP95Ms} and {@code finalP95Ms} (fractional
     * milliseconds) are left out before the first delivery of their kind.
     *
     * @return a new map of strings, numbers and booleans
     */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("requestCount", requestCount);
        lastRequestTime.ifPresent(t -> m.put("lastRequestTime", t.toEpochMilli()));
        if (!label.isEmpty()) {
            m.put("label", label);
        }
        m.put("weight", weight);
        m.put("pendingPartials", pendingPartials);
        m.put("queuedFinals", queuedFinals);
        m.put("inFlight", inFlight);
        m.put("delivered", delivered);
        m.put("failed", failed);
        m.put("superseded", superseded);
        m.put("droppedStale", droppedStale);
        m.put("closing", closing);
        partialP95.ifPresent(d -> m.put("partialP95Ms", LatencyPercentiles.millis(d)));
        finalP95.ifPresent(d -> m.put("finalP95Ms", LatencyPercentiles.millis(d)));
        return m;
    }
}
