package dev.fairway.core.limiter;

/**
 * How {@link FairShareRateLimiter} divides the global budget between sessions. Every policy keeps the
 * global sliding-window invariant; they differ only in what one session may take.
 */
public enum FairSharePolicy {

    /**
     * Max-min fair share, work-conserving (the default). Sessions that were refused recently are
     * <em>contending</em>; they share what the other sessions leave in proportion to their weights:
     * a contending session may use {@code (limit - usage of non-contending sessions) * weight /
     * contending weight}. A session that wants less than that is not refused, stops contending, and
     * its unused share goes to the others; a lone session gets the whole limit.
     */
    MAX_MIN,

    /**
     * The original's static split: each registered session may use {@code floor(limit * weight /
     * total weight)}, whether or not the others use theirs. Fair but not work-conserving.
     */
    STATIC_SPLIT,

    /**
     * No per-session share: first come, first served within the global limits. The rollback mode of
     * the original ("fair share disabled"), and the negative control of the fairness tests.
     */
    NONE;

    /**
     * The policy of a configuration value: {@code max-min}, {@code static-split} or {@code none}.
     *
     * @param name the value of {@code fairway.limiter.policy}
     * @return the policy
     * @throws IllegalArgumentException for any other name
     */
    public static FairSharePolicy ofConfigName(String name) {
        return switch (String.valueOf(name)) {
            case "max-min" -> MAX_MIN;
            case "static-split" -> STATIC_SPLIT;
            case "none" -> NONE;
            default -> throw new IllegalArgumentException("policy must be max-min, static-split or none, was " + name);
        };
    }
}
