package dev.fairway.provider.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fairway.api.TokenUsage;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BatchUsageTest {

    @Test
    void sharesFollowTheWeightsAndLeftoverTokensGoToTheLargestRemainders() {
        // 10 tokens by 1:1:1 -> 3.33 each: one left over, to the first (ties go to the earlier segment).
        assertEquals(List.of(new TokenUsage(4, 2, 6), new TokenUsage(3, 2, 5), new TokenUsage(3, 1, 5)),
                BatchUsage.apportion(new TokenUsage(10, 5, 16), new int[] {1, 1, 1}));
        // 100 by 1:2:7 -> exactly 10, 20, 70.
        assertEquals(List.of(TokenUsage.of(10, 1), TokenUsage.of(20, 2), TokenUsage.of(70, 7)),
                BatchUsage.apportion(TokenUsage.of(100, 10), new int[] {1, 2, 7}));
        // 7 by 3:1 -> 5.25 and 1.75: the larger remainder (0.75) gets the leftover token.
        assertEquals(List.of(new TokenUsage(5, 0, 5), new TokenUsage(2, 0, 2)),
                BatchUsage.apportion(new TokenUsage(7, 0, 7), new int[] {3, 1}));
    }

    @Test
    void sharesAlwaysAddUpToTheWhole() {
        long seed = new Random().nextLong();
        Random random = new Random(seed);
        for (int run = 0; run < 2_000; run++) {
            int n = 1 + random.nextInt(32);
            int[] weights = new int[n];
            for (int i = 0; i < n; i++) {
                weights[i] = 1 + random.nextInt(random.nextBoolean() ? 10 : 100_000);
            }
            TokenUsage whole = new TokenUsage(random.nextInt(1_000_000), random.nextInt(100_000), random.nextInt(2_000_000));
            List<TokenUsage> shares = BatchUsage.apportion(whole, weights);
            String at = "seed " + seed + ", run " + run;
            assertEquals(whole.promptTokens(), shares.stream().mapToInt(TokenUsage::promptTokens).sum(), at);
            assertEquals(whole.completionTokens(), shares.stream().mapToInt(TokenUsage::completionTokens).sum(), at);
            assertEquals(whole.totalTokens(), shares.stream().mapToInt(TokenUsage::totalTokens).sum(), at);
            long sum = 0;
            for (int w : weights) {
                sum += w;
            }
            for (int i = 0; i < n; i++) {
                double exact = (double) whole.totalTokens() * weights[i] / sum;
                assertTrue(Math.abs(shares.get(i).totalTokens() - exact) < 1.0, at + ": share " + i);
            }
        }
    }

    @Test
    void weightsMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> BatchUsage.apportion(TokenUsage.NONE, new int[] {}));
        assertThrows(IllegalArgumentException.class, () -> BatchUsage.apportion(TokenUsage.NONE, new int[] {1, 0}));
    }
}
