package dev.fairway.api;

import java.time.Duration;

/**
 * What a provider returned for one request.
 *
 * @param text the translated text (may be empty when the source was only noise)
 * @param usage tokens the provider reports having used
 * @param providerLatency time from sending the request to having the whole answer
 * @param rateLimit the provider's rate-limit feedback read from this response
 * @param model the model that answered, as the provider names it
 * @param finishReason why the provider stopped; {@link FinishReason#LENGTH} means the text is cut short
 */
public record TranslationResult(
        String text,
        TokenUsage usage,
        Duration providerLatency,
        RateLimitFeedback rateLimit,
        String model,
        FinishReason finishReason) {

    /** Validates every field. */
    public TranslationResult {
        Checks.notNull("text", text);
        Checks.notNull("usage", usage);
        Checks.notNull("providerLatency", providerLatency);
        if (providerLatency.isNegative()) {
            throw new IllegalArgumentException("providerLatency must not be negative, was " + providerLatency);
        }
        Checks.notNull("rateLimit", rateLimit);
        Checks.notNull("model", model);
        Checks.notNull("finishReason", finishReason);
    }
}
