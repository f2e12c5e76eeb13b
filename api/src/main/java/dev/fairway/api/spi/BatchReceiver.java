package dev.fairway.api.spi;

import dev.fairway.api.TranslationResult;

/**
 * Takes the segments of a batch call one at a time, as soon as each one's part of the answer is complete and
 * valid. Called on the thread that runs {@link TranslationProvider#translateBatch}; must not block.
 */
@FunctionalInterface
public interface BatchReceiver {

    /**
     * One segment of the batch is translated.
     *
     * @param index the segment's position in the list given to {@code translateBatch}
     * @param result its translation; {@code usage} is its share of the call's usage, {@code providerLatency}
     *     the time from sending the call to having this segment's part of the answer
     */
    void translated(int index, TranslationResult result);
}
