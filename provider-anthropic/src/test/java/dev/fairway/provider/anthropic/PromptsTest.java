package dev.fairway.provider.anthropic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fairway.api.SegmentKind;
import dev.fairway.provider.support.TranslationPrompts;
import org.junit.jupiter.api.Test;

class PromptsTest {

    private final TranslationPrompts.Budget prompts = Prompts.budget(2.0, 64, 8192);

    @Test
    void partialAndFinalHaveTheirOwnPromptNamingBothLanguages() {
        String partial = TranslationPrompts.systemPrompt(SegmentKind.PARTIAL, "en", "pt-BR");
        String fin = TranslationPrompts.systemPrompt(SegmentKind.FINAL, "en", "pt-BR");

        assertNotEquals(partial, fin);
        assertTrue(partial.contains("from English (en) to Portuguese (Brazil) (pt-BR)"), partial);
        assertTrue(partial.contains("Do not complete, extend or guess"), partial);
        assertTrue(fin.contains("faithfully and completely"), fin);
    }

    @Test
    void maxTokensFollowsTheTextBetweenFloorAndCeiling() {
        assertEquals(64, prompts.maxTokens("Good morning"));
        String text = "a".repeat(700);
        assertEquals(400, prompts.maxTokens(text), "700 ASCII characters are 200 tokens, times 2");
        assertEquals(8192, prompts.maxTokens("a".repeat(100_000)));
    }

    @Test
    void textTokensCountAsciiCjkAndOtherScripts() {
        assertEquals(1, Prompts.textTokens("a"));
        assertEquals(4, Prompts.textTokens("Good morning"), "12 characters at 3.5 a token, rounded up");
        assertEquals(4, Prompts.textTokens("你好世界"));
        assertEquals(3, Prompts.textTokens("привет"));
    }

    @Test
    void reservationIsPromptPlusCapAndExceedsTheExpectation() {
        int reserved = prompts.reservedTokens(SegmentKind.FINAL, "Good morning");

        assertEquals(prompts.promptTokens(SegmentKind.FINAL, "Good morning") + 64, reserved);
        assertTrue(prompts.expectedTokens(SegmentKind.FINAL, "Good morning") < reserved);
    }
}
