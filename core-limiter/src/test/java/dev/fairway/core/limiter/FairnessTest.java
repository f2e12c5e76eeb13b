package dev.fairway.core.limiter;

import dev.fairway.test.support.ManualClock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fairway.core.limiter.Simulation.Demand;
import dev.fairway.core.limiter.Simulation.Result;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * Fair share under contention, on a fake clock. "Equal demand" means every session has an endless
 * backlog; sessions differ in how often they ask (aggressiveness), which is what a first-come,
 * first-served limiter rewards and a fair one must not.
 */
class FairnessTest {

    private static final int RPM = 1200;
    private static final int TOKENS = 10;
    private static final int TPM = RPM * TOKENS;
    private static final Duration STEP = Duration.ofMillis(10);
    private static final long SEED = 42;

    private static final List<Demand> EQUAL_DEMAND = List.of(
            Demand.backlogged(20), Demand.backlogged(10), Demand.backlogged(5), Demand.backlogged(1),
            Demand.backlogged(1), Demand.backlogged(1), Demand.backlogged(1), Demand.backlogged(1),
            Demand.backlogged(1), Demand.backlogged(1));

    /** A light session wanting 10% of the limit (2 requests a second), a greedy one and a polite one. */
    private static final List<Demand> UNEQUAL_DEMAND = List.of(
            Demand.paced(50), Demand.backlogged(20), Demand.backlogged(1));

    private static FairShareRateLimiter limiter(FairSharePolicy policy, ManualClock clock) {
        return FairShareRateLimiter.builder().requestsPerMinute(RPM).tokensPerMinute(TPM).policy(policy)
                .clock(clock).build();
    }

    private static Result simulate(FairSharePolicy policy, List<Demand> demands) {
        ManualClock clock = ManualClock.wall();
        return Simulation.run(limiter(policy, clock), clock, demands, TOKENS, STEP, Duration.ofMinutes(6),
                Duration.ofMinutes(2), SEED);
    }

    private static void assertFair(Result result, String context) {
        double jain = result.jainOfAll();
        assertTrue(jain >= 0.99, context + ": Jain's index " + jain + " < 0.99 for admissions "
                + Arrays.toString(result.admitted()));
    }

    @Test
    void equalDemandIsSharedEquallyWhateverTheAggressiveness() {
        Result result = simulate(FairSharePolicy.MAX_MIN, EQUAL_DEMAND);
        assertFair(result, "MAX_MIN");
        assertTrue(result.totalPerMinute() >= 0.97 * RPM, "work-conserving: " + result.totalPerMinute());
    }

    @Test
    void firstComeFirstServedFailsTheSameFairnessTest() {
        Result result = simulate(FairSharePolicy.NONE, EQUAL_DEMAND);
        double jain = result.jainOfAll();
        assertTrue(jain < 0.99, "negative control: FCFS should fail the fairness test, Jain's index was " + jain
                + " for " + Arrays.toString(result.admitted()));
    }

    @Test
    void staticSplitIsFairForEqualDemand() {
        assertFair(simulate(FairSharePolicy.STATIC_SPLIT, EQUAL_DEMAND), "STATIC_SPLIT");
    }

    @Test
    void unequalDemandGetsMaxMinShares() {
        Result result = simulate(FairSharePolicy.MAX_MIN, UNEQUAL_DEMAND);
        // The light session gets all it asks for (its backlog is served within the window it waits for).
        assertEquals(120, result.perMinute(0), 6, "light session per minute");
        assertTrue(result.maxBacklog()[0] <= 120, "light session backlog " + result.maxBacklog()[0]);
        // The two heavy ones split the rest equally, greedy or not: max-min.
        double rest = (RPM - 120) / 2.0;
        assertEquals(rest, result.perMinute(1), rest * 0.03, "greedy session per minute");
        assertEquals(rest, result.perMinute(2), rest * 0.03, "polite session per minute");
        assertTrue(result.totalPerMinute() >= 0.98 * RPM, "work-conserving: " + result.totalPerMinute());
    }

    @Test
    void sessionsBelowTheLevelGetTheirDemandAndTheOthersShareTheRest() {
        // Demands 600, 200, endless, endless per minute of a 1,200 limit: max-min gives 333, 200, 333, 333.
        Result result = simulate(FairSharePolicy.MAX_MIN, List.of(
                Demand.paced(10), Demand.paced(30), Demand.backlogged(5), Demand.backlogged(1)));
        assertEquals(200, result.perMinute(1), 10, "session below the level");
        double level = (RPM - 200) / 3.0;
        for (int s : new int[] {0, 2, 3}) {
            assertEquals(level, result.perMinute(s), level * 0.03, "session " + s + " at the level");
        }
    }

    @Test
    void firstComeFirstServedLetsTheGreedySessionCrowdOutThePoliteOne() {
        Result result = simulate(FairSharePolicy.NONE, UNEQUAL_DEMAND);
        assertTrue(result.perMinute(1) > 5 * result.perMinute(2),
                "negative control: greedy " + result.perMinute(1) + " vs polite " + result.perMinute(2));
    }

    @Test
    void staticSplitLeavesTheLightSessionsShareUnused() {
        Result result = simulate(FairSharePolicy.STATIC_SPLIT, UNEQUAL_DEMAND);
        assertTrue(result.perMinute(1) <= RPM / 3.0 + 1, "greedy capped at a third: " + result.perMinute(1));
        assertTrue(result.totalPerMinute() < 0.8 * RPM, "not work-conserving: " + result.totalPerMinute());
    }

    @Test
    void weightsDivideTheLimitInProportion() {
        Result result = simulate(FairSharePolicy.MAX_MIN,
                List.of(Demand.backlogged(5), Demand.backlogged(5).weighted(3)));
        assertEquals(RPM / 4.0, result.perMinute(0), RPM / 4.0 * 0.03, "weight 1");
        assertEquals(RPM * 3 / 4.0, result.perMinute(1), RPM * 3 / 4.0 * 0.03, "weight 3");
    }

    @Test
    void loneSessionGetsWholeLimit() {
        for (FairSharePolicy policy : FairSharePolicy.values()) {
            ManualClock clock = ManualClock.wall();
            Result first = Simulation.run(limiter(policy, clock), clock, List.of(Demand.backlogged(3)), TOKENS, STEP,
                    Duration.ofSeconds(59), Duration.ZERO, SEED);
            assertEquals(RPM, first.admitted()[0], policy + ": the whole limit in the first minute");
            Result steady = simulate(policy, List.of(Demand.backlogged(3)));
            assertTrue(steady.perMinute(0) >= 0.99 * RPM, policy + ": " + steady.perMinute(0) + " per minute");
        }
    }
}
