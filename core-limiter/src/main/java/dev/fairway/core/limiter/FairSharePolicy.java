package dev.fairway.core.limiter;

/**
 * How a rate limiter divides the global budget between sessions. Every policy keeps the global
 * sliding-window invariant; they differ only in what one session may take, which {@link #cap} computes.
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

    /**
     * What one session may use in the window, in one dimension (requests or tokens). Under
     * {@link #MAX_MIN} it is the session's water level, counting it as contending: what the sessions
     * that do not contend leave, shared by weight among the contending ones and this one.
     *
     * @param limit the window's limit
     * @param weight the session's weight
     * @param contending whether the session contends (its weight and usage are already counted so)
     * @param used the session's usage in the window
     * @param satisfied the usage of the sessions that do not contend (including this one's if it does not)
     * @param totalWeight the weight of every session ({@link #STATIC_SPLIT})
     * @param contendingWeight the weight of the contending sessions ({@link #MAX_MIN})
     * @return the cap, {@code >= 0}
     */
    public long cap(long limit, long weight, boolean contending, long used, long satisfied, long totalWeight,
            long contendingWeight) {
        return switch (this) {
            case STATIC_SPLIT -> limit * weight / totalWeight;
            case MAX_MIN -> {
                long sharing = contendingWeight;
                long others = satisfied;
                if (!contending) {
                    sharing += weight;
                    others -= used;
                }
                yield Math.max(0, limit - Math.max(0, others)) * weight / Math.max(1, sharing);
            }
            case NONE -> limit;
        };
    }
}
