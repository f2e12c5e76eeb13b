package dev.fairway.provider.support;

import dev.fairway.api.TokenUsage;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Splits one call's token usage among the segments of a batch, in proportion to weights, so that the shares add
 * up to the call's usage exactly: prompt, completion and total tokens are each split by the largest-remainder
 * method (every share gets its whole part, and the tokens left over go one each to the largest fractional parts,
 * the earlier segment first on a tie). Integer arithmetic throughout.
 */
public final class BatchUsage {

    private BatchUsage() {
    }

    /**
     * Splits a usage.
     *
     * @param usage the call's usage
     * @param weights each segment's weight, >= 1 (Fairway's providers use the estimated tokens of its source text)
     * @return one share per weight, in order; together they are {@code usage}
     */
    public static List<TokenUsage> apportion(TokenUsage usage, int[] weights) {
        Objects.requireNonNull(usage, "usage");
        if (weights.length == 0) {
            throw new IllegalArgumentException("weights must not be empty");
        }
        long sum = 0;
        for (int w : weights) {
            if (w < 1) {
                throw new IllegalArgumentException("weights must be >= 1, was " + Arrays.toString(weights));
            }
            sum += w;
        }
        int[] prompt = split(usage.promptTokens(), weights, sum);
        int[] completion = split(usage.completionTokens(), weights, sum);
        int[] total = split(usage.totalTokens(), weights, sum);
        List<TokenUsage> shares = new ArrayList<>(weights.length);
        for (int i = 0; i < weights.length; i++) {
            shares.add(new TokenUsage(prompt[i], completion[i], total[i]));
        }
        return List.copyOf(shares);
    }

    private static int[] split(int amount, int[] weights, long sum) {
        int n = weights.length;
        int[] shares = new int[n];
        long[] remainders = new long[n];
        long given = 0;
        for (int i = 0; i < n; i++) {
            long product = (long) amount * weights[i];
            shares[i] = (int) (product / sum);
            remainders[i] = product % sum;
            given += shares[i];
        }
        long left = amount - given;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.<Integer>comparingLong(i -> remainders[i]).reversed()
                .thenComparingInt(i -> i));
        for (int k = 0; k < left; k++) {
            shares[order[k]]++;
        }
        return shares;
    }
}
