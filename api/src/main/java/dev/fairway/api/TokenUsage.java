package dev.fairway.api;

/**
 * Tokens a provider reports for one call.
 *
 * @param promptTokens tokens of the input (system prompt and text), >= 0
 * @param completionTokens tokens of the output, >= 0
 * @param totalTokens tokens the provider charges against its limit, >= prompt + completion is not
 *     required (some providers count cached tokens differently), but >= 0
 */
public record TokenUsage(int promptTokens, int completionTokens, int totalTokens) {

    /** No tokens: for a call that never reached the provider. */
    public static final TokenUsage NONE = new TokenUsage(0, 0, 0);

    /** Validates the counts. */
    public TokenUsage {
        Checks.notNegative("promptTokens", promptTokens);
        Checks.notNegative("completionTokens", completionTokens);
        Checks.notNegative("totalTokens", totalTokens);
    }

    /**
     * Usage whose total is the sum of its parts.
     *
     * @param promptTokens input tokens
     * @param completionTokens output tokens
     * @return the usage
     */
    public static TokenUsage of(int promptTokens, int completionTokens) {
        return new TokenUsage(promptTokens, completionTokens, promptTokens + completionTokens);
    }
}
