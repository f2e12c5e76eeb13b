package dev.fairway.core.queue;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Finals first within a share: partials ask the rate limiter with {@code tryAcquirePartial} (which may keep
 * headroom for finals), and a partial's refusal holds back the session's partials only, never its finals.
 */
class FinalsFirstTest {

    private static final long SECOND = 1_000_000_000L;

    @Test
    void aRefusedPartialDoesNotHoldBackTheSessionsNextFinal() {
        ScriptedProvider provider = new ScriptedProvider();
        try (Harness h = Harness.direct(provider)) {
            h.limiter.partialRefusalWait = 3 * SECOND;
            Harness.Client a = h.open("a");
            a.partial(1, "good mor");
            h.scheduler.pump();
            assertEquals(1, h.limiter.count("refuse partial a"));
            assertEquals(List.of(), provider.callTexts());

            a.fin(2, "good morning");
            h.scheduler.pump(); // no time passed: the final does not wait for the partial's refusal
            assertEquals(List.of("good morning"), provider.callTexts());
            assertEquals(List.of("T final 2 [fr] good morning"), a.listener().lines());
        }
    }

    @Test
    void aRefusedPartialWaitsForItsRefusalThenGoes() {
        ScriptedProvider provider = new ScriptedProvider();
        try (Harness h = Harness.direct(provider)) {
            h.limiter.partialRefusalWait = SECOND;
            Harness.Client a = h.open("a");
            a.partial(1, "good mor");
            h.scheduler.pump();
            assertEquals(SECOND, h.scheduler.nextWakeAt() - h.clock.nanoTime(), "asks again when the limiter said");
            h.limiter.partialRefusalWait = 0;
            h.runUntilIdle();
            assertEquals(List.of("good mor"), provider.callTexts());
        }
    }
}
