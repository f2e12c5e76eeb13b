package dev.fairway.app.load;

import org.HdrHistogram.AbstractHistogram;
import org.HdrHistogram.IntCountsHistogram;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What one simulated session saw. Latencies are recorded in microseconds in HdrHistograms with int counts
 * and 2 significant digits (1% precision, up to 10 minutes): about 9 KiB per histogram, so 10,000 sessions
 * fit in 300 MiB (3 digits and long counts took 160 KiB each, 4.8 GiB at 10,000 sessions). Thread-safe: the session's WebSocket listener records while the
 * progress line reads.
 */
final class SessionStats {

    private static final long MAX_MICROS = 600_000_000L;
    /** Values below 100 microseconds are told apart only to the nearest 100 microseconds. */
    private static final long LOWEST_MICROS = 100;

    private final String label;
    private final ReentrantLock lock = new ReentrantLock();
    private final AbstractHistogram partialLatency = new IntCountsHistogram(LOWEST_MICROS, MAX_MICROS, 2);
    private final AbstractHistogram finalLatency = new IntCountsHistogram(LOWEST_MICROS, MAX_MICROS, 2);
    private final AbstractHistogram providerTime = new IntCountsHistogram(LOWEST_MICROS, MAX_MICROS, 2);
    private final LongAdder partialsSent = new LongAdder();
    private final LongAdder finalsSent = new LongAdder();
    private final LongAdder finalsFailed = new LongAdder();
    private final LongAdder finalsRefused = new LongAdder();
    private final LongAdder backpressure = new LongAdder();
    private final LongAdder tokens = new LongAdder();
    private final Map<String, Long> errors = new TreeMap<>();
    private final LongAdder reconnects = new LongAdder();
    private final LongAdder duplicates = new LongAdder();
    private final LongAdder finalsResent = new LongAdder();
    private final LongAdder finalsAcrossDrops = new LongAdder();
    private final Map<String, Long> resumesRefused = new TreeMap<>();
    private long withoutServiceNanos;
    private long finalsUnconfirmed;
    private double queueMs;
    private double limiterMs;
    private double providerMs;
    private long finalsLost;
    private String failure;
    private String refusal;

    SessionStats(String label) {
        this.label = label;
    }

    String label() {
        return label;
    }

    void partialSent() {
        partialsSent.increment();
    }

    void finalSent() {
        finalsSent.increment();
    }

    void finalFailed() {
        finalsFailed.increment();
    }

    void finalRefused() {
        finalsRefused.increment();
    }

    void backpressure() {
        backpressure.increment();
    }

    void translation(boolean isFinal, long latencyNanos, long usageTokens, double queue, double limiter,
            double provider) {
        long micros = Math.min(MAX_MICROS, Math.max(0, latencyNanos / 1000));
        lock.lock();
        try {
            (isFinal ? finalLatency : partialLatency).recordValue(micros);
            providerTime.recordValue(Math.min(MAX_MICROS, Math.max(0, Math.round(provider * 1000))));
            queueMs += queue;
            limiterMs += limiter;
            providerMs += provider;
        } finally {
            lock.unlock();
        }
        tokens.add(usageTokens);
    }

    /**
     * The session is served again after its connection dropped: resumed, or started afresh after a refused resume.
     *
     * @param withoutServiceNanos from the drop to the {@code resumed} (or {@code ready})
     */
    void reconnected(long withoutServiceNanos) {
        reconnects.increment();
        lock.lock();
        try {
            this.withoutServiceNanos += Math.max(0, withoutServiceNanos);
        } finally {
            lock.unlock();
        }
    }

    void resumeRefused(String reason) {
        lock.lock();
        try {
            resumesRefused.merge(reason, 1L, Long::sum);
        } finally {
            lock.unlock();
        }
    }

    /** An outcome whose seq was already answered (replayed after a crash): not a second translation. */
    void duplicate() {
        duplicates.increment();
    }

    /** A final sent again with its own seq after a resume, because the server had not accepted it. */
    void finalResent() {
        finalsResent.increment();
    }

    /** Accepted finals still unanswered when the session was served again: answered later, or lost. */
    void finalsAcrossDrop(long count) {
        finalsAcrossDrops.add(count);
    }

    void error(String code, String message) {
        lock.lock();
        try {
            errors.merge(code, 1L, Long::sum);
        } finally {
            lock.unlock();
        }
    }

    void failed(String message) {
        lock.lock();
        try {
            if (failure == null) {
                failure = message;
            }
        } finally {
            lock.unlock();
        }
    }

    /** The server refused the session at the door (HTTP 503 at the handshake): not served, not failed. */
    void refused(String message) {
        lock.lock();
        try {
            if (refusal == null && failure == null) {
                refusal = message;
            }
        } finally {
            lock.unlock();
        }
    }

    void finalsLost(long count) {
        finalsLost(count, 0);
    }

    /**
     * @param lost finals accepted and never answered
     * @param unconfirmed finals sent, never accepted and never answered (v2 only: sent again after every resume)
     */
    void finalsLost(long lost, long unconfirmed) {
        lock.lock();
        try {
            finalsLost = lost;
            finalsUnconfirmed = unconfirmed;
        } finally {
            lock.unlock();
        }
    }

    /**
     * A consistent copy of the numbers.
     *
     * @return the snapshot
     */
    Snapshot snapshot() {
        lock.lock();
        try {
            long answered = partialLatency.getTotalCount() + finalLatency.getTotalCount();
            return new Snapshot(label, partialLatency.copy(), finalLatency.copy(), providerTime.copy(),
                    partialsSent.sum(),
                    finalsSent.sum(), finalsFailed.sum(), finalsRefused.sum(), backpressure.sum(), tokens.sum(),
                    new TreeMap<>(errors), answered == 0 ? 0 : queueMs / answered,
                    answered == 0 ? 0 : limiterMs / answered, answered == 0 ? 0 : providerMs / answered,
                    finalsLost, failure, refusal, new Reconnection(reconnects.sum(), new TreeMap<>(resumesRefused),
                            withoutServiceNanos / 1_000_000.0, duplicates.sum(), finalsResent.sum(), finalsAcrossDrops.sum(),
                            finalsUnconfirmed));
        } finally {
            lock.unlock();
        }
    }

    /**
     * The numbers of one session at one moment.
     *
     * @param label the session's label
     * @param partialLatency client-side partial latency, microseconds
     * @param finalLatency client-side final latency, microseconds
     * @param providerTime the server-reported provider time of each translation, microseconds
     * @param partialsSent partials sent
     * @param finalsSent finals sent (a refused final sent again counts twice)
     * @param finalsFailed accepted finals the server reported as failed
     * @param finalsRefused finals refused by back-pressure or rate limiting (then sent again)
     * @param backpressure back-pressure frames received
     * @param tokens tokens the provider reported for this session's translations
     * @param errors error frames by code
     * @param meanQueueMs mean server-side queue wait per translation
     * @param meanLimiterMs mean server-side limiter wait per translation
     * @param meanProviderMs mean provider time per translation
     * @param finalsLost accepted finals neither translated nor reported failed by the end of the drain
     * @param failure why the session stopped early, or null
     * @param refusal why the server refused the session at the handshake, or null
     * @param reconnection what {@code --reconnect} did (all zero without it)
     */
    record Snapshot(String label, AbstractHistogram partialLatency, AbstractHistogram finalLatency,
            AbstractHistogram providerTime,
            long partialsSent,
            long finalsSent, long finalsFailed, long finalsRefused, long backpressure, long tokens,
            Map<String, Long> errors, double meanQueueMs, double meanLimiterMs, double meanProviderMs,
            long finalsLost, String failure, String refusal, Reconnection reconnection) {

        long requests() {
            return partialLatency.getTotalCount() + finalLatency.getTotalCount();
        }

        long errorCount() {
            return errors.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /**
     * What one session's reconnections did ({@code --reconnect}).
     *
     * @param reconnects times the session was served again after its connection dropped
     * @param resumesRefused {@code resume_refused} answers by reason
     * @param withoutServiceMs sum of the gaps between a drop and the {@code resumed} (or the {@code ready} of a
     *        session started again after a refusal)
     * @param duplicates outcomes received for a seq already answered (counted once as a translation)
     * @param finalsResent finals sent again with the same seq after a resume (sent, never {@code accepted})
     * @param finalsAcrossDrops accepted finals still unanswered when the session was resumed (each drop counted)
     * @param finalsUnconfirmed finals sent, never accepted and never answered at the end of the drain
     */
    record Reconnection(long reconnects, Map<String, Long> resumesRefused, double withoutServiceMs, long duplicates,
            long finalsResent, long finalsAcrossDrops, long finalsUnconfirmed) {
    }
}
