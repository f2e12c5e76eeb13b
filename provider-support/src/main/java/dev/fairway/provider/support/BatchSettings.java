package dev.fairway.provider.support;

import dev.fairway.api.InvalidConfigurationException;
import dev.fairway.api.TranslationRequest;
import dev.fairway.api.spi.BatchLimits;
import dev.fairway.api.spi.PluginConfig;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The keys of an HTTP provider's batch calls ({@link #KEYS}, under the provider's prefix), read once and checked:
 * {@code batch.enabled} ({@code true}), {@code batch.max-segments} ({@value #DEFAULT_MAX_SEGMENTS}, 1 to
 * {@value #MOST_SEGMENTS}) and {@code batch.max-tokens} ({@value #DEFAULT_MAX_TOKENS}, the most estimated tokens of
 * one call: the sum of its segments' {@code estimatedTokens}, 1 to {@value #MOST_TOKENS}). {@code batch.enabled =
 * false} or {@code batch.max-segments = 1} turns batching off: {@link #limits()} is then empty and the scheduler
 * sends every segment on its own.
 *
 * @param enabled whether the provider translates batches
 * @param maxSegments the most segments in one call
 * @param maxTokens the most estimated tokens in one call
 */
public record BatchSettings(boolean enabled, int maxSegments, int maxTokens) {

    /** The keys read here, relative to the provider's prefix. */
    public static final Set<String> KEYS = Set.of("batch.enabled", "batch.max-segments", "batch.max-tokens");
    /** Enough to pack a busy account's waiting segments into a few calls, few enough to keep an answer short. */
    public static final int DEFAULT_MAX_SEGMENTS = 16;
    /** About 16 short segments' reservations. */
    public static final int DEFAULT_MAX_TOKENS = 4_000;
    /** The most {@code batch.max-segments} accepted. */
    public static final int MOST_SEGMENTS = 256;
    /** The most {@code batch.max-tokens} accepted. */
    public static final int MOST_TOKENS = 1_000_000;

    /** Validates the ranges. */
    public BatchSettings {
        if (maxSegments < 1 || maxSegments > MOST_SEGMENTS) {
            throw new IllegalArgumentException("maxSegments must be 1 to " + MOST_SEGMENTS + ", was " + maxSegments);
        }
        if (maxTokens < 1 || maxTokens > MOST_TOKENS) {
            throw new IllegalArgumentException("maxTokens must be 1 to " + MOST_TOKENS + ", was " + maxTokens);
        }
    }

    /**
     * Reads and checks the keys.
     *
     * @param config the provider's keys
     * @return the settings
     * @throws InvalidConfigurationException naming the key when a value is not a boolean or out of range
     */
    public static BatchSettings read(PluginConfig config) {
        boolean enabled = config.bool("batch.enabled", true);
        int maxSegments = config.integer("batch.max-segments", DEFAULT_MAX_SEGMENTS, 1, MOST_SEGMENTS);
        int maxTokens = config.integer("batch.max-tokens", DEFAULT_MAX_TOKENS, 1, MOST_TOKENS);
        return new BatchSettings(enabled, maxSegments, maxTokens);
    }

    /**
     * What {@link dev.fairway.api.spi.TranslationProvider#batchLimits()} returns.
     *
     * @return the limits, or empty when batching is off ({@code batch.enabled = false} or {@code batch.max-segments = 1})
     */
    public Optional<BatchLimits> limits() {
        return enabled && maxSegments >= 2 ? Optional.of(new BatchLimits(maxSegments, maxTokens)) : Optional.empty();
    }

    /**
     * Checks the segments handed to {@code translateBatch}.
     *
     * @param provider the provider's name, for messages
     * @param requests the segments
     * @throws UnsupportedOperationException when batching is off
     * @throws IllegalArgumentException when there are fewer than 2 or more than {@link #maxSegments()} segments
     */
    public void check(String provider, List<TranslationRequest> requests) {
        Objects.requireNonNull(requests, "requests");
        if (limits().isEmpty()) {
            throw new UnsupportedOperationException(provider + " does not translate batches (batch.enabled = "
                    + enabled + ", batch.max-segments = " + maxSegments + ")");
        }
        if (requests.size() < 2 || requests.size() > maxSegments) {
            throw new IllegalArgumentException("a batch must have 2 to " + maxSegments + " segments, had "
                    + requests.size());
        }
        requests.forEach(r -> Objects.requireNonNull(r, "requests must not hold null"));
    }

    @Override
    public String toString() {
        return "batch.enabled=" + enabled + ", batch.max-segments=" + maxSegments + ", batch.max-tokens=" + maxTokens;
    }
}
