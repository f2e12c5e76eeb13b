package dev.fairway.app.metrics;

import dev.fairway.api.NanoClock;
import dev.fairway.api.SessionId;
import dev.fairway.api.TranslationScheduler;
import dev.fairway.api.limit.RateLimiter;
import dev.fairway.api.limit.RateLimiterStats;
import dev.fairway.core.queue.FairScheduler;
import dev.fairway.core.queue.SchedulerStatus;
import dev.fairway.core.queue.SessionStatus;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.BatchCallback;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.metrics.ObservableDoubleMeasurement;
import io.opentelemetry.api.metrics.ObservableLongMeasurement;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * A serving node's OpenTelemetry instruments besides those its modules register themselves: what the
 * scheduler's status, the rate limiter's stats and the session store say, read at collection time, and
 * what each session's outcomes say ({@link #tap}), recorded as they are handed over. Nothing here carries a
 * session id: the number of sessions is unbounded, so per-session figures stay in {@code /status} and in the
 * traces ({@code session.id}); the busiest session's usage and the fair-share counts summarize them.
 *
 * <p>Cost: the scheduler's {@code status()} and the limiter's {@code stats()} visit every session, so they are
 * read once per collection, in one batch callback that records every instrument derived from them; a
 * collection by two readers (OTLP and Prometheus) reads them twice. The session store's status is read in a
 * callback of its own, because a Redis store asks Redis (bounded by its timeout).
 */
public final class NodeMetrics implements AutoCloseable {

    static final AttributeKey<String> PROVIDER = AttributeKey.stringKey("provider.name");
    static final AttributeKey<String> STATE = AttributeKey.stringKey("state");
    static final AttributeKey<String> STORE = AttributeKey.stringKey("store");

    private final Meter meter;
    private final NanoClock clock;
    private final FairScheduler scheduler;
    private final List<BatchCallback> callbacks = new ArrayList<>();
    private volatile DeliveryTap tap;
    /** The clock's nanos when the stop was requested, 0 while serving. */
    private volatile long stopRequestedAt;

    /**
     * Registers the instruments.
     *
     * @param openTelemetry the application's OpenTelemetry
     * @param clock the node's clock
     * @param sources what the instruments read
     */
    public NodeMetrics(OpenTelemetry openTelemetry, NanoClock clock, Sources sources) {
        Objects.requireNonNull(sources, "sources");
        this.meter = openTelemetry.getMeter(Instruments.SCOPE);
        this.clock = Objects.requireNonNull(clock, "clock");
        this.scheduler = sources.scheduler() instanceof FairScheduler fair ? fair : null;
        registerCoreInstruments(sources.rateLimiter(), Attributes.of(PROVIDER, sources.providerName()));
        if (!sources.sessionStoreName().equals("none")) {
            registerSessionStore(sources.sessionStoreName(), sources.sessionStoreStatus());
        }
        registerShutdown(sources.grace());
    }

    /**
     * What the instruments read.
     *
     * @param scheduler the scheduler (its status is read when it is a {@link FairScheduler})
     * @param rateLimiter the rate limiter
     * @param providerName the provider's name, the {@code provider.name} attribute
     * @param sessionStoreName the session store's name, {@code none} when sessions are not durable
     * @param sessionStoreStatus the session store's status lines ({@code sessions}, and {@code error} when it
     *     cannot answer)
     * @param grace the shutdown grace
     */
    public record Sources(TranslationScheduler scheduler, RateLimiter rateLimiter, String providerName,
            String sessionStoreName, Supplier<Map<String, Object>> sessionStoreStatus, Duration grace) {

        /** Validates every field. */
        public Sources {
            Objects.requireNonNull(scheduler, "scheduler");
            Objects.requireNonNull(rateLimiter, "rateLimiter");
            Objects.requireNonNull(providerName, "providerName");
            Objects.requireNonNull(sessionStoreName, "sessionStoreName");
            Objects.requireNonNull(sessionStoreStatus, "sessionStoreStatus");
            Objects.requireNonNull(grace, "grace");
        }
    }

    /**
     * The scheduler as a transport should see it: each session's outcomes recorded on their way to it.
     *
     * @param served the scheduler the transport would get
     * @return a scheduler that passes everything on to {@code served}
     */
    public TranslationScheduler tap(TranslationScheduler served) {
        DeliveryTap t = new DeliveryTap(served, meter, clock);
        tap = t;
        return t;
    }

    /** The node was asked to stop: {@code fairway.shutdown.elapsed} starts counting. */
    public void stopRequested() {
        stopRequestedAt = Math.max(1, clock.nanoTime());
    }

    private void registerCoreInstruments(RateLimiter rateLimiter, Attributes provider) {
        ObservableLongMeasurement sessions = meter.upDownCounterBuilder(Instruments.SESSIONS_ACTIVE)
                .setUnit("{session}").setDescription("Sessions open in this node's scheduler").buildObserver();
        ObservableLongMeasurement queue = meter.upDownCounterBuilder(Instruments.QUEUE_LENGTH).setUnit("{segment}")
                .setDescription("Segments waiting to be sent, by kind: pending partials (at most one per session)"
                        + " and queued finals (including those waiting to be retried)")
                .buildObserver();
        ObservableLongMeasurement inFlight = meter.upDownCounterBuilder(Instruments.CALLS_ACTIVE).setUnit("{call}")
                .setDescription("Provider calls in flight").buildObserver();
        ObservableLongMeasurement concurrency = meter.gaugeBuilder(Instruments.CONCURRENCY_LIMIT).ofLongs()
                .setUnit("{call}").setDescription("Bound on provider calls in flight now: the smaller of the"
                        + " concurrency limiter's current limit and fairway.queue.max-concurrent")
                .buildObserver();
        ObservableLongMeasurement calls = meter.counterBuilder(Instruments.PROVIDER_CALLS).setUnit("{call}")
                .setDescription("Provider calls made, retries included, a shared or batch call once").buildObserver();
        ObservableLongMeasurement rateLimited = meter.counterBuilder(Instruments.RATE_LIMITED).setUnit("{response}")
                .setDescription("Provider answers that were a 429 (rate limited)").buildObserver();
        ObservableLongMeasurement retries = meter.counterBuilder(Instruments.RETRIES).setUnit("{retry}")
                .setDescription("Retries of finals scheduled after a transient fault or a 429").buildObserver();
        ObservableLongMeasurement deduplicated = meter.counterBuilder(Instruments.DEDUPLICATED).setUnit("{segment}")
                .setDescription("Segments answered by an identical call already in flight").buildObserver();
        ObservableLongMeasurement dropped = meter.counterBuilder(Instruments.PARTIALS_DROPPED).setUnit("{segment}")
                .setDescription("Partials never delivered, by reason: superseded (a newer partial or a final came"
                        + " first) or stale (waited past fairway.queue.partial-stale-after)")
                .buildObserver();
        ObservableLongMeasurement batchCalls = meter.counterBuilder(Instruments.BATCH_CALLS).setUnit("{call}")
                .setDescription("Batch calls sent (each also one of fairway.provider.calls)").buildObserver();
        ObservableLongMeasurement batchSegments = meter.counterBuilder(Instruments.BATCH_SEGMENTS)
                .setUnit("{segment}").setDescription("Segments sent in batch calls (divided by the batch calls: the"
                        + " mean batch size)").buildObserver();
        ObservableLongMeasurement batchFallbacks = meter.counterBuilder(Instruments.BATCH_FALLBACKS)
                .setUnit("{segment}").setDescription("Segments a batch's answer left out, sent again on their own")
                .buildObserver();
        ObservableLongMeasurement pooled = meter.upDownCounterBuilder(Instruments.BATCH_POOLED).setUnit("{segment}")
                .setDescription("Segments waiting in the batch pool").buildObserver();

        ObservableLongMeasurement requestsUsed = meter.gaugeBuilder(Instruments.REQUESTS_USED).ofLongs()
                .setUnit("{request}").setDescription("Requests admitted by the rate limiter in the last minute"
                        + " (every node's with a shared store)").buildObserver();
        ObservableLongMeasurement requestsLimit = meter.gaugeBuilder(Instruments.REQUESTS_LIMIT).ofLongs()
                .setUnit("{request}").setDescription("The rate limiter's requests-per-minute limit").buildObserver();
        ObservableLongMeasurement tokensUsed = meter.gaugeBuilder(Instruments.TOKENS_USED).ofLongs()
                .setUnit("{token}").setDescription("Tokens reserved or used in the last minute (every node's with a"
                        + " shared store)").buildObserver();
        ObservableLongMeasurement tokensLimit = meter.gaugeBuilder(Instruments.TOKENS_LIMIT).ofLongs()
                .setUnit("{token}").setDescription("The rate limiter's tokens-per-minute limit").buildObserver();
        ObservableLongMeasurement limiterSessions = meter.gaugeBuilder(Instruments.LIMITER_SESSIONS).ofLongs()
                .setUnit("{session}").setDescription("Sessions the rate limiter shares the budget between (every"
                        + " node's with a shared store)").buildObserver();
        ObservableLongMeasurement paused = meter.gaugeBuilder(Instruments.LIMITER_PAUSED).ofLongs()
                .setDescription("1 while the rate limiter pauses admission after a 429").buildObserver();
        ObservableLongMeasurement fairShare = meter.upDownCounterBuilder(Instruments.FAIRSHARE_SESSIONS)
                .setUnit("{session}").setDescription("This node's sessions by how their last minute's usage compares"
                        + " with their fair share: over, starved (wanting more while the limit binds, and given less"
                        + " than half of its share), within")
                .buildObserver();
        ObservableDoubleMeasurement jain = meter.gaugeBuilder(Instruments.FAIRSHARE_JAIN)
                .setDescription("Jain's fairness index of usage over fair share, over the sessions held back by the"
                        + " limit (1: all got the same part of their share; 1 when fewer than two are held back)")
                .buildObserver();
        ObservableLongMeasurement maxRequests = meter.gaugeBuilder(Instruments.SESSION_REQUESTS_MAX).ofLongs()
                .setUnit("{request}").setDescription("Requests of this node's busiest session in the last minute")
                .buildObserver();
        ObservableLongMeasurement maxTokens = meter.gaugeBuilder(Instruments.SESSION_TOKENS_MAX).ofLongs()
                .setUnit("{token}").setDescription("Tokens of this node's busiest session in the last minute")
                .buildObserver();

        Attributes partial = Attributes.of(DeliveryTap.KIND, "partial");
        Attributes fin = Attributes.of(DeliveryTap.KIND, "final");
        Attributes superseded = Attributes.of(DeliveryTap.REASON, "superseded");
        Attributes stale = Attributes.of(DeliveryTap.REASON, "stale");
        Attributes over = Attributes.of(STATE, "over");
        Attributes starved = Attributes.of(STATE, "starved");
        Attributes within = Attributes.of(STATE, "within");
        callbacks.add(meter.batchCallback(() -> {
            SchedulerStatus status = scheduler == null ? null : scheduler.status();
            Map<SessionId, SessionStatus> perSession = status == null ? Map.of() : status.sessionStats();
            if (status != null) {
                sessions.record(status.activeSessions());
                long partials = 0;
                long finals = 0;
                for (SessionStatus s : perSession.values()) {
                    partials += s.pendingPartials();
                    finals += s.queuedFinals();
                }
                queue.record(partials, partial);
                queue.record(finals, fin);
                inFlight.record(status.activeRequests());
                concurrency.record(Math.min(status.concurrencyLimit(), status.maxConcurrent()));
                calls.record(status.providerCalls(), provider);
                rateLimited.record(status.rateLimitedResponses(), provider);
                retries.record(status.retries());
                deduplicated.record(status.deduplicated());
                dropped.record(status.superseded(), superseded);
                dropped.record(status.droppedStale(), stale);
                batchCalls.record(status.batches().calls());
                batchSegments.record(status.batches().segments());
                batchFallbacks.record(status.batches().fallbacks());
                pooled.record(status.batches().pooled());
            }
            RateLimiterStats stats = rateLimiter.stats();
            requestsUsed.record(stats.requestsLastMinute());
            requestsLimit.record(stats.requestsPerMinuteLimit());
            tokensUsed.record(stats.tokensLastMinute());
            tokensLimit.record(stats.tokensPerMinuteLimit());
            limiterSessions.record(stats.activeSessions());
            paused.record(stats.rateLimited() ? 1 : 0);
            DeliveryTap t = tap;
            FairShareFigures figures = FairShareFigures.of(stats, id -> {
                SessionStatus s = perSession.get(id);
                return s != null && s.pendingPartials() + s.queuedFinals() > 0;
            }, id -> t == null ? -1 : t.ageNanos(id));
            fairShare.record(figures.over(), over);
            fairShare.record(figures.starved(), starved);
            fairShare.record(figures.within(), within);
            jain.record(figures.jain());
            maxRequests.record(figures.maxRequests());
            maxTokens.record(figures.maxTokens());
        }, sessions, queue, inFlight, concurrency, calls, rateLimited, retries, deduplicated, dropped, batchCalls,
                batchSegments, batchFallbacks, pooled, requestsUsed, requestsLimit, tokensUsed, tokensLimit,
                limiterSessions, paused, fairShare, jain, maxRequests, maxTokens));
    }

    private void registerSessionStore(String name, Supplier<Map<String, Object>> status) {
        Attributes store = Attributes.of(STORE, name);
        ObservableLongMeasurement up = meter.gaugeBuilder(Instruments.SESSION_STORE_UP).ofLongs()
                .setDescription("1 while the session store answers, 0 when it reports an error (a Redis store:"
                        + " Redis did not answer within its timeout)")
                .buildObserver();
        ObservableLongMeasurement stored = meter.upDownCounterBuilder(Instruments.SESSION_STORE_SESSIONS)
                .setUnit("{session}").setDescription("Sessions the session store holds (a shared store: every"
                        + " node's)").buildObserver();
        callbacks.add(meter.batchCallback(() -> {
            Map<String, Object> lines;
            try {
                lines = status.get();
            } catch (RuntimeException e) {
                up.record(0, store);
                return;
            }
            up.record(lines.containsKey("error") ? 0 : 1, store);
            if (lines.get("sessions") instanceof Number n && n.longValue() >= 0) {
                stored.record(n.longValue(), store);
            }
        }, up, stored));
    }

    private void registerShutdown(Duration grace) {
        ObservableDoubleMeasurement elapsed = meter.gaugeBuilder(Instruments.SHUTDOWN_ELAPSED).setUnit("s")
                .setDescription("Seconds since the node was asked to stop (SIGTERM), 0 while it serves; past"
                        + " fairway.shutdown.grace plus the transport's close-timeout the stop is overrunning")
                .buildObserver();
        ObservableDoubleMeasurement graceGauge = meter.gaugeBuilder(Instruments.SHUTDOWN_GRACE).setUnit("s")
                .setDescription("fairway.shutdown.grace: how long a stop waits for accepted finals").buildObserver();
        double graceSeconds = grace.toNanos() / 1e9;
        callbacks.add(meter.batchCallback(() -> {
            long since = stopRequestedAt;
            elapsed.record(since == 0 ? 0 : Math.max(0, clock.nanoTime() - since) / 1e9);
            graceGauge.record(graceSeconds);
        }, elapsed, graceGauge));
    }

    /** Removes the observable instruments' callbacks. */
    @Override
    public void close() {
        for (BatchCallback callback : callbacks) {
            callback.close();
        }
    }
}
