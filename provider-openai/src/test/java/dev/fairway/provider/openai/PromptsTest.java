package dev.fairway.provider.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fairway.api.SegmentKind;
import dev.fairway.provider.support.TranslationPrompts;
import org.junit.jupiter.api.Test;

class PromptsTest {

    private final TranslationPrompts.Budget prompts = Prompts.budget(2.0, 64, 16_384);

    @Test
    void partialAndFinalPromptsDifferAndNameBothLanguages() {
        String partial = TranslationPrompts.systemPrompt(SegmentKind.PARTIAL, "en", "pt-BR");
        String fin = TranslationPrompts.systemPrompt(SegmentKind.FINAL, "en", "pt-BR");

        assertNotEquals(partial, fin);
        assertTrue(partial.contains("from English (en) to Portuguese (Brazil) (pt-BR)"), partial);
        assertTrue(partial.contains("Do not complete, extend or guess the rest of the sentence"), partial);
        assertTrue(fin.contains("faithfully and completely"), fin);
        assertTrue(fin.contains("Reply with the translation only"), fin);
    }

    @Test
    void unknownLanguageTagIsUsedAsIs() {
        assertEquals("qaa", dev.fairway.provider.support.TranslationPrompts.languageName("qaa"));
    }

    @Test
    void shortTextGetsTheFloorNotSixteenThousand() {
        assertEquals(64, prompts.maxTokens("Good morning"));
    }

    @Test
    void maxTokensGrowsWithTheTextUpToTheCap() {
        String text = "word ".repeat(400);
        assertEquals(2 * Prompts.textTokens(text), prompts.maxTokens(text));
        assertEquals(16_384, prompts.maxTokens("x".repeat(100_000)));
    }

    @Test
    void reservationIsPromptPlusMaxTokensAndExpectationIsSmaller() {
        String text = "The quarterly numbers look better than expected, so we will hire two more engineers.";
        int prompt = prompts.promptTokens(SegmentKind.FINAL, text);

        assertEquals(prompt + prompts.maxTokens(text), prompts.reservedTokens(SegmentKind.FINAL, text));
        assertEquals(prompt + Prompts.textTokens(text), prompts.expectedTokens(SegmentKind.FINAL, text));
        assertTrue(prompts.expectedTokens(SegmentKind.FINAL, text) < prompts.reservedTokens(SegmentKind.FINAL, text));
    }

    @Test
    void promptTokensCountTheSystemPrompt() {
        int systemOnly = Prompts.textTokens(TranslationPrompts.systemPrompt(SegmentKind.FINAL, "en", "fr"));
        int prompt = prompts.promptTokens(SegmentKind.FINAL, "Hi");

        assertTrue(prompt > systemOnly, prompt + " <= " + systemOnly);
        assertTrue(prompt < systemOnly + 30, prompt + " is far above the system prompt's " + systemOnly);
    }

    @Test
    void tokenEstimateTreatsScriptsDifferently() {
        assertEquals(3, Prompts.textTokens("Good morning"));
        assertEquals(4, Prompts.textTokens("おはよう"));
        assertEquals(3, Prompts.textTokens("привет"));
        assertEquals(1, Prompts.textTokens(""));
    }
}
