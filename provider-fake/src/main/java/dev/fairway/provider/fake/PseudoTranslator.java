package dev.fairway.provider.fake;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Deterministic pseudo-translation: the same text and languages always give the same output, and
 * different target languages give visibly different outputs. The output starts with the target tag
 * in brackets ({@code "[fr] "}); common English words come from a small dictionary for Spanish,
 * French and German; every other word of three letters or more is pig-latinised (its leading
 * consonants move to the end) and gets an ending chosen by the target language ({@code o} for
 * Spanish, {@code é} for French, {@code en} for German, the language subtag itself for languages
 * without an ending of their own). Shorter unknown
 * words, digits, spaces and punctuation are kept. When source and target share a primary language
 * subtag the text comes back unchanged, as a model would echo it.
 */
final class PseudoTranslator {

    /** Index of each target language in a dictionary row. */
    private static final int ES = 0;
    private static final int FR = 1;
    private static final int DE = 2;

    private static final Map<String, String[]> DICTIONARY = new HashMap<>();
    private static final int LONGEST_KEY;

    static {
        String[][] rows = {
            // english, spanish, french, german
            {"a", "un", "un", "ein"},
            {"an", "un", "un", "ein"},
            {"the", "el", "le", "der"},
            {"is", "es", "est", "ist"},
            {"are", "son", "sont", "sind"},
            {"and", "y", "et", "und"},
            {"or", "o", "ou", "oder"},
            {"not", "no", "pas", "nicht"},
            {"yes", "sí", "oui", "ja"},
            {"no", "no", "non", "nein"},
            {"hello", "hola", "bonjour", "hallo"},
            {"thanks", "gracias", "merci", "danke"},
            {"thank", "gracias", "merci", "danke"},
            {"please", "porfa", "svp", "bitte"},
            {"i", "yo", "je", "ich"},
            {"you", "tú", "vous", "du"},
            {"we", "nosotros", "nous", "wir"},
            {"he", "él", "il", "er"},
            {"she", "ella", "elle", "sie"},
            {"it", "ello", "il", "es"},
            {"they", "ellos", "ils", "sie"},
            {"this", "esto", "ceci", "dies"},
            {"that", "eso", "cela", "das"},
            {"what", "qué", "quoi", "was"},
            {"how", "cómo", "comment", "wie"},
            {"where", "dónde", "où", "wo"},
            {"when", "cuándo", "quand", "wann"},
            {"why", "por qué", "pourquoi", "warum"},
            {"today", "hoy", "aujourd'hui", "heute"},
            {"good", "bueno", "bon", "gut"},
            {"bad", "malo", "mauvais", "schlecht"},
            {"morning", "mañana", "matin", "Morgen"},
            {"day", "día", "jour", "Tag"},
            {"night", "noche", "nuit", "Nacht"},
            {"time", "tiempo", "temps", "Zeit"},
            {"world", "mundo", "monde", "Welt"},
            {"friend", "amigo", "ami", "Freund"},
            {"water", "agua", "eau", "Wasser"},
            {"very", "muy", "très", "sehr"},
            {"with", "con", "avec", "mit"},
            {"for", "para", "pour", "für"},
            {"of", "de", "de", "von"},
            {"to", "a", "à", "zu"},
            {"in", "en", "dans", "in"},
            {"on", "en", "sur", "auf"},
            {"my", "mi", "mon", "mein"},
            {"your", "tu", "ton", "dein"},
            {"have", "tener", "avoir", "haben"},
            {"can", "poder", "pouvoir", "können"},
            {"see", "ver", "voir", "sehen"},
            {"go", "ir", "aller", "gehen"},
            {"come", "venir", "venir", "kommen"},
            {"love", "amor", "amour", "Liebe"},
            {"new", "nuevo", "neuf", "neu"},
            {"meeting", "reunión", "réunion", "Treffen"},
            {"question", "pregunta", "question", "Frage"},
        };
        int longest = 0;
        for (String[] row : rows) {
            DICTIONARY.put(row[0], new String[] {row[1], row[2], row[3]});
            longest = Math.max(longest, row[0].length());
        }
        LONGEST_KEY = longest;
    }

    private PseudoTranslator() {
    }

    /**
     * Translates.
     *
     * @param text the source text
     * @param source the source language tag
     * @param target the target language tag
     * @return the pseudo-translation
     */
    static String translate(String text, String source, String target) {
        String targetLanguage = primary(target);
        if (primary(source).equals(targetLanguage)) {
            return text;
        }
        int column = switch (targetLanguage) {
            case "es" -> ES;
            case "fr" -> FR;
            case "de" -> DE;
            default -> -1;
        };
        String ending = ending(targetLanguage);
        StringBuilder out = new StringBuilder(target.length() + 3 + text.length() + text.length() / 3 + 4);
        out.append('[').append(target).append("] ");
        int length = text.length();
        int i = 0;
        while (i < length) {
            char c = text.charAt(i);
            if (!Character.isLetter(c)) {
                out.append(c);
                i++;
                continue;
            }
            int end = i + 1;
            while (end < length && Character.isLetter(text.charAt(end))) {
                end++;
            }
            word(text, i, end, column, ending, out);
            i = end;
        }
        return out.toString();
    }

    private static void word(String text, int from, int to, int column, String ending, StringBuilder out) {
        int length = to - from;
        Case style = Case.of(text, from, to);
        if (column >= 0 && length <= LONGEST_KEY) {
            String[] row = DICTIONARY.get(text.substring(from, to).toLowerCase(Locale.ROOT));
            if (row != null) {
                style.append(row[column], out);
                return;
            }
        }
        if (length < 3) {
            out.append(text, from, to);
            return;
        }
        int vowel = from;
        while (vowel < to && !isVowel(text.charAt(vowel))) {
            vowel++;
        }
        if (vowel == to) {
            vowel = from;
        }
        int start = out.length();
        out.append(text, vowel, to).append(text, from, vowel).append(ending);
        style.restyle(out, start);
    }

    private static boolean isVowel(char c) {
        return switch (Character.toLowerCase(c)) {
            case 'a', 'e', 'i', 'o', 'u' -> true;
            default -> false;
        };
    }

    private static String primary(String tag) {
        int dash = tag.indexOf('-');
        String language = dash < 0 ? tag : tag.substring(0, dash);
        return language.toLowerCase(Locale.ROOT);
    }

    private static String ending(String language) {
        return switch (language) {
            case "es" -> "o";
            case "fr" -> "é";
            case "de" -> "en";
            case "it" -> "i";
            case "pt" -> "ão";
            case "nl" -> "je";
            case "en" -> "ay";
            // Any other language: its own subtag, so that no two targets look alike.
            default -> language;
        };
    }

    /** The capitalisation of a source word, carried over to its translation. */
    private enum Case {
        /** Lower case or mixed: the translation is written as it comes. */
        AS_IS,
        /** First letter upper case: so is the translation's, the rest lower case. */
        CAPITALISED,
        /** Two letters or more, all upper case. */
        UPPER;

        static Case of(String text, int from, int to) {
            if (!Character.isUpperCase(text.charAt(from))) {
                return AS_IS;
            }
            if (to - from < 2) {
                return CAPITALISED;
            }
            for (int i = from + 1; i < to; i++) {
                if (!Character.isUpperCase(text.charAt(i))) {
                    return CAPITALISED;
                }
            }
            return UPPER;
        }

        void append(String word, StringBuilder out) {
            int start = out.length();
            out.append(word);
            if (this == CAPITALISED) {
                out.setCharAt(start, Character.toUpperCase(out.charAt(start)));
            } else if (this == UPPER) {
                for (int i = start; i < out.length(); i++) {
                    out.setCharAt(i, Character.toUpperCase(out.charAt(i)));
                }
            }
        }

        void restyle(StringBuilder out, int start) {
            switch (this) {
                case AS_IS -> {
                }
                case CAPITALISED -> {
                    out.setCharAt(start, Character.toUpperCase(out.charAt(start)));
                    for (int i = start + 1; i < out.length(); i++) {
                        out.setCharAt(i, Character.toLowerCase(out.charAt(i)));
                    }
                }
                case UPPER -> {
                    for (int i = start; i < out.length(); i++) {
                        out.setCharAt(i, Character.toUpperCase(out.charAt(i)));
                    }
                }
            }
        }
    }
}
