package dev.fairway.app.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

class LoadReportTest {

    private static SessionStats.Snapshot session(String label, int translations) {
        SessionStats stats = new SessionStats(label);
        for (int i = 0; i < translations; i++) {
            stats.partialSent();
            stats.translation(false, 250_000_000L, 40, 1, 0, 249);
        }
        return stats.snapshot();
    }

    @Test
    void jainIndexIsOneForEqualSharesAndOneOverNForAMonopoly() {
        assertEquals(1.0, new LoadReport(3, 1, List.of(session("a", 10), session("b", 10), session("c", 10)), null, null)
                .jainIndex(), 1e-9);
        assertEquals(1.0 / 3, new LoadReport(3, 1, List.of(session("a", 30), session("b", 0), session("c", 0)), null, null)
                .jainIndex(), 1e-9);
    }

    @Test
    void tableShowsPercentilesSharesAndLostFinals() {
        StringWriter out = new StringWriter();
        new LoadReport(2, 5, List.of(session("s1", 3), session("s2", 1)), null, null).print(new PrintWriter(out));

        String text = out.toString();
        assertTrue(text.contains("== 2 sessions, 5 s"), text);
        assertTrue(text.contains("250/250/250"), text);
        assertTrue(text.contains("75.0%"), text);
        assertTrue(text.contains("LOST 0"), text);
        assertTrue(text.contains("Jain's index 0.8000"), text);
    }

    @Test
    void speechGrowsWordByWordAndIsTheSameForTheSameSeed() {
        SpeechPattern a = new SpeechPattern(7);
        SpeechPattern b = new SpeechPattern(7);
        String first = a.grow(1);
        String second = a.grow(2);
        assertTrue(second.startsWith(first + " "), second);
        assertEquals(3, second.split(" ").length);
        assertEquals(first, b.grow(1));
        assertTrue(a.commit().endsWith("."));
        assertEquals(1, a.grow(1).split(" ").length, "a new sentence after commit");
    }
}
