package dev.fairway.core.queue;

import dev.fairway.api.FailureReason;
import dev.fairway.api.SessionId;
import dev.fairway.api.SessionOptions;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SessionCloseTest {

    @Test
    void closingASessionDropsItsPartialAndStillTranslatesItsFinals() {
        ScriptedProvider provider = new ScriptedProvider();
        ManualExecutor executor = new ManualExecutor();
        try (Harness h = Harness.manual(provider, executor, b -> { })) {
            Harness.Client s = h.open("s1");
            s.fin(1, "one");
            s.fin(2, "two");
            s.partial(3, "three");
            h.scheduler.pump();
            s.session().close();
            s.session().close();
            assertTrue(h.limiter.log.contains("close s1"), "its fair share is released at once");
            assertThrows(IllegalStateException.class,
                    () -> h.scheduler.open(SessionId.of("s1"), SessionOptions.of("en", "fr"), new RecordingListener()));
            while (executor.runNext() || h.scheduler.pump() > 0) {
                // drain
            }

            assertEquals(List.of("T final 1 [fr] one", "T final 2 [fr] two", "closed"), s.listener().lines());
            assertFalse(provider.callTexts().contains("three"));
            assertEquals(0, h.scheduler.status().activeSessions());
            assertTrue(h.scheduler.status().sessionStats().isEmpty());
            // The id is free again.
            h.scheduler.open(SessionId.of("s1"), SessionOptions.of("en", "fr"), new RecordingListener());
        }
    }

    @Test
    void closingTheSchedulerReportsUnfinishedFinalsAsShutdown() throws Exception {
        ScriptedProvider provider = new ScriptedProvider();
        ManualExecutor executor = new ManualExecutor();
        Harness h = Harness.manual(provider, executor, b -> b.maxFinalsInFlightPerSession(2));
        Harness.Client a = h.open("a");
        Harness.Client b = h.open("b");
        a.fin(1, "one");
        a.fin(2, "two");
        a.fin(3, "three");
        b.partial(1, "partial");
        h.scheduler.pump();
        executor.runNext();
        h.scheduler.close();

        assertEquals(List.of("T final 1 [fr] one", "F SHUTDOWN final 2", "F SHUTDOWN final 3", "closed"),
                a.listener().lines());
        assertEquals(List.of("closed"), b.listener().lines());
        executor.runNext();
        executor.runNext();
        assertEquals(List.of("one"), provider.callTexts(), "cancelled calls that had not started are skipped");
        assertTrue(h.scheduler.awaitTermination(Duration.ofSeconds(5)));
        assertEquals(FailureReason.SHUTDOWN, a.listener().failures().get(0).reason());
        h.scheduler.close();
    }

    @Test
    void shutdownLetsAcceptedWorkFinish() throws Exception {
        ScriptedProvider provider = new ScriptedProvider();
        ManualExecutor executor = new ManualExecutor();
        try (Harness h = Harness.manual(provider, executor, b -> { })) {
            Harness.Client a = h.open("a");
            a.fin(1, "one");
            a.fin(2, "two");
            h.scheduler.shutdown();
            assertFalse(h.scheduler.awaitTermination(Duration.ZERO));
            assertThrows(IllegalStateException.class, () -> h.open("late"));
            while (executor.runNext() || h.scheduler.pump() > 0) {
                // drain
            }
            assertTrue(h.scheduler.awaitTermination(Duration.ZERO));
            assertEquals(List.of("T final 1 [fr] one", "T final 2 [fr] two"), a.listener().lines());
        }
    }
}
