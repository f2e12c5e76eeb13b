package dev.fairway.api.spi;

import dev.fairway.api.RateLimitFeedback;
import dev.fairway.api.TokenUsage;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How a batch call ended, once {@link TranslationProvider#translateBatch} returns normally. The segments it did
 * not hand to the {@link BatchReceiver} were not answered validly (missing, empty, duplicated or unknown ids, a
 * malformed or cut answer): the scheduler translates each of them again on its own, never with another's text.
 *
 * @param usage the whole call's usage as the provider reported it
 * @param providerLatency time from sending the call to having the whole answer
 * @param rateLimit the provider's rate-limit feedback read from the response
 * @param model the model that answered
 * @param problems what was wrong with the answer, one line each (for logs and traces); empty when every segment
 *     was answered
 */
public record BatchOutcome(TokenUsage usage, Duration providerLatency, RateLimitFeedback rateLimit, String model,
        List<String> problems) {

    /** Validates and copies. */
    public BatchOutcome {
        Objects.requireNonNull(usage, "usage");
        Objects.requireNonNull(providerLatency, "providerLatency");
        if (providerLatency.isNegative()) {
            throw new IllegalArgumentException("providerLatency must not be negative, was " + providerLatency);
        }
        Objects.requireNonNull(rateLimit, "rateLimit");
        Objects.requireNonNull(model, "model");
        problems = List.copyOf(Objects.requireNonNull(problems, "problems"));
    }
}
