package dev.fairway.provider.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BatchAnswerCheckerTest {

    /** What a checker delivered, with how many bytes had been fed when each came. */
    private static final class Deliveries implements BatchAnswerChecker.Listener {
        final Map<Integer, String> texts = new LinkedHashMap<>();
        final Map<Integer, Integer> atByte = new LinkedHashMap<>();
        int fed;

        @Override
        public void accepted(int index, String text) {
            if (texts.put(index, text) != null) {
                throw new AssertionError("segment " + index + " delivered twice");
            }
            atByte.put(index, fed);
        }
    }

    private static BatchAnswerChecker checkAll(int segments, String answer, Deliveries deliveries) {
        BatchAnswerChecker checker = BatchAnswerChecker.create(segments, deliveries);
        checker.feed(answer);
        checker.finish();
        return checker;
    }

    @Test
    void validAnswerFedByteByByteDeliversEachSegmentWhenItsObjectCloses() {
        String answer = "{\"translations\":[{\"id\":\"0\",\"text\":\"Bonjour\"},{\"id\":\"1\",\"text\":\" Hola \"}]}";
        byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
        Deliveries d = new Deliveries();
        BatchAnswerChecker checker = BatchAnswerChecker.create(2, d);
        for (int i = 0; i < bytes.length; i++) {
            d.fed = i + 1;
            checker.feed(bytes, i, 1);
        }
        checker.finish();

        assertEquals(Map.of(0, "Bonjour", 1, "Hola"), d.texts, "texts stripped, each once");
        assertEquals(answer.indexOf("},{") + 1, d.atByte.get(0), "the first segment came with the byte that closed it");
        assertEquals(answer.lastIndexOf("}]") + 1, d.atByte.get(1));
        assertEquals(List.of(), checker.problems());
        assertEquals(List.of(), checker.undelivered());
        assertTrue(checker.isComplete());
        assertEquals(2, checker.deliveredCount());
    }

    @Test
    void multiByteCharactersSplitAcrossPiecesArriveWhole() {
        String text0 = "Grüße, 日本語 😀 ok";
        String text1 = "naïve — ﬁn";
        String answer = "{\"translations\":[{\"id\":\"0\",\"text\":\"" + text0 + "\"},{\"id\":\"1\",\"text\":\"" + text1 + "\"}]}";
        byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
        // Every way of cutting the bytes in two, so that each multi-byte character is split once.
        for (int cut = 1; cut < bytes.length; cut++) {
            Deliveries d = new Deliveries();
            BatchAnswerChecker checker = BatchAnswerChecker.create(2, d);
            checker.feed(bytes, 0, cut);
            checker.feed(bytes, cut, bytes.length - cut);
            checker.finish();
            assertEquals(Map.of(0, text0, 1, text1), d.texts, "cut at byte " + cut);
            assertEquals(List.of(), checker.problems(), "cut at byte " + cut);
        }
    }

    @Test
    void surrogatePairSplitAcrossTextDeltasArrivesWhole() {
        String answer = "{\"translations\":[{\"id\":\"0\",\"text\":\"a😀b\"},{\"id\":\"1\",\"text\":\"c\"}]}";
        int high = answer.indexOf("😀") + 1;
        Deliveries d = new Deliveries();
        BatchAnswerChecker checker = BatchAnswerChecker.create(2, d);
        checker.feed(answer.substring(0, high));
        checker.feed(answer.substring(high));
        checker.finish();

        assertEquals(Map.of(0, "a😀b", 1, "c"), d.texts);
        assertEquals(List.of(), checker.problems());
    }

    @Test
    void anyChunkingDeliversTheSameAsOnePiece() {
        long seed = new Random().nextLong();
        Random random = new Random(seed);
        String answer = "{\"note\":{\"a\":[1,{\"b\":\"}\"}]},\"translations\":[{\"id\":\"0\",\"text\":\"Ça va ? \\\"oui\\\" 你好\"},"
                + "{\"id\":\"1\",\"extra\":[\"x\",{\"y\":2}],\"text\":\"Tschüß\"},{\"id\":\"2\",\"text\":\"🙂 fin\"}]}";
        byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
        Deliveries whole = new Deliveries();
        checkAll(3, answer, whole);
        for (int run = 0; run < 200; run++) {
            Deliveries d = new Deliveries();
            BatchAnswerChecker checker = BatchAnswerChecker.create(3, d);
            for (int at = 0; at < bytes.length; ) {
                int n = Math.min(bytes.length - at, 1 + random.nextInt(9));
                checker.feed(bytes, at, n);
                at += n;
            }
            checker.finish();
            assertEquals(whole.texts, d.texts, "seed " + seed + ", run " + run);
            assertEquals(List.of(), checker.problems(), "seed " + seed + ", run " + run);
        }
        assertEquals(List.of(0, 1, 2), List.copyOf(whole.texts.keySet()));
        assertEquals("Ça va ? \"oui\" 你好", whole.texts.get(0));
    }

    @Test
    void repeatedIdAfterDeliveryIsAProblemAndTheFirstTranslationStands() {
        Deliveries d = new Deliveries();
        BatchAnswerChecker checker = checkAll(3, "{\"translations\":[{\"id\":\"0\",\"text\":\"un\"},"
                + "{\"id\":\"0\",\"text\":\"deux\"},{\"id\":\"2\",\"text\":\"trois\"}]}", d);

        assertEquals(Map.of(0, "un", 2, "trois"), d.texts);
        assertEquals(List.of("translations[1] (id 0) repeats an id already answered; its first translation was"
                + " delivered and stands", "no translation for id 1"), checker.problems());
        assertEquals(List.of(1), checker.undelivered());
    }

    @Test
    void unknownIdsAreProblemsAndNotDelivered() {
        Deliveries d = new Deliveries();
        BatchAnswerChecker checker = checkAll(2, "{\"translations\":[{\"id\":\"0\",\"text\":\"un\"},"
                + "{\"id\":\"2\",\"text\":\"deux\"},{\"id\":\" 1\",\"text\":\"x\"},{\"id\":\"01\",\"text\":\"y\"}]}", d);

        assertEquals(Map.of(0, "un"), d.texts);
        assertEquals(List.of("translations[1] has an unknown id \"2\"", "translations[2] has an unknown id \" 1\"",
                "translations[3] has an unknown id \"01\"", "no translation for id 1"), checker.problems());
    }

    @Test
    void extraFieldsAnywhereAreIgnored() {
        Deliveries d = new Deliveries();
        BatchAnswerChecker checker = checkAll(2, "{\"model\":\"x\",\"translations\":[{\"id\":\"0\",\"lang\":\"fr\","
                + "\"notes\":{\"id\":\"1\",\"text\":\"no\"},\"text\":\"oui\",\"alt\":[\"non\"]},"
                + "{\"text\":\"sí\",\"id\":\"1\",\"confidence\":0.9}],\"done\":true}", d);

        assertEquals(Map.of(0, "oui", 1, "sí"), d.texts, "the id after the text counts too");
        assertEquals(List.of(), checker.problems());
    }

    @Test
    void emptyOrBlankOrMissingTextsAreNotDelivered() {
        Deliveries d = new Deliveries();
        BatchAnswerChecker checker = checkAll(4, "{\"translations\":[{\"id\":\"0\",\"text\":\"\"},"
                + "{\"id\":\"1\",\"text\":\" \\n\\t\"},{\"id\":\"2\"},{\"id\":\"3\",\"text\":\"ok\"}]}", d);

        assertEquals(Map.of(3, "ok"), d.texts);
        assertEquals(List.of("translations[0] (id 0) has an empty text", "translations[1] (id 1) has an empty text",
                "translations[2] (id 2) has no text"), checker.problems());
        assertEquals(List.of(0, 1, 2), checker.undelivered());
    }

    @Test
    void wrongShapesAreProblems() {
        Deliveries d = new Deliveries();
        BatchAnswerChecker checker = checkAll(4, "{\"translations\":[{\"id\":0,\"text\":\"a\"},"
                + "{\"id\":\"1\",\"text\":{\"fr\":\"b\"}},\"2: c\",{\"id\":\"2\",\"id\":\"3\",\"text\":\"d\"},"
                + "{\"id\":\"3\",\"text\":[\"e\"]}]}", d);

        assertEquals(Map.of(), d.texts);
        assertEquals(List.of("translations[0] has an id that is not a string",
                "translations[1] (id 1) has a text that is not a string",
                "translations[2] is not an object",
                "translations[3] (id 2) has two ids",
                "translations[4] (id 3) has a text that is not a string",
                "no translation for id 0"), checker.problems());
    }

    @Test
    void answerCutInsideASegmentDeliversThoseBefore() {
        Deliveries d = new Deliveries();
        BatchAnswerChecker checker = checkAll(3, "{\"translations\":[{\"id\":\"0\",\"text\":\"un\"},"
                + "{\"id\":\"1\",\"text\":\"de", d);

        assertEquals(Map.of(0, "un"), d.texts);
        assertFalse(checker.isComplete());
        assertEquals(List.of("the answer ended inside translations[1] (id \"1\")", "no translation for ids 1, 2"),
                checker.problems());
    }

    @Test
    void answerCutBetweenSegmentsOrEmpty() {
        Deliveries d = new Deliveries();
        BatchAnswerChecker cut = checkAll(2, "{\"translations\":[{\"id\":\"0\",\"text\":\"un\"},", d);
        assertEquals(Map.of(0, "un"), d.texts);
        assertEquals(List.of("the answer ended before its JSON was complete", "no translation for id 1"), cut.problems());

        BatchAnswerChecker empty = checkAll(2, "  ", new Deliveries());
        assertEquals(List.of("the answer holds no JSON object", "no translation for ids 0, 1"), empty.problems());
    }

    @Test
    void malformedJsonStopsReadingAndWhatCameBeforeStands() {
        Deliveries d = new Deliveries();
        BatchAnswerChecker checker = checkAll(3, "{\"translations\":[{\"id\":\"0\",\"text\":\"un\"}, oops "
                + "{\"id\":\"1\",\"text\":\"deux\"}]}", d);

        assertEquals(Map.of(0, "un"), d.texts);
        assertEquals(2, checker.problems().size(), checker.problems().toString());
        assertTrue(checker.problems().get(0).startsWith("the answer is not valid JSON after translations[0]: "),
                checker.problems().get(0));
        assertFalse(checker.problems().get(0).contains("\n"), checker.problems().get(0));
        assertEquals("no translation for ids 1, 2", checker.problems().get(1));
    }

    @Test
    void answersThatAreNotTheExpectedObject() {
        assertEquals(List.of("the answer is not a JSON object", "no translation for ids 0, 1"),
                checkAll(2, "[{\"id\":\"0\",\"text\":\"un\"}]", new Deliveries()).problems());
        assertEquals(List.of("the answer has no translations array", "no translation for ids 0, 1"),
                checkAll(2, "{\"items\":[{\"id\":\"0\",\"text\":\"un\"}]}", new Deliveries()).problems());
        assertEquals(List.of("the answer's translations field is not an array", "no translation for ids 0, 1"),
                checkAll(2, "{\"translations\":{\"0\":\"un\"}}", new Deliveries()).problems());
    }

    @Test
    void contentAfterTheAnswerIsAProblemButDeliveriesStand() {
        Deliveries d = new Deliveries();
        BatchAnswerChecker checker = checkAll(1, "{\"translations\":[{\"id\":\"0\",\"text\":\"un\"}]} {\"translations\":[]}", d);

        assertEquals(Map.of(0, "un"), d.texts);
        assertEquals(List.of("the answer goes on after its JSON object"), checker.problems());
    }

    @Test
    void feedingAfterFinishIsRefused() {
        BatchAnswerChecker checker = checkAll(1, "{\"translations\":[{\"id\":\"0\",\"text\":\"un\"}]}", new Deliveries());
        checker.finish();
        assertThrows(IllegalStateException.class, () -> checker.feed("x"));
        assertThrows(IllegalArgumentException.class, () -> BatchAnswerChecker.create(0, (i, t) -> { }));
    }

    @Test
    void whatTheListenerThrowsIsPassedOn() {
        BatchAnswerChecker checker = BatchAnswerChecker.create(2, (index, text) -> {
            throw new IllegalStateException("receiver failed at " + index);
        });
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> checker.feed("{\"translations\":[{\"id\":\"1\",\"text\":\"un\"}"));
        assertEquals("receiver failed at 1", e.getMessage());
    }

    @Test
    void longUnknownIdsAreShortenedInProblems() {
        List<String> problems = new ArrayList<>(checkAll(1, "{\"translations\":[{\"id\":\"" + "x".repeat(500) + "\\n\","
                + "\"text\":\"t\"}]}", new Deliveries()).problems());
        assertEquals("translations[0] has an unknown id \"" + "x".repeat(40) + "...\"", problems.get(0));
    }
}
