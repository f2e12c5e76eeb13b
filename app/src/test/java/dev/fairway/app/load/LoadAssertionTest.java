package dev.fairway.app.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code fairway load --assert}: what a condition may say, and its verdict on a report made by hand. */
class LoadAssertionTest {

    /** A session whose partials took 300 ms at the client, of which the provider took 100 ms. */
    private static SessionStats.Snapshot session(String label, int partials, int finalsLost) {
        SessionStats stats = new SessionStats(label);
        for (int i = 0; i < partials; i++) {
            stats.partialSent();
            stats.translation(false, 300_000_000L, 40, 1, 0, 100);
        }
        stats.partialSent(); // one superseded: never answered
        stats.finalsLost(finalsLost);
        return stats.snapshot();
    }

    private static LoadReport report(int finalsLost) {
        return new LoadReport(2, 1, List.of(session("s1", 9, finalsLost), session("s2", 9, 0)), null, null);
    }

    private static LoadAssertion.Verdict check(String condition, LoadReport report) {
        return LoadAssertion.parse(condition).check(report);
    }

    @Test
    void conditionsParseWithOrWithoutSpacesAndPrintAsWritten() {
        LoadAssertion a = LoadAssertion.parse("partial.p95.added<=50ms");
        assertEquals("partial.p95.added", a.quantity());
        assertEquals("<=", a.operator());
        assertEquals("ms", a.unit());
        assertEquals("partial.p95.added <= 50ms", a.toString());
        assertEquals("final.p99 < 1.5s", LoadAssertion.parse("  final.p99   <   1.50s ").toString());
        assertEquals("partials.answered >= 90%", LoadAssertion.parse("partials.answered >= 90%").toString());
        assertEquals("jain >= 0.99", LoadAssertion.parse("jain >= 0.99").toString());
    }

    @Test
    void badConditionsAreRefusedWithTheConditionAndTheReason() {
        assertTrue(message("finals.lots == 0").startsWith(
                "--assert 'finals.lots == 0': unknown quantity 'finals.lots'; known: finals.lost, finals.failed,"),
                message("finals.lots == 0"));
        assertTrue(message("finals.lost => 0").contains("--assert 'finals.lost => 0': not QUANTITY OPERATOR VALUE"),
                message("finals.lost => 0"));
        assertTrue(message("finals.lost == ").contains("not QUANTITY OPERATOR VALUE"), message("finals.lost == "));
        assertTrue(message("partial.p95 <= 300").contains("partial.p95 is a time: give the bound in ms or s"),
                message("partial.p95 <= 300"));
        assertTrue(message("partial.p95 <= 3min").contains("(not 'min')"), message("partial.p95 <= 3min"));
        assertTrue(message("finals.lost == 0ms").contains("finals.lost is a count without a unit"),
                message("finals.lost == 0ms"));
        assertTrue(message("jain >= 99%").contains("jain is a number without a unit"), message("jain >= 99%"));
        assertTrue(message("partials.answered >= 9s").contains("partials.answered is a fraction: give 0.95 or 95%"),
                message("partials.answered >= 9s"));
    }

    private static String message(String condition) {
        return assertThrows(IllegalArgumentException.class, () -> LoadAssertion.parse(condition)).getMessage();
    }

    @Test
    void everyOperatorComparesTheValueWithTheBound() {
        LoadReport oneLost = report(1);
        assertTrue(check("finals.lost == 1", oneLost).passed());
        assertFalse(check("finals.lost != 1", oneLost).passed());
        assertTrue(check("finals.lost <= 1", oneLost).passed());
        assertFalse(check("finals.lost < 1", oneLost).passed());
        assertTrue(check("finals.lost >= 1", oneLost).passed());
        assertFalse(check("finals.lost > 1", oneLost).passed());
        assertEquals("assert finals.lost == 0: FAILED: 1", check("finals.lost == 0", oneLost).line(""));
        assertEquals("assert finals.lost == 0 [2 sessions]: 0 ok", check("finals.lost == 0", report(0)).line("2 sessions"));
    }

    @Test
    void timesAreMillisecondsAndTheAddedTimeIsTheClientsMinusTheProviders() {
        LoadReport r = report(0);
        LoadAssertion.Verdict p95 = check("partial.p95 <= 0.31s", r);
        assertTrue(p95.passed(), p95.line(""));
        assertEquals(300, p95.value(), 3, "300 ms within the histogram's 1%");
        assertFalse(check("partial.p95 < 290ms", r).passed());
        LoadAssertion.Verdict added = check("partial.p95.added <= 210ms", r);
        assertTrue(added.passed(), added.line(""));
        assertEquals(200, added.value(), 4);
        String failed = check("partial.p95.added < 150ms", r).line("");
        assertTrue(failed.matches("assert partial\\.p95\\.added < 150ms: FAILED: (19[6-9]|20[0-4]) ms"), failed);
        assertEquals(100, check("provider.p50 > 0ms", r).value(), 1);
    }

    @Test
    void fractionsTakeAPercentageOrAFraction() {
        LoadReport r = report(0); // 18 of 20 partials answered
        assertEquals(0.9, check("partials.answered >= 0.9", r).value(), 1e-9);
        assertTrue(check("partials.answered >= 90%", r).passed());
        assertFalse(check("partials.answered > 90%", r).passed());
        assertEquals("90.0%", check("partials.answered > 90%", r).shown());
    }

    @Test
    void whatWasNotMeasuredFailsEveryCondition() {
        LoadReport r = report(0); // no final answered
        LoadAssertion.Verdict v = check("final.p95 >= 0ms", r);
        assertFalse(v.passed());
        assertEquals("assert final.p95 >= 0ms: FAILED: n/a (nothing measured)", v.line(""));
        assertFalse(check("final.p95 != 1ms", r).passed());
    }

    @Test
    void jainSessionsAndErrorsAreCounted() {
        LoadReport r = report(0);
        assertEquals(1.0, check("jain >= 0.99", r).value(), 1e-9);
        assertEquals("1.0000", check("jain >= 0.99", r).shown());
        assertEquals(0, check("sessions.failed == 0", r).value());
        assertEquals(0, check("sessions.refused == 0", r).value());
        assertEquals(0, check("errors == 0", r).value());
        assertEquals(0, check("finals.failed == 0", r).value());
        assertEquals(0, check("finals.unconfirmed == 0", r).value());
    }

    @Test
    void theReadmeListsEveryQuantity() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        for (String name : LoadAssertion.quantityNames()) {
            assertTrue(readme.contains("`" + name + "`"), "app/README.md does not list --assert quantity " + name);
        }
        assertEquals(LoadAssertion.quantityNames().size(), LoadAssertion.vocabulary().lines().count());
    }
}
