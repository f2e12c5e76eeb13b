package dev.fairway.provider.openai;

import dev.fairway.api.SegmentKind;
import dev.fairway.api.spi.TranslationPrompts;


/**
 * The system prompts and the token arithmetic derived from them.
 *
 * <p>Token counts are estimated without a tokenizer: about 4 ASCII characters a token, one token per
 * CJK character, two other non-ASCII characters a token. Chat framing adds a few tokens per message.
 *
 * <p>The completion cap ({@code max_tokens}) follows the source's length:
 * {@code min(max, max(min, ceil(sourceTokens * factor)))}. A translation is rarely much longer than its
 * source, so the factor (2 by default) is headroom, not an expectation; the floor keeps short partials
 * from being cut.
 *
 * <p>What the limiter reserves ({@link #reservedTokens}) is prompt tokens plus the completion cap,
 * because that is what OpenAI's own rate limiter counts against the tokens-per-minute budget when it
 * admits a request. What a call is expected to use ({@link #expectedTokens}) is prompt tokens plus
 * about as many completion tokens as source tokens; reconciling with the reported usage gives the
 * difference back.
 */
final class Prompts {

    /** Tokens of chat framing: about 3 per message (two messages) and 3 to prime the answer. */
    static final int FRAMING_TOKENS = 9;
    /** ASCII characters a token, in tenths, for OpenAI's tokenizer. */
    static final int ASCII_CHARS_PER_TOKEN_TENTHS = 40;

    private final TranslationPrompts.Budget budget;

    Prompts(double maxTokensFactor, int maxTokensMin, int maxTokensMax) {
        this.budget = new TranslationPrompts.Budget(ASCII_CHARS_PER_TOKEN_TENTHS, FRAMING_TOKENS, maxTokensFactor,
                maxTokensMin, maxTokensMax);
    }

    static Prompts of(OpenAiSettings settings) {
        return new Prompts(settings.maxTokensFactor(), settings.maxTokensMin(), settings.maxTokensMax());
    }

    /**
     * The system prompt of a segment kind.
     *
     * @param kind partial or final
     * @param sourceLanguage BCP 47 tag
     * @param targetLanguage BCP 47 tag
     * @return the prompt naming both languages
     */
    String systemPrompt(SegmentKind kind, String sourceLanguage, String targetLanguage) {
        return TranslationPrompts.systemPrompt(kind, sourceLanguage, targetLanguage);
    }

    /**
     * The completion cap for a source text.
     *
     * @param text the source text
     * @return {@code min(max, max(min, ceil(sourceTokens * factor)))}
     */
    int maxTokens(String text) {
        return budget.maxTokens(text);
    }

    /**
     * The prompt tokens of a request: system prompt, text and framing.
     *
     * @param kind partial or final
     * @param text the source text
     * @return the estimate
     */
    int promptTokens(SegmentKind kind, String text) {
        return budget.promptTokens(kind, text);
    }

    /**
     * What the limiter should reserve: prompt tokens plus the completion cap, as OpenAI counts a
     * request when admitting it.
     *
     * @param kind partial or final
     * @param text the source text
     * @return the reservation, > 0
     */
    int reservedTokens(SegmentKind kind, String text) {
        return budget.reservedTokens(kind, text);
    }

    /**
     * What a call is expected to use: prompt tokens plus about the source's tokens for the translation.
     *
     * @param kind partial or final
     * @param text the source text
     * @return the expectation, > 0
     */
    int expectedTokens(SegmentKind kind, String text) {
        return budget.expectedTokens(kind, text);
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
