package dev.fairway.core.queue;

import dev.fairway.api.SubmitOutcome;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackpressureTest {

    @Test
    void finalBeyondTheBacklogBoundIsRefusedNotDropped() {
        ScriptedProvider provider = new ScriptedProvider();
        ManualExecutor executor = new ManualExecutor();
        try (Harness h = Harness.manual(provider, executor, b -> b.maxQueuedFinalsPerSession(2))) {
            Harness.Client s = h.open("s1");
            assertTrue(s.fin(1, "one").accepted());
            assertTrue(s.fin(2, "two").accepted());
            SubmitOutcome refused = s.fin(3, "three");
            assertEquals(SubmitOutcome.Status.BACKPRESSURE, refused.status());
            assertTrue(refused.message().contains("2 finals"), refused.message());
            assertTrue(s.partial(3, "partials are not refused").accepted());

            h.scheduler.pump();
            executor.runNext();
            assertTrue(s.fin(4, "three").accepted(), "room again once a final was delivered");
            while (executor.runNext() || h.scheduler.pump() > 0) {
                // drain
            }
            assertEquals(List.of("T final 1 [fr] one", "T final 2 [fr] two", "T final 4 [fr] three"),
                    s.listener().lines().stream().filter(l -> l.contains("final")).toList());
        }
    }

    @Test
    void refusedFinalMaySendItsSequenceAgain() {
        ScriptedProvider provider = new ScriptedProvider();
        ManualExecutor executor = new ManualExecutor();
        try (Harness h = Harness.manual(provider, executor, b -> b.maxQueuedFinalsPerSession(1))) {
            Harness.Client s = h.open("s1");
            s.fin(1, "one");
            assertEquals(SubmitOutcome.Status.BACKPRESSURE, s.fin(2, "two").status());
            h.scheduler.pump();
            executor.runNext();
            assertTrue(s.fin(2, "two").accepted());
        }
    }

    @Test
    void sequenceNumbersMustIncrease() {
        try (Harness h = Harness.direct(new ScriptedProvider())) {
            Harness.Client s = h.open("s1");
            assertTrue(s.partial(5, "five").accepted());
            assertEquals(SubmitOutcome.Status.OUT_OF_ORDER, s.partial(5, "again").status());
            assertEquals(SubmitOutcome.Status.OUT_OF_ORDER, s.fin(4, "older").status());
            assertTrue(s.fin(6, "six").accepted());
        }
    }

    @Test
    void closedSessionAndShutDownSchedulerRefuseSubmits() {
        try (Harness h = Harness.direct(new ScriptedProvider())) {
            Harness.Client a = h.open("a");
            Harness.Client b = h.open("b");
            a.session().close();
            assertEquals(SubmitOutcome.Status.CLOSED, a.partial(1, "hello").status());
            h.scheduler.shutdown();
            assertEquals(SubmitOutcome.Status.CLOSED, b.fin(1, "hello").status());
        }
    }

    @Test
    void blankTextIsAnArgumentError() {
        try (Harness h = Harness.direct(new ScriptedProvider())) {
            Harness.Client s = h.open("s1");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.partial(1, "  "));
            assertTrue(e.getMessage().contains("text"), e.getMessage());
            assertTrue(s.partial(1, "the sequence was not used").accepted());
        }
    }
}
