package dev.fairway.provider.openai;

import dev.fairway.provider.support.TranslationPrompts;


/**
 * This provider's token arithmetic: the constants of its tokenizer and framing for a
 * {@link TranslationPrompts.Budget}, which does the arithmetic (the system prompts are
 * {@link TranslationPrompts#systemPrompt}).
 *
 * <p>Token counts are estimated without a tokenizer: about 4 ASCII characters a token, one token per
 * CJK character, two other non-ASCII characters a token. Chat framing adds a few tokens per message.
 *
 * <p>The completion cap ({@code max_tokens}) follows the source's length:
 * {@code min(max, max(min, ceil(sourceTokens * factor)))}. A translation is rarely much longer than its
 * source, so the factor (2 by default) is headroom, not an expectation; the floor keeps short partials
 * from being cut.
 *
 * <p>What the limiter reserves ({@code reservedTokens}) is prompt tokens plus the completion cap,
 * because that is what OpenAI's own rate limiter counts against the tokens-per-minute budget when it
 * admits a request. What a call is expected to use ({@code expectedTokens}) is prompt tokens plus
 * about as many completion tokens as source tokens; reconciling with the reported usage gives the
 * difference back.
 */
final class Prompts {

    /** Tokens of chat framing: about 3 per message (two messages) and 3 to prime the answer. */
    static final int FRAMING_TOKENS = 9;
    /** ASCII characters a token, in tenths, for OpenAI's tokenizer. */
    static final int ASCII_CHARS_PER_TOKEN_TENTHS = 40;

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

    static TranslationPrompts.Budget of(OpenAiSettings settings) {
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
