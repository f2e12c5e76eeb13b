package dev.fairway.core.limiter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.fairway.api.limit.ConcurrencyLimiter.Outcome;

import org.junit.jupiter.api.Test;

class AimdConcurrencyPolicyTest {

    @Test
    void growsByOneAfterAsManyCleanResponsesAsTheLimit() {
        AimdConcurrencyPolicy policy = AimdConcurrencyPolicy.builder().initial(4).build();
        for (int i = 0; i < 3; i++) {
            policy.onSample(0, 1, 4, Outcome.SUCCESS);
        }
        assertEquals(4, policy.limit(1));
        policy.onSample(0, 1, 4, Outcome.SUCCESS);
        assertEquals(5, policy.limit(1));
    }

    @Test
    void doesNotGrowWhenTheLimitIsNotInUse() {
        AimdConcurrencyPolicy policy = AimdConcurrencyPolicy.builder().initial(10).build();
        for (int i = 0; i < 100; i++) {
            policy.onSample(0, 1, 2, Outcome.SUCCESS);
        }
        assertEquals(10, policy.limit(1));
    }

    @Test
    void halvesOnA429DownToTheFloor() {
        AimdConcurrencyPolicy policy = AimdConcurrencyPolicy.builder().initial(20).floor(3).build();
        long t = 0;
        int[] expected = {10, 5, 3, 3};
        for (int e : expected) {
            policy.onSample(t + 1, t + 2, 1, Outcome.RATE_LIMITED);
            t += 10;
            assertEquals(e, policy.limit(t));
        }
    }

    @Test
    void manyInFlight429sOfOneEventDecreaseOnce() {
        AimdConcurrencyPolicy policy = AimdConcurrencyPolicy.builder().initial(16).build();
        // Eight requests started at 100..107 all get a 429 around 200.
        for (int i = 0; i < 8; i++) {
            policy.onSample(100 + i, 200 + i, 8, Outcome.RATE_LIMITED);
        }
        assertEquals(8, policy.limit(300));
        // A request started after that decrease is a new event.
        policy.onSample(250, 300, 8, Outcome.RATE_LIMITED);
        assertEquals(4, policy.limit(300));
    }

    @Test
    void ignoredOutcomesChangeNothing() {
        AimdConcurrencyPolicy policy = AimdConcurrencyPolicy.create();
        for (int i = 0; i < 50; i++) {
            policy.onSample(0, 1, 5, Outcome.IGNORED);
        }
        assertEquals(5, policy.limit(1));
    }

    @Test
    void neverExceedsTheCeiling() {
        AimdConcurrencyPolicy policy = AimdConcurrencyPolicy.builder().initial(3).ceiling(3).build();
        for (int i = 0; i < 100; i++) {
            policy.onSample(0, 1, 3, Outcome.SUCCESS);
        }
        assertEquals(3, policy.limit(1));
    }

    @Test
    void inconsistentBoundsAreRefused() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> AimdConcurrencyPolicy.builder().floor(10).ceiling(5).build());
        assertEquals("floor must be <= ceiling, was 10 > 5", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> AimdConcurrencyPolicy.builder().initial(1).build());
        assertThrows(IllegalArgumentException.class, () -> AimdConcurrencyPolicy.builder().backoffPercent(100));
    }

    @Test
    void slowStartDoublesUntilTheFirst429ThenGrowsByOne() {
        AimdConcurrencyPolicy policy = AimdConcurrencyPolicy.builder().initial(4).floor(2).ceiling(64).slowStart(true)
                .build();
        cleanWindow(policy, 4);
        assertEquals(8, policy.limit(1));
        cleanWindow(policy, 8);
        assertEquals(16, policy.limit(1));
        policy.onSample(2, 3, 16, Outcome.RATE_LIMITED);
        assertEquals(8, policy.limit(4));
        cleanWindow(policy, 8);
        assertEquals(9, policy.limit(5), "additive after the first 429");
    }

    private static void cleanWindow(AimdConcurrencyPolicy policy, int limit) {
        for (int i = 0; i < limit; i++) {
            policy.onSample(10, 11, limit, Outcome.SUCCESS);
        }
    }
}
