package dev.fairway.core.queue;

import dev.fairway.api.SessionId;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * A snapshot of a {@link FairScheduler}: the original's {@code getStatus()} fields, then what Fairway
 * adds. Counters count since the scheduler was built.
 *
 * @param queueLength segments waiting to be sent: pending partials and queued finals (including those
 *     waiting to be retried)
 * @param processing whether the scheduler has work: something queued or in flight
 * @param activeRequests provider calls in flight now
 * @param maxConcurrent the configured bound on provider calls in flight
 * @param estimatedTokensUsed the estimated tokens of every provider call dispatched
 * @param activeSessions sessions open now (not closed)
 * @param sessionStats per session (open, or closed and still finishing finals)
 * @param concurrencyLimit the concurrency limiter's current limit (the smaller of it and
 *     {@code maxConcurrent} bounds calls in flight)
 * @param providerCalls provider calls dispatched, retries included, shared calls once
 * @param deduplicated segments answered by an identical call already in flight, without a call of their own
 * @param retries retries of finals scheduled after a transient fault or a 429
 * @param delivered translations delivered
 * @param failed segments reported as failed
 * @param superseded partials replaced before delivery
 * @param droppedStale partials dropped for waiting past the staleness deadline
 * @param rateLimitedResponses provider answers that were a 429 (rate limited)
 * @param queueWait time from acceptance to the first dispatch of a segment (fair-share turn,
 *     concurrency and rate-limiter waits together)
 * @param shutdown whether {@link FairScheduler#shutdown()} was called
 * @param batches batch calls and the batch pool
 */
public record SchedulerStatus(
        int queueLength,
        boolean processing,
        int activeRequests,
        int maxConcurrent,
        long estimatedTokensUsed,
        int activeSessions,
        Map<SessionId, SessionStatus> sessionStats,
        int concurrencyLimit,
        long providerCalls,
        long deduplicated,
        long retries,
        long delivered,
        long failed,
        long superseded,
        long droppedStale,
        long rateLimitedResponses,
        LatencyPercentiles queueWait,
        boolean shutdown,
        Batches batches) {

    /**
     * Batch calls ({@link FairScheduler.Builder#batching}).
     *
     * @param mode off, when-limited or always ({@code off} also when the provider does not batch)
     * @param calls batch calls sent (each also one of {@code providerCalls})
     * @param segments segments sent in them
     * @param fallbacks segments a batch's answer left out, sent again on their own
     * @param pooled segments waiting in the batch pool now
     */
    public record Batches(String mode, long calls, long segments, long fallbacks, int pooled) {

        /** No batching. */
        public static final Batches OFF = new Batches("off", 0, 0, 0, 0);

        /** Validates the counts. */
        public Batches {
            if (mode == null) {
                throw new IllegalArgumentException("mode must not be null");
            }
            notNegative("calls", calls);
            notNegative("segments", segments);
            notNegative("fallbacks", fallbacks);
            notNegative("pooled", pooled);
        }

        /** Mean segments per batch call, 0 without any. */
        public double meanSize() {
            return calls == 0 ? 0 : (double) segments / calls;
        }

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("mode", mode);
            m.put("calls", calls);
            m.put("segments", segments);
            m.put("meanSize", Math.round(meanSize() * 100) / 100.0);
            m.put("fallbacks", fallbacks);
            m.put("pooled", pooled);
            return m;
        }
    }


    /** Validates the counts and copies the map. */
    public SchedulerStatus {
        notNegative("queueLength", queueLength);
        notNegative("rateLimitedResponses", rateLimitedResponses);
        notNegative("activeRequests", activeRequests);
        notNegative("maxConcurrent", maxConcurrent);
        notNegative("estimatedTokensUsed", estimatedTokensUsed);
        notNegative("activeSessions", activeSessions);
        notNegative("concurrencyLimit", concurrencyLimit);
        notNegative("providerCalls", providerCalls);
        notNegative("deduplicated", deduplicated);
        notNegative("retries", retries);
        notNegative("delivered", delivered);
        notNegative("failed", failed);
        notNegative("superseded", superseded);
        notNegative("droppedStale", droppedStale);
        if (sessionStats == null) {
            throw new IllegalArgumentException("sessionStats must not be null");
        }
        if (batches == null) {
            throw new IllegalArgumentException("batches must not be null");
        }
        if (queueWait == null) {
            throw new IllegalArgumentException("queueWait must not be null");
        }
        sessionStats = Map.copyOf(sessionStats);
    }

    static void notNegative(String field, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(field + " must be >= 0, was " + value);
        }
    }

    /**
     * A JSON-ready view for a status endpoint: nested maps of strings, numbers and booleans, with the
     * original's key names first and sessions sorted by id.
     *
     * @return a new map
     */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("queueLength", queueLength);
        m.put("processing", processing);
        m.put("activeRequests", activeRequests);
        m.put("maxConcurrent", maxConcurrent);
        m.put("estimatedTokensUsed", estimatedTokensUsed);
        m.put("activeSessions", activeSessions);
        Map<String, Object> sessions = new LinkedHashMap<>();
        new TreeMap<>(sessionStats).forEach((id, s) -> sessions.put(id.value(), s.toMap()));
        m.put("sessionStats", sessions);
        m.put("concurrencyLimit", concurrencyLimit);
        m.put("providerCalls", providerCalls);
        m.put("deduplicated", deduplicated);
        m.put("retries", retries);
        m.put("delivered", delivered);
        m.put("failed", failed);
        m.put("superseded", superseded);
        m.put("droppedStale", droppedStale);
        m.put("rateLimitedResponses", rateLimitedResponses);
        m.put("queueWait", queueWait.toMap());
        m.put("batches", batches.toMap());
        m.put("shutdown", shutdown);
        return m;
    }
}
