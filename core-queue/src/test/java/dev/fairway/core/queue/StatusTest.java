package dev.fairway.core.queue;

import dev.fairway.api.SessionId;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StatusTest {

    @Test
    void statusHasTheOriginalFieldsAndTheNewOnes() {
        ScriptedProvider provider = new ScriptedProvider();
        ManualExecutor executor = new ManualExecutor();
        Instant wall = Instant.parse("2026-01-02T03:04:05Z");
        try (Harness h = Harness.manual(provider, executor, b -> b.maxConcurrent(2)
                .wallClock(Clock.fixed(wall, ZoneOffset.UTC)))) {
            Harness.Client a = h.open("a");
            Harness.Client b = h.open("b");
            a.fin(1, "one");
            a.fin(2, "two");
            a.partial(3, "three");
            h.clock.advance(Duration.ofSeconds(1));
            b.partial(1, "x");
            b.partial(2, "xy");
            h.scheduler.pump();

            SchedulerStatus s = h.scheduler.status();
            assertEquals(2, s.activeRequests(), "final 1 of a and partial 3 of a; maxConcurrent 2");
            assertEquals(2, s.queueLength(), "a's final 2 and b's pending partial 2");
            assertTrue(s.processing());
            assertEquals(2, s.maxConcurrent());
            assertEquals(2, s.activeSessions());
            assertEquals(1, s.superseded());
            SessionStatus sa = s.sessionStats().get(SessionId.of("a"));
            assertEquals(3, sa.requestCount());
            assertEquals(1, sa.queuedFinals());
            assertEquals(2, sa.inFlight());
            assertEquals(0, sa.pendingPartials());
            assertEquals(wall.minusSeconds(1), sa.lastRequestTime().orElseThrow());
            SessionStatus sb = s.sessionStats().get(SessionId.of("b"));
            assertEquals(1, sb.pendingPartials());
            assertEquals(wall, sb.lastRequestTime().orElseThrow());
            assertEquals(2, s.queueWait().count());
            assertTrue(s.estimatedTokensUsed() > 0);
        }
    }

    @Test
    void toMapIsJsonReady() {
        ScriptedProvider provider = new ScriptedProvider();
        try (Harness h = Harness.direct(provider)) {
            h.open("a").fin(1, "one");
            h.open("b");
            h.runUntilIdle();
            Map<String, Object> m = h.scheduler.status().toMap();
            assertEquals(List.of("queueLength", "processing", "activeRequests", "maxConcurrent", "estimatedTokensUsed",
                    "activeSessions", "sessionStats"), List.copyOf(m.keySet()).subList(0, 7));
            assertJsonReady(m);
            @SuppressWarnings("unchecked")
            Map<String, Object> sessions = (Map<String, Object>) m.get("sessionStats");
            @SuppressWarnings("unchecked")
            Map<String, Object> a = (Map<String, Object>) sessions.get("a");
            assertEquals(1L, a.get("requestCount"));
            assertTrue(a.get("lastRequestTime") instanceof Long);
            @SuppressWarnings("unchecked")
            Map<String, Object> b = (Map<String, Object>) sessions.get("b");
            assertFalse(b.containsKey("lastRequestTime"), "absent before the first request");
            assertTrue(a.get("finalP95Ms") instanceof Double, a.toString());
            assertFalse(a.containsKey("partialP95Ms"), "absent before the first partial is delivered");
            assertFalse(b.containsKey("finalP95Ms"), b.toString());
        }
    }

    private static void assertJsonReady(Object value) {
        if (value instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                assertTrue(e.getKey() instanceof String, "key " + e.getKey());
                assertJsonReady(e.getValue());
            }
        } else if (value instanceof List<?> list) {
            list.forEach(StatusTest::assertJsonReady);
        } else {
            assertTrue(value instanceof String || value instanceof Number || value instanceof Boolean,
                    "not a JSON value: " + value);
        }
    }

    @Test
    void latencyHistogramPercentilesAreWithinOneSixteenth() {
        long seed = 42;
        java.util.Random random = new java.util.Random(seed);
        LatencyHistogram h = new LatencyHistogram();
        long[] values = new long[10_000];
        for (int i = 0; i < values.length; i++) {
            values[i] = (long) Math.exp(random.nextDouble() * 25);
            h.record(values[i]);
        }
        java.util.Arrays.sort(values);
        for (int permille : new int[] {500, 950, 990}) {
            long exact = values[(int) Math.ceil(values.length * permille / 1000.0) - 1];
            long reported = h.percentile(permille);
            assertTrue(reported >= exact && reported <= exact + exact / 16 + 1,
                    "seed " + seed + ": p" + permille + " exact " + exact + " reported " + reported);
        }
        for (long v = 0; v < 100_000; v += 7) {
            int i = LatencyHistogram.index(v);
            assertTrue(LatencyHistogram.upperBound(i) >= v && (i == 0 || LatencyHistogram.upperBound(i - 1) < v),
                    "bucket of " + v);
        }
        LatencyHistogram empty = new LatencyHistogram();
        assertEquals(Duration.ZERO, empty.snapshot().p99());
    }
}
