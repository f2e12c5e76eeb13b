package dev.fairway.provider.fake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ServerLimitsTest {

    private static final long MS = 1_000_000L;
    private static final long WINDOW = ServerLimits.WINDOW_NANOS;

    @Test
    void admissionsInOneMillisecondShareASlotThatLeavesWithTheLatest() {
        ServerLimits limits = new ServerLimits(2, 0);
        assertTrue(limits.tryAdmit(200_000, 10).admitted());
        assertTrue(limits.tryAdmit(900_000, 10).admitted());
        assertEquals(1, limits.slots());
        ServerLimits.Decision refused = limits.tryAdmit(WINDOW + 500_000, 10);
        assertFalse(refused.admitted());
        assertEquals(Duration.ofMillis(1), refused.feedback().retryAfter().orElseThrow());
        assertTrue(limits.tryAdmit(WINDOW + 900_000, 10).admitted());
    }

    @Test
    void slotsStayBoundedHoweverHighTheLimits() {
        ServerLimits limits = new ServerLimits(1_000_000_000L, 1_000_000_000_000L);
        for (long t = 0; t < 2 * WINDOW; t += 37_000) {
            assertTrue(limits.tryAdmit(t, 40).admitted());
        }
        assertTrue(limits.slots() <= 60_001, "slots " + limits.slots());
    }

    @Test
    void randomTrafficNeverExceedsTheLimitsInAnySlidingWindowAndRetryAfterIsExact() {
        long seed = 20_240_501L;
        for (int run = 0; run < 30; run++) {
            long runSeed = seed + run;
            SplittableRandom random = new SplittableRandom(runSeed);
            long rpm = 1 + random.nextInt(40);
            long tpm = random.nextBoolean() ? 0 : 200 + random.nextInt(2000);
            ServerLimits limits = new ServerLimits(rpm, tpm);
            List<long[]> admitted = new ArrayList<>();
            long now = 0;
            for (int i = 0; i < 2000; i++) {
                now += random.nextLong(4 * WINDOW / rpm / 3);
                int tokens = 31 + random.nextInt(120);
                if (!limits.fits(tokens)) {
                    continue;
                }
                ServerLimits.Decision decision = limits.tryAdmit(now, tokens);
                if (decision.admitted()) {
                    admitted.add(new long[] {now, tokens});
                    continue;
                }
                long retry = decision.feedback().retryAfter().orElseThrow().toNanos();
                if (retry > MS) {
                    assertFalse(limits.tryAdmit(now + retry - MS, tokens).admitted(),
                            "seed " + runSeed + ": admitted before the retry-after");
                }
                now += retry;
                assertTrue(limits.tryAdmit(now, tokens).admitted(), "seed " + runSeed + ": refused after the retry-after");
                admitted.add(new long[] {now, tokens});
            }
            assertWindowsHold(admitted, rpm, tpm, runSeed);
        }
    }

    private static void assertWindowsHold(List<long[]> admitted, long rpm, long tpm, long seed) {
        int from = 0;
        long tokens = 0;
        for (int to = 0; to < admitted.size(); to++) {
            tokens += admitted.get(to)[1];
            while (admitted.get(to)[0] - admitted.get(from)[0] >= WINDOW) {
                tokens -= admitted.get(from)[1];
                from++;
            }
            assertTrue(to - from + 1 <= rpm, "seed " + seed + ": " + (to - from + 1) + " requests in a window, limit " + rpm);
            assertTrue(tpm == 0 || tokens <= tpm, "seed " + seed + ": " + tokens + " tokens in a window, limit " + tpm);
        }
    }
}
