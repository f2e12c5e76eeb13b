package dev.fairway.core.limiter.internal;

/**
 * How a limiter store packs a permit into a non-negative {@code long}, so that reconcile and cancel
 * find its bucket and estimate without a lookup.
 *
 * <p>Without separate input and output budgets: the fine tick above {@link #TOKEN_BITS} bits of
 * tokens. With them: the fine tick's low 19 bits, a flag (the combined estimate is the larger part,
 * for a permit asked for without a split), {@link #PART_BITS} bits of input and as many of output
 * tokens. Bit 62 stays clear of the split layout's tick, so a store may mark its own permits with it
 * (limiter-redis does, to tell them from its local fallback's).
 */
public final class PermitLayout {

    /** Bits of tokens in a permit without a split. */
    public static final int TOKEN_BITS = 31;
    /** The tokens of a permit without a split. */
    public static final long TOKEN_MASK = (1L << TOKEN_BITS) - 1;
    /** Bits of the input and of the output part. */
    public static final int PART_BITS = 21;
    /** The largest input or output estimate of one request when the budgets are separate. */
    public static final long PART_MAX = (1L << PART_BITS) - 1;
    private static final int WHOLE_FLAG_SHIFT = 2 * PART_BITS;
    private static final int SPLIT_TICK_SHIFT = WHOLE_FLAG_SHIFT + 1;
    /** The bits of the tick a split permit keeps (19). */
    public static final long SPLIT_TICK_MASK = (1L << (62 - SPLIT_TICK_SHIFT)) - 1;

    private PermitLayout() {
    }

    /**
     * A permit without a split.
     *
     * @param tick the fine tick, of which {@code tickMask} is kept
     * @param tokens the estimate, at most {@link #TOKEN_MASK}
     * @param tickMask the bits of the tick to keep: 32 at most, 31 to leave bit 62 clear
     * @return the permit
     */
    public static long whole(long tick, long tokens, long tickMask) {
        return ((tick & tickMask) << TOKEN_BITS) | tokens;
    }

    /**
     * A permit with separate input and output parts.
     *
     * @param tick the fine tick (its low 19 bits are kept)
     * @param whole whether the combined estimate is the larger part (asked for without a split)
     * @param in the input part, at most {@link #PART_MAX}
     * @param out the output part, at most {@link #PART_MAX}
     * @return the permit
     */
    public static long split(long tick, boolean whole, long in, long out) {
        return ((tick & SPLIT_TICK_MASK) << SPLIT_TICK_SHIFT) | (whole ? 1L << WHOLE_FLAG_SHIFT : 0)
                | (in << PART_BITS) | out;
    }

    /**
     * @param permit a permit
     * @param split whether it has the split layout
     * @return its combined token estimate
     */
    public static long tokens(long permit, boolean split) {
        if (!split) {
            return permit & TOKEN_MASK;
        }
        long in = inputTokens(permit, true);
        long out = outputTokens(permit, true);
        return ((permit >>> WHOLE_FLAG_SHIFT) & 1) != 0 ? Math.max(in, out) : in + out;
    }

    /**
     * @param permit a permit
     * @param split whether it has the split layout
     * @return its input estimate; 0 without a split
     */
    public static long inputTokens(long permit, boolean split) {
        return split ? (permit >>> PART_BITS) & PART_MAX : 0;
    }

    /**
     * @param permit a permit
     * @param split whether it has the split layout
     * @return its output estimate; 0 without a split
     */
    public static long outputTokens(long permit, boolean split) {
        return split ? permit & PART_MAX : 0;
    }

    /**
     * The fine tick a permit was charged to: the latest tick up to {@code current} with its stored bits.
     *
     * @param permit a permit
     * @param split whether it has the split layout
     * @param current the current fine tick
     * @param tickMask the bits a permit without a split keeps ({@link #whole})
     * @return the tick
     */
    public static long tick(long permit, boolean split, long current, long tickMask) {
        if (split) {
            return current - ((current - (permit >>> SPLIT_TICK_SHIFT)) & SPLIT_TICK_MASK);
        }
        return current - ((current - (permit >>> TOKEN_BITS)) & tickMask);
    }
}
