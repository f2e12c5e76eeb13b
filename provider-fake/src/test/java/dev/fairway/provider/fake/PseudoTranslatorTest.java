package dev.fairway.provider.fake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PseudoTranslatorTest {

    @Test
    void sameInputGivesSameOutput() {
        String text = "Hello, how are you doing today? The meeting starts at 10.";
        assertEquals(PseudoTranslator.translate(text, "en", "fr"), PseudoTranslator.translate(text, "en", "fr"));
    }

    @Test
    void differentTargetsGiveDifferentOutputs() {
        String text = "Good morning everyone, thank you for joining the translation meeting";
        Set<String> outputs = new HashSet<>();
        for (String target : List.of("es", "fr", "de", "it", "pt", "ja", "zh", "pl")) {
            String output = PseudoTranslator.translate(text, "en", target);
            assertTrue(output.startsWith("[" + target + "] "), output);
            outputs.add(output.substring(output.indexOf(' ') + 1));
        }
        assertEquals(8, outputs.size(), "bodies without the prefix differ: " + outputs);
    }

    @Test
    void dictionaryWordsAndPigLatinFallbackKeepCaseAndPunctuation() {
        assertEquals("[fr] Bonjour, mon ami! Anslationtré 42.",
                PseudoTranslator.translate("Hello, my friend! Translation 42.", "en", "fr"));
        assertEquals("[es] Hola, mi amigo! Anslationtro 42.",
                PseudoTranslator.translate("Hello, my friend! Translation 42.", "en", "es"));
        assertEquals("[de] HALLO Welt, Ich ok", PseudoTranslator.translate("HELLO world, I ok", "en", "de"));
    }

    @Test
    void regionalTargetUsesLanguageDictionaryAndKeepsFullTagInPrefix() {
        assertEquals("[fr-CA] Bonjour", PseudoTranslator.translate("Hello", "en", "fr-CA"));
    }

    @Test
    void sameLanguageEchoesText() {
        assertEquals("Hello there", PseudoTranslator.translate("Hello there", "en-US", "en-GB"));
    }

    @Test
    void shortUnknownWordsPassThrough() {
        assertEquals("[fr] 東京 okyoté", PseudoTranslator.translate("東京 tokyo", "ja", "fr"));
    }
}
