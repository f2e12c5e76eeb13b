package dev.fairway.core.queue;

import dev.fairway.api.FailureReason;
import dev.fairway.api.SessionId;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class StalenessTest {

    @Test
    void partialThatWaitedPastItsDeadlineIsDroppedCountedAndReported() {
        ScriptedProvider provider = new ScriptedProvider();
        ManualExecutor executor = new ManualExecutor();
        try (Harness h = Harness.manual(provider, executor, b -> b.maxConcurrent(1)
                .partialStaleAfter(Duration.ofSeconds(2)))) {
            Harness.Client busy = h.open("busy");
            Harness.Client late = h.open("late");
            busy.fin(1, "occupies the only slot");
            h.scheduler.pump();
            late.partial(1, "too late");
            h.clock.advance(Duration.ofMillis(2001));
            executor.runNext();
            h.scheduler.pump();

            assertEquals(List.of("occupies the only slot"), provider.callTexts());
            assertEquals(List.of("F STALE partial 1"), late.listener().lines());
            assertEquals(FailureReason.STALE, late.listener().failures().get(0).reason());
            assertEquals(1, h.scheduler.status().droppedStale());
            assertEquals(1, h.scheduler.status().sessionStats().get(SessionId.of("late")).droppedStale());
        }
    }

    @Test
    void partialWithinItsDeadlineIsTranslated() {
        ScriptedProvider provider = new ScriptedProvider();
        ManualExecutor executor = new ManualExecutor();
        try (Harness h = Harness.manual(provider, executor, b -> b.maxConcurrent(1)
                .partialStaleAfter(Duration.ofSeconds(2)))) {
            Harness.Client busy = h.open("busy");
            Harness.Client s = h.open("s");
            busy.fin(1, "occupies the only slot");
            h.scheduler.pump();
            s.partial(1, "in time");
            h.clock.advance(Duration.ofMillis(2000));
            executor.runNext();
            h.scheduler.pump();
            executor.runNext();

            assertEquals(List.of("T partial 1 [fr] in time"), s.listener().lines());
            assertEquals(Duration.ofMillis(2000), s.listener().translations().get(0).latency().queueWait());
        }
    }

    @Test
    void zeroDeadlineNeverDropsPartials() {
        ScriptedProvider provider = new ScriptedProvider();
        try (Harness h = Harness.direct(provider)) {
            Harness.Client s = h.open("s");
            s.partial(1, "slow");
            h.clock.advance(Duration.ofSeconds(1));
            h.runUntilIdle();
            assertEquals(1, s.listener().translations().size());
        }
        try (Harness h = new Harness(provider, Runnable::run, b -> b.partialStaleAfter(Duration.ZERO))) {
            Harness.Client s = h.open("s");
            s.partial(1, "slower");
            h.clock.advance(Duration.ofHours(2));
            h.runUntilIdle();
            assertEquals(1, s.listener().translations().size());
        }
    }
}
