package dev.fairway.api.limit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fairway.api.SessionId;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

class RateLimiterStatsTest {

    @Test
    void negativeCountIsRefusedNamingTheField() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new SessionRateStats(-1, 0, 10, 100));
        assertEquals("requestsLastMinute must be >= 0, was -1", e.getMessage());
    }

    @Test
    void zeroLimitIsRefused() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new RateLimiterStats(0, 0, 0, 100, 0, false, Map.of()));
        assertTrue(e.getMessage().startsWith("requestsPerMinuteLimit"), e.getMessage());
    }

    @Test
    void sessionStatsAreCopied() {
        var map = new HashMap<SessionId, SessionRateStats>();
        map.put(SessionId.of("a"), new SessionRateStats(1, 2, 3, 4));
        var stats = new RateLimiterStats(1, 10, 2, 100, 1, false, map);
        map.clear();
        assertEquals(1, stats.sessionStats().size());
        assertThrows(UnsupportedOperationException.class, () -> stats.sessionStats().clear());
    }
}
