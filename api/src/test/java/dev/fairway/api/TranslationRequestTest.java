package dev.fairway.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TranslationRequestTest {

    private static final SessionId S = SessionId.of("s1");

    @Test
    void validRequestKeepsItsFields() {
        var r = new TranslationRequest(S, SegmentKind.FINAL, 3, "Hello", "en", "pt-BR", 12);
        assertTrue(r.isFinal());
        assertEquals(20, r.withEstimatedTokens(20).estimatedTokens());
        assertEquals("Hello", r.withEstimatedTokens(20).text());
    }

    @Test
    void negativeSequenceIsRefusedNamingTheField() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new TranslationRequest(S, SegmentKind.PARTIAL, -1, "x", "en", "fr", 1));
        assertEquals("sequence must be >= 0, was -1", e.getMessage());
    }

    @Test
    void blankTextIsRefused() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new TranslationRequest(S, SegmentKind.PARTIAL, 0, "  ", "en", "fr", 1));
        assertEquals("text must not be blank", e.getMessage());
    }

    @Test
    void badLanguageTagIsRefusedNamingTheValue() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new TranslationRequest(S, SegmentKind.PARTIAL, 0, "x", "english!", "fr", 1));
        assertTrue(e.getMessage().startsWith("sourceLanguage must be a BCP 47 language tag"), e.getMessage());
        assertTrue(e.getMessage().contains("'english!'"), e.getMessage());
    }

    @Test
    void zeroTokenEstimateIsRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> new TranslationRequest(S, SegmentKind.PARTIAL, 0, "x", "en", "fr", 0));
    }

    @Test
    void overlongTextIsRefused() {
        String text = "a".repeat(TranslationRequest.MAX_TEXT_LENGTH + 1);
        var e = assertThrows(IllegalArgumentException.class,
                () -> new TranslationRequest(S, SegmentKind.PARTIAL, 0, text, "en", "fr", 1));
        assertTrue(e.getMessage().contains("at most"), e.getMessage());
    }
}
