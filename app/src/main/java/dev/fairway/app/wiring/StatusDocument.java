package dev.fairway.app.wiring;

import dev.fairway.api.SessionId;
import dev.fairway.api.TranslationScheduler;
import dev.fairway.api.limit.ConcurrencyLimiter;
import dev.fairway.api.limit.RateLimiter;
import dev.fairway.api.limit.RateLimiterStats;
import dev.fairway.api.limit.SessionRateStats;
import dev.fairway.app.config.ConfigKeys;
import dev.fairway.app.config.FairwayConfig;
import dev.fairway.app.overload.OverloadMonitor;
import dev.fairway.core.queue.FairScheduler;
import dev.fairway.limiter.redis.RedisRateLimiter;
import jakarta.inject.Singleton;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The JSON-ready status document of a running node, served by the transport's {@code /status}: the
 * queue status (the original's {@code getStatus()}) under {@code queue}, the limiter stats (the
 * original's {@code getRequestStats()}) under {@code limiter}, with where it keeps its windows
 * ({@code store}: {@code memory} or {@code redis}) and, for Redis, whether the node serves from its local
 * fallback share ({@code degraded}), the concurrency limiter under {@code concurrency}, and the node's
 * saturation signals and admission state under {@code overload}.
 */
@Singleton
public final class StatusDocument {

    private final FairwayConfig config;
    private final TranslationScheduler scheduler;
    private final RateLimiter rateLimiter;
    private final ConcurrencyLimiter concurrencyLimiter;
    private final OverloadMonitor overload;

    /**
     * @param config the configuration
     * @param scheduler the scheduler
     * @param rateLimiter the rate limiter
     * @param concurrencyLimiter the concurrency limiter
     * @param overload the node's saturation signals
     */
    public StatusDocument(FairwayConfig config, TranslationScheduler scheduler, RateLimiter rateLimiter,
            ConcurrencyLimiter concurrencyLimiter, OverloadMonitor overload) {
        this.config = config;
        this.scheduler = scheduler;
        this.rateLimiter = rateLimiter;
        this.concurrencyLimiter = concurrencyLimiter;
        this.overload = overload;
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
        Map<String, Object> limiter = new LinkedHashMap<>();
        if (rateLimiter instanceof RedisRateLimiter redis) {
            limiter.put("store", "redis");
            limiter.put("degraded", redis.isDegraded());
            limiter.put("node", redis.nodeId());
            limiter.put("knownNodes", redis.knownNodes());
            limiter.put("redisCalls", redis.redisCalls());
            limiter.put("lease", redis.leaseSize());
        } else {
            limiter.put("store", "memory");
            limiter.put("degraded", false);
        }
        limiter.putAll(limiter(rateLimiter.stats()));
        document.put("limiter", limiter);
        Map<String, Object> concurrency = new LinkedHashMap<>();
        concurrency.put("policy", config.get(ConfigKeys.CONCURRENCY_POLICY));
        concurrency.put("limit", concurrencyLimiter.limit());
        concurrency.put("inFlight", concurrencyLimiter.inFlight());
        document.put("concurrency", concurrency);
        document.put("overload", overload.status());
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
