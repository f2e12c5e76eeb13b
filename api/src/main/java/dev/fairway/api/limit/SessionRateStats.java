package dev.fairway.api.limit;

/**
 * One session's line of {@link RateLimiterStats}.
 *
 * @param requestsLastMinute requests admitted for the session in the last minute, >= 0
 * @param tokensLastMinute tokens reserved or used by the session in the last minute, >= 0
 * @param fairShareRPM the requests per minute the session is entitled to now, >= 0
 * @param fairShareTPM the tokens per minute the session is entitled to now, >= 0
 */
public record SessionRateStats(long requestsLastMinute, long tokensLastMinute, long fairShareRPM,
        long fairShareTPM) {

    /** Validates that no count is negative. */
    public SessionRateStats {
        RateLimiterStats.notNegative("requestsLastMinute", requestsLastMinute);
        RateLimiterStats.notNegative("tokensLastMinute", tokensLastMinute);
        RateLimiterStats.notNegative("fairShareRPM", fairShareRPM);
        RateLimiterStats.notNegative("fairShareTPM", fairShareTPM);
    }
}
