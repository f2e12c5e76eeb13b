package dev.fairway.app.wiring;

import dev.fairway.api.SessionId;
import dev.fairway.api.TranslationScheduler;
import dev.fairway.api.limit.ConcurrencyLimiter;
import dev.fairway.api.limit.RateLimiterStore;
import dev.fairway.api.limit.RateLimiterStats;
import dev.fairway.api.limit.SessionRateStats;
import dev.fairway.app.config.ConfigKeys;
import dev.fairway.app.config.FairwayConfig;
import dev.fairway.app.overload.OverloadMonitor;
import dev.fairway.core.queue.FairScheduler;
import jakarta.inject.Singleton;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The JSON-ready status document of a running node, served by the transport's {@code /status}: the
 * queue status (the original's {@code getStatus()}) under {@code queue}, the limiter stats (the
 * original's {@code getRequestStats()}) under {@code limiter}, after the lines of the store that keeps its
 * windows ({@code store}: its name, {@code degraded}: whether the node serves from a local fallback share,
 * and whatever else the store reports), the concurrency limiter under {@code concurrency}, and the
 * node's saturation signals and admission state under {@code overload}, and the session store's lines
 * under {@code sessions}.
 */
@Singleton
public final class StatusDocument {

    private final FairwayConfig config;
    private final TranslationScheduler scheduler;
    private final RateLimiterStore limiterStore;
    private final ConcurrencyLimiter concurrencyLimiter;
    private final OverloadMonitor overload;
    private final SessionJournal sessions;

    /**
     * @param config the configuration
     * @param scheduler the scheduler
     * @param limiterStore the rate limiter's store
     * @param concurrencyLimiter the concurrency limiter
     * @param overload the node's saturation signals
     * @param sessions the session store, if sessions are durable
     */
    public StatusDocument(FairwayConfig config, TranslationScheduler scheduler, RateLimiterStore limiterStore,
            ConcurrencyLimiter concurrencyLimiter, OverloadMonitor overload, SessionJournal sessions) {
        this.config = config;
        this.scheduler = scheduler;
        this.limiterStore = limiterStore;
        this.concurrencyLimiter = concurrencyLimiter;
        this.overload = overload;
        this.sessions = sessions;
    }

    /**
     * A fresh snapshot: nested maps, lists, strings, numbers and booleans only.
     *
     * @return the document
     */
    public Map<String, Object> document() {
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("version", AppVersion.current());
        document.put("provider", config.get(ConfigKeys.PROVIDER));
        document.put("transport", config.get(ConfigKeys.TRANSPORT));
        if (scheduler instanceof FairScheduler fair) {
            document.put("queue", fair.status().toMap());
        }
        Map<String, Object> limiter = new LinkedHashMap<>(limiterStore.status());
        limiter.putAll(limiter(limiterStore.limiter().stats()));
        document.put("limiter", limiter);
        Map<String, Object> concurrency = new LinkedHashMap<>();
        concurrency.put("policy", config.get(ConfigKeys.CONCURRENCY_POLICY));
        concurrency.put("limit", concurrencyLimiter.limit());
        concurrency.put("inFlight", concurrencyLimiter.inFlight());
        document.put("concurrency", concurrency);
        document.put("overload", overload.status());
        document.put("sessions", sessions.status());
        return document;
    }

    static Map<String, Object> limiter(RateLimiterStats stats) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("requestsLastMinute", stats.requestsLastMinute());
        map.put("requestsPerMinuteLimit", stats.requestsPerMinuteLimit());
        map.put("tokensLastMinute", stats.tokensLastMinute());
        map.put("tokensPerMinuteLimit", stats.tokensPerMinuteLimit());
        map.put("activeSessions", stats.activeSessions());
        map.put("rateLimited", stats.rateLimited());
        Map<String, Object> sessions = new TreeMap<>();
        for (Map.Entry<SessionId, SessionRateStats> e : stats.sessionStats().entrySet()) {
            SessionRateStats s = e.getValue();
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("requestsLastMinute", s.requestsLastMinute());
            row.put("tokensLastMinute", s.tokensLastMinute());
            row.put("fairShareRPM", s.fairShareRPM());
            row.put("fairShareTPM", s.fairShareTPM());
            sessions.put(e.getKey().value(), row);
        }
        map.put("sessionStats", sessions);
        return map;
    }
}
