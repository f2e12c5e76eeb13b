package dev.fairway.app.metrics;

import java.util.List;

/**
 * The names of the instruments the application module registers, and the bucket boundaries of every
 * latency histogram. Names follow OpenTelemetry's ({@code fairway.} and dots); a Prometheus scrape shows
 * them with underscores and unit suffixes ({@code fairway.translation.phase.duration} in ms is
 * {@code fairway_translation_phase_duration_milliseconds_bucket}).
 */
public final class Instruments {

    /** Meter scope of the application's instruments. */
    public static final String SCOPE = "dev.fairway.app";

    /**
     * Bucket boundaries of Fairway's latency histograms, in ms: 5 ms to 60 s, finer where the targets are
     * (partials 200 to 800 ms, finals 1.5 s). The SDK's defaults would put nearly everything in two buckets.
     */
    public static final List<Double> LATENCY_BUCKETS_MS = List.of(5.0, 10.0, 25.0, 50.0, 100.0, 200.0, 300.0,
            500.0, 800.0, 1_000.0, 1_500.0, 2_000.0, 3_000.0, 5_000.0, 10_000.0, 30_000.0, 60_000.0);

    // Recorded as outcomes are handed to sessions (DeliveryTap).
    static final String PHASE_DURATION = "fairway.translation.phase.duration";
    static final String TIME_TO_FIRST_TRANSLATION = "fairway.session.first_translation.duration";
    static final String FAILURES = "fairway.translation.failures";

    // Read from the scheduler's status once per collection.
    static final String SESSIONS_ACTIVE = "fairway.sessions.active";
    static final String QUEUE_LENGTH = "fairway.queue.length";
    static final String CALLS_ACTIVE = "fairway.provider.calls.active";
    static final String CONCURRENCY_LIMIT = "fairway.concurrency.limit";
    static final String PROVIDER_CALLS = "fairway.provider.calls";
    static final String RATE_LIMITED = "fairway.provider.rate_limited";
    static final String RETRIES = "fairway.translation.retries";
    static final String DEDUPLICATED = "fairway.translation.deduplicated";
    static final String PARTIALS_DROPPED = "fairway.partials.dropped";
    static final String BATCH_CALLS = "fairway.batch.calls";
    static final String BATCH_SEGMENTS = "fairway.batch.segments";
    static final String BATCH_FALLBACKS = "fairway.batch.fallbacks";
    static final String BATCH_POOLED = "fairway.batch.pooled";

    // Read from the rate limiter's stats once per collection.
    static final String REQUESTS_USED = "fairway.limiter.requests.used";
    static final String REQUESTS_LIMIT = "fairway.limiter.requests.limit";
    static final String TOKENS_USED = "fairway.limiter.tokens.used";
    static final String TOKENS_LIMIT = "fairway.limiter.tokens.limit";
    static final String LIMITER_SESSIONS = "fairway.limiter.sessions";
    static final String LIMITER_PAUSED = "fairway.limiter.paused";
    static final String FAIRSHARE_SESSIONS = "fairway.fairshare.sessions";
    static final String FAIRSHARE_JAIN = "fairway.fairshare.jain";
    static final String SESSION_REQUESTS_MAX = "fairway.session.requests.max";
    static final String SESSION_TOKENS_MAX = "fairway.session.tokens.max";

    // The session store, when sessions are durable.
    static final String SESSION_STORE_UP = "fairway.session.store.up";
    static final String SESSION_STORE_SESSIONS = "fairway.session.store.sessions";

    // Stopping.
    static final String SHUTDOWN_ELAPSED = "fairway.shutdown.elapsed";
    static final String SHUTDOWN_GRACE = "fairway.shutdown.grace";

    private Instruments() {
    }
}
