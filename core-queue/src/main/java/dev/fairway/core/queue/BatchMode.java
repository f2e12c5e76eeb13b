package dev.fairway.core.queue;

/**
 * When the scheduler packs several waiting segments (of any sessions) into one provider call, for providers
 * that translate batches ({@link dev.fairway.api.spi.TranslationProvider#batchLimits()}).
 */
public enum BatchMode {

    /** Never: one call per segment (the default). */
    OFF,

    /**
     * When the rate limiter refuses: a segment refused for want of a request waits in the batch pool, and the
     * pool goes out as one call as soon as one of its sessions is granted a permit. When nothing binds, segments
     * go one by one as with {@link #OFF}, so batching adds no latency where it does not pay.
     */
    WHEN_LIMITED,

    /** Always: every segment a dispatch pass finds ready goes into the pool, which it sends as batches. */
    ALWAYS;

    /**
     * The mode of a configuration value: {@code off}, {@code when-limited} or {@code always}.
     *
     * @param name the value of {@code fairway.queue.batching}
     * @return the mode
     * @throws IllegalArgumentException for any other value
     */
    public static BatchMode ofConfigName(String name) {
        return switch (String.valueOf(name)) {
            case "off" -> OFF;
            case "when-limited" -> WHEN_LIMITED;
            case "always" -> ALWAYS;
            default -> throw new IllegalArgumentException("batching must be off, when-limited or always, was " + name);
        };
    }
}
