package dev.fairway.benchmarks;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * The original's fair-share limiter ({@code backend/openaiRateLimiter.js}), ported the way it was
 * written, as a baseline: lists of timestamps (global, and per session) filtered into new lists on
 * every call like {@code Array.filter}, the active sessions counted on every call by walking every
 * session's last activity, and the static split {@code floor(limit / activeSessions)}. The original
 * ran on one JavaScript thread; a lock stands in for that here. Do not use it: it exists to be
 * measured.
 */
final class NaiveSlidingWindowLimiter {

    private static final long WINDOW_MILLIS = 60_000;
    private static final long ACTIVE_MILLIS = 300_000;

    private final long maxRequestsPerMinute;
    private final long maxTokensPerMinute;
    private final LongSupplier clockMillis;
    private final ReentrantLock lock = new ReentrantLock();

    private List<Long> requestTimestamps = new ArrayList<>();
    private List<long[]> tokenUsage = new ArrayList<>();
    private final Map<String, List<Long>> sessionRequestCounts = new HashMap<>();
    private final Map<String, List<long[]>> sessionTokenUsage = new HashMap<>();
    private final Map<String, Long> sessionLastActivity = new HashMap<>();

    NaiveSlidingWindowLimiter(long maxRequestsPerMinute, long maxTokensPerMinute, LongSupplier clockMillis) {
        this.maxRequestsPerMinute = maxRequestsPerMinute;
        this.maxTokensPerMinute = maxTokensPerMinute;
        this.clockMillis = clockMillis;
    }

    boolean tryAcquire(String sessionId, int estimatedTokens) {
        lock.lock();
        try {
            long now = clockMillis.getAsLong();
            requestTimestamps = filterTimes(requestTimestamps, now);
            tokenUsage = filterUsage(tokenUsage, now);
            sessionLastActivity.put(sessionId, now);

            long activeSessions = getActiveSessionCount(now);
            long fairShareRpm = Math.floorDiv(maxRequestsPerMinute, activeSessions);
            long fairShareTpm = Math.floorDiv(maxTokensPerMinute, activeSessions);

            List<Long> sessionRequests = filterTimes(sessionRequestCounts.getOrDefault(sessionId, List.of()), now);
            List<long[]> sessionTokens = filterUsage(sessionTokenUsage.getOrDefault(sessionId, List.of()), now);
            sessionRequestCounts.put(sessionId, sessionRequests);
            sessionTokenUsage.put(sessionId, sessionTokens);

            long tokensLastMinute = 0;
            for (long[] u : tokenUsage) {
                tokensLastMinute += u[1];
            }
            long sessionTokensLastMinute = 0;
            for (long[] u : sessionTokens) {
                sessionTokensLastMinute += u[1];
            }
            if (requestTimestamps.size() >= maxRequestsPerMinute
                    || tokensLastMinute + estimatedTokens > maxTokensPerMinute) {
                return false;
            }
            if (sessionRequests.size() >= fairShareRpm || sessionTokensLastMinute + estimatedTokens > fairShareTpm) {
                return false;
            }
            requestTimestamps.add(now);
            tokenUsage.add(new long[] {now, estimatedTokens});
            sessionRequests.add(now);
            sessionTokens.add(new long[] {now, estimatedTokens});
            return true;
        } finally {
            lock.unlock();
        }
    }

    private long getActiveSessionCount(long now) {
        long count = 0;
        for (long last : sessionLastActivity.values()) {
            if (now - last < ACTIVE_MILLIS) {
                count++;
            }
        }
        return Math.max(1, count);
    }

    private static List<Long> filterTimes(List<Long> times, long now) {
        List<Long> kept = new ArrayList<>();
        for (Long t : times) {
            if (now - t < WINDOW_MILLIS) {
                kept.add(t);
            }
        }
        return kept;
    }

    private static List<long[]> filterUsage(List<long[]> usage, long now) {
        List<long[]> kept = new ArrayList<>();
        for (long[] u : usage) {
            if (now - u[0] < WINDOW_MILLIS) {
                kept.add(u);
            }
        }
        return kept;
    }
}
