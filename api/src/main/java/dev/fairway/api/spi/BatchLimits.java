package dev.fairway.api.spi;

/**
 * How much a provider puts in one batch call ({@link TranslationProvider#translateBatch}).
 *
 * @param maxSegments the most segments in one call, 2 or more
 * @param maxTokens the most estimated tokens (the sum of the segments' {@code estimatedTokens}) in one call, > 0
 */
public record BatchLimits(int maxSegments, int maxTokens) {

    /** Validates both bounds. */
    public BatchLimits {
        if (maxSegments < 2) {
            throw new IllegalArgumentException("maxSegments must be at least 2, was " + maxSegments);
        }
        if (maxTokens <= 0) {
            throw new IllegalArgumentException("maxTokens must be positive, was " + maxTokens);
        }
    }

    /**
     * The tighter of these limits and others (a provider's and the scheduler's configured ones).
     *
     * @param other the other limits
     * @return the smaller of each bound
     */
    public BatchLimits min(BatchLimits other) {
        return new BatchLimits(Math.min(maxSegments, other.maxSegments), Math.min(maxTokens, other.maxTokens));
    }
}
