package dev.fairway.provider.anthropic;

import dev.fairway.provider.support.TranslationPrompts;


/**
 * This provider's token arithmetic: the constants of its tokenizer and framing for a
 * {@link TranslationPrompts.Budget}, which does the arithmetic (the system prompts are
 * {@link TranslationPrompts#systemPrompt}).
 *
 * <p>Token counts are estimated without a tokenizer: about 3.5 ASCII characters a token (Claude's
 * tokenizer cuts English into about 15% more tokens than OpenAI's), one token per CJK character,
 * two other non-ASCII characters a token. The Messages framing adds a few tokens.
 *
 * <p>The completion cap ({@code max_tokens}, which the Messages API requires) follows the source's
 * length: {@code min(max, max(min, ceil(sourceTokens * factor)))}. A translation is rarely much longer
 * than its source, so the factor (2 by default) is headroom; the floor keeps short partials from being cut.
 *
 * <p>What the limiter reserves ({@code reservedTokens}) is prompt tokens plus the completion cap:
 * Anthropic's output-tokens-per-minute limit is charged {@code max_tokens} when a request is admitted
 * and adjusted when it ends. What a call is expected to use ({@code expectedTokens}) is prompt tokens
 * plus about as many completion tokens as source tokens.
 */
final class Prompts {

    /** Tokens of the Messages framing around the system prompt and the one user turn. */
    static final int FRAMING_TOKENS = 8;
    /** ASCII characters a token, in tenths, for Claude's tokenizer. */
    static final int ASCII_CHARS_PER_TOKEN_TENTHS = 35;

    private Prompts() {
    }

    /**
     * The budget with these constants.
     *
     * @param maxTokensFactor completion cap per source token
     * @param maxTokensMin the cap's floor
     * @param maxTokensMax the cap's ceiling
     * @return the budget
     */
    static TranslationPrompts.Budget budget(double maxTokensFactor, int maxTokensMin, int maxTokensMax) {
        return new TranslationPrompts.Budget(ASCII_CHARS_PER_TOKEN_TENTHS, FRAMING_TOKENS, maxTokensFactor,
                maxTokensMin, maxTokensMax);
    }

    static TranslationPrompts.Budget of(AnthropicSettings settings) {
        return settings.http().budget(ASCII_CHARS_PER_TOKEN_TENTHS, FRAMING_TOKENS);
    }

    /**
     * Estimates the tokens of a text.
     *
     * @param text any text
     * @return at least 1
     */
    static int textTokens(String text) {
        return TranslationPrompts.textTokens(text, ASCII_CHARS_PER_TOKEN_TENTHS);
    }
}
