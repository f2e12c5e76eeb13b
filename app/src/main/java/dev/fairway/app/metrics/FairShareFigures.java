package dev.fairway.app.metrics;

import dev.fairway.api.SessionId;
import dev.fairway.api.limit.RateLimiterStats;
import dev.fairway.api.limit.SessionRateStats;

import java.time.Duration;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;

/**
 * How the rate limiter's budget is shared on this node right now, from one reading of its stats: the figures
 * behind the {@code fairway.fairshare.*} and {@code fairway.session.*.max} gauges.
 *
 * <p>A session is <em>held back</em> when the limit binds (the window is at least 90% full in requests or
 * tokens; a pause after a 429 holds every session back alike and does not count) and the session has work
 * waiting in the scheduler: it wants more
 * than it gets, so under fair sharing it should get its share. Its <em>fill</em> is what it used in the window
 * over its fair share, the share prorated for a session younger than the window (a session that joined 15 s
 * ago cannot have used more than a quarter of a minute's share), in the dimension (requests or tokens) that
 * binds more. A held-back session that used less than half of that is <em>starved</em>. Jain's index is taken
 * over the fills of the held-back sessions: 1 when they all got the same part of their share, {@code 1/n} when
 * one got everything; 1 when fewer than two are held back.
 *
 * @param over sessions that used more than their share in the window (normal for up to a window after other
 *     sessions join: the share falls at once, the window slides)
 * @param starved held-back sessions that used less than half of their (prorated) share
 * @param within the other sessions, including those that want less than their share
 * @param heldBack the held-back sessions
 * @param jain Jain's fairness index of the held-back sessions' fills
 * @param binding whether the limit binds
 * @param maxRequests the most requests one session used in the window
 * @param maxTokens the most tokens one session used in the window
 */
public record FairShareFigures(int over, int starved, int within, int heldBack, double jain, boolean binding,
        long maxRequests, long maxTokens) {

    /** The limiter's window: usage counts over the last minute. */
    public static final Duration WINDOW = Duration.ofMinutes(1);
    /** Fill of the window past which the limit binds. */
    public static final double BINDING = 0.9;
    /** Part of its share under which a held-back session is starved. */
    public static final double STARVED = 0.5;

    /** Validates the counts. */
    public FairShareFigures {
        if (over < 0 || starved < 0 || within < 0 || heldBack < 0 || maxRequests < 0 || maxTokens < 0) {
            throw new IllegalArgumentException("counts must be >= 0, were over " + over + ", starved " + starved
                    + ", within " + within + ", heldBack " + heldBack + ", maxRequests " + maxRequests
                    + ", maxTokens " + maxTokens);
        }
        if (!(jain > 0 && jain <= 1.0 + 1e-9)) {
            throw new IllegalArgumentException("jain must be in (0, 1], was " + jain);
        }
    }

    /**
     * Computes the figures.
     *
     * @param stats one reading of the limiter's stats
     * @param waiting whether a session has work waiting in the scheduler (a pending partial or queued finals)
     * @param ageNanos how long a session has been open, or a negative number when unknown (taken as older than
     *     the window)
     * @return the figures
     */
    public static FairShareFigures of(RateLimiterStats stats, Predicate<SessionId> waiting,
            ToLongFunction<SessionId> ageNanos) {
        double requestFill = (double) stats.requestsLastMinute() / stats.requestsPerMinuteLimit();
        double tokenFill = (double) stats.tokensLastMinute() / stats.tokensPerMinuteLimit();
        boolean binding = Math.max(requestFill, tokenFill) >= BINDING;
        boolean byTokens = tokenFill > requestFill;
        int over = 0;
        int starved = 0;
        int within = 0;
        int heldBack = 0;
        double sum = 0;
        double squares = 0;
        long maxRequests = 0;
        long maxTokens = 0;
        long window = WINDOW.toNanos();
        for (Map.Entry<SessionId, SessionRateStats> e : stats.sessionStats().entrySet()) {
            SessionRateStats s = e.getValue();
            maxRequests = Math.max(maxRequests, s.requestsLastMinute());
            maxTokens = Math.max(maxTokens, s.tokensLastMinute());
            if (s.requestsLastMinute() > s.fairShareRPM() || s.tokensLastMinute() > s.fairShareTPM()) {
                over++;
                continue;
            }
            long used = byTokens ? s.tokensLastMinute() : s.requestsLastMinute();
            long share = byTokens ? s.fairShareTPM() : s.fairShareRPM();
            if (!binding || share <= 0 || !waiting.test(e.getKey())) {
                within++;
                continue;
            }
            long age = ageNanos.applyAsLong(e.getKey());
            double expected = age < 0 || age >= window ? share : (double) share * age / window;
            if (expected <= 0) {
                within++;
                continue;
            }
            double fill = Math.min(1.0, used / expected);
            heldBack++;
            sum += fill;
            squares += fill * fill;
            if (used < STARVED * expected) {
                starved++;
            } else {
                within++;
            }
        }
        double jain = heldBack < 2 || squares == 0 ? 1.0 : Math.min(1.0, sum * sum / (heldBack * squares));
        return new FairShareFigures(over, starved, within, heldBack, jain, binding, maxRequests, maxTokens);
    }
}
