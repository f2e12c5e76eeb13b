package dev.fairway.provider.anthropic;

import dev.fairway.api.SegmentKind;
import dev.fairway.api.spi.TranslationPrompts;


/**
 * The system prompts and the token arithmetic derived from them.
 *
 * <p>Token counts are estimated without a tokenizer: about 3.5 ASCII characters a token (Claude's
 * tokenizer cuts English into about 15% more tokens than OpenAI's), one token per CJK character,
 * two other non-ASCII characters a token. The Messages framing adds a few tokens.
 *
 * <p>The completion cap ({@code max_tokens}, which the Messages API requires) follows the source's
 * length: {@code min(max, max(min, ceil(sourceTokens * factor)))}. A translation is rarely much longer
 * than its source, so the factor (2 by default) is headroom; the floor keeps short partials from being cut.
 *
 * <p>What the limiter reserves ({@link #reservedTokens}) is prompt tokens plus the completion cap:
 * Anthropic's output-tokens-per-minute limit is charged {@code max_tokens} when a request is admitted
 * and adjusted when it ends. What a call is expected to use ({@link #expectedTokens}) is prompt tokens
 * plus about as many completion tokens as source tokens.
 */
final class Prompts {

    /** Tokens of the Messages framing around the system prompt and the one user turn. */
    static final int FRAMING_TOKENS = 8;
    /** ASCII characters a token, in tenths, for Claude's tokenizer. */
    static final int ASCII_CHARS_PER_TOKEN_TENTHS = 35;

    private final TranslationPrompts.Budget budget;

    Prompts(double maxTokensFactor, int maxTokensMin, int maxTokensMax) {
        this.budget = new TranslationPrompts.Budget(ASCII_CHARS_PER_TOKEN_TENTHS, FRAMING_TOKENS, maxTokensFactor,
                maxTokensMin, maxTokensMax);
    }

    static Prompts of(AnthropicSettings settings) {
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
     * What the limiter should reserve: prompt tokens plus the completion cap.
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
