package dev.fairway.provider.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fairway.api.SegmentKind;
import org.junit.jupiter.api.Test;

class TranslationPromptsTest {

    @Test
    void partialAndFinalPromptsNameBothLanguagesAndDiffer() {
        String partial = TranslationPrompts.systemPrompt(SegmentKind.PARTIAL, "en", "fr");
        String fin = TranslationPrompts.systemPrompt(SegmentKind.FINAL, "en", "fr");
        assertTrue(partial.contains("from English (en) to French (fr)"), partial);
        assertTrue(partial.contains("Do not complete"), partial);
        assertTrue(fin.contains("faithfully and completely"), fin);
        assertNotEquals(partial, fin);
    }

    @Test
    void unknownLanguageTagStaysAsItIs() {
        assertEquals("qaa", TranslationPrompts.languageName("qaa"));
        assertEquals("Portuguese (Brazil) (pt-BR)", TranslationPrompts.languageName("pt-BR"));
    }

    @Test
    void tokenEstimateRoundsUpPerScript() {
        assertEquals(3, TranslationPrompts.textTokens("Good morning", 40), "12 ASCII characters at 4 a token");
        assertEquals(4, TranslationPrompts.textTokens("Good morning", 35), "12 at 3.5 a token, rounded up");
        assertEquals(4, TranslationPrompts.textTokens("你好世界", 40), "one token per CJK character");
        assertEquals(3, TranslationPrompts.textTokens("привет", 40), "two other characters a token");
        assertEquals(1, TranslationPrompts.textTokens("", 40), "at least one");
        assertThrows(IllegalArgumentException.class, () -> TranslationPrompts.textTokens("x", 0));
    }

    @Test
    void budgetReservesPromptPlusCapAndExpectsPromptPlusSource() {
        TranslationPrompts.Budget budget = new TranslationPrompts.Budget(40, 9, 2.0, 64, 16_384);
        String text = "Good morning";
        assertEquals(64, budget.maxTokens(text), "the floor for a short text");
        assertEquals(2 * 250, budget.maxTokens("x".repeat(1000)), "ceil(250 tokens * 2)");
        int prompt = budget.promptTokens(SegmentKind.FINAL, text);
        assertEquals(TranslationPrompts.textTokens(TranslationPrompts.systemPrompt(SegmentKind.FINAL, "", ""), 40)
                + TranslationPrompts.Budget.LANGUAGE_ALLOWANCE_TOKENS + 3 + 9, prompt);
        assertEquals(prompt + 64, budget.reservedTokens(SegmentKind.FINAL, text));
        assertEquals(prompt + 3, budget.expectedTokens(SegmentKind.FINAL, text));
        assertThrows(IllegalArgumentException.class, () -> new TranslationPrompts.Budget(40, 9, 2.0, 10, 5));
    }
}
