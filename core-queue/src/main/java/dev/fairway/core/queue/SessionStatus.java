package dev.fairway.core.queue;

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
        boolean closing) {

    /** Validates the fields. */
    public SessionStatus {
        if (label == null) {
            throw new IllegalArgumentException("label must not be null");
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
     * and is left out before the first request.
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
        return m;
    }
}
