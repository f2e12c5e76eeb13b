package dev.fairway.api.limit;

import dev.fairway.api.SessionId;

import java.util.Map;

/**
 * What a {@link RateLimiter} reports: the original's {@code getRequestStats()} content.
 *
 * @param requestsLastMinute requests admitted in the last minute (including calibration from
 *     provider feedback), >= 0
 * @param requestsPerMinuteLimit the enforced requests-per-minute limit, > 0
 * @param tokensLastMinute tokens reserved or used in the last minute, >= 0
 * @param tokensPerMinuteLimit the enforced tokens-per-minute limit, > 0
 * @param activeSessions sessions registered and not expired, >= 0
 * @param rateLimited whether admission is paused after a 429
 * @param sessionStats per active session, its usage and fair share; an unmodifiable copy
 */
public record RateLimiterStats(
        long requestsLastMinute,
        long requestsPerMinuteLimit,
        long tokensLastMinute,
        long tokensPerMinuteLimit,
        int activeSessions,
        boolean rateLimited,
        Map<SessionId, SessionRateStats> sessionStats) {

    /** Validates the counts and copies the map. */
    public RateLimiterStats {
        notNegative("requestsLastMinute", requestsLastMinute);
        positive("requestsPerMinuteLimit", requestsPerMinuteLimit);
        notNegative("tokensLastMinute", tokensLastMinute);
        positive("tokensPerMinuteLimit", tokensPerMinuteLimit);
        notNegative("activeSessions", activeSessions);
        if (sessionStats == null) {
            throw new IllegalArgumentException("sessionStats must not be null");
        }
        sessionStats = Map.copyOf(sessionStats);
    }

    static void notNegative(String field, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(field + " must be >= 0, was " + value);
        }
    }

    private static void positive(String field, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(field + " must be > 0, was " + value);
        }
    }
}
