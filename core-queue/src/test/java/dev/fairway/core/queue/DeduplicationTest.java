package dev.fairway.core.queue;

import dev.fairway.api.SegmentKind;
import dev.fairway.api.SessionId;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeduplicationTest {

    @Test
    void identicalRequestsInFlightShareOneCallAndOnlyTheLeaderIsCharged() {
        ScriptedProvider provider = new ScriptedProvider();
        ManualExecutor executor = new ManualExecutor();
        try (Harness h = Harness.manual(provider, executor, b -> { })) {
            Harness.Client a = h.open("a");
            Harness.Client b = h.open("b");
            a.fin(1, "good morning");
            b.fin(7, "good morning");
            assertEquals(1, h.scheduler.pump());
            executor.runNext();

            assertEquals(List.of("good morning"), provider.callTexts());
            assertEquals(List.of("T final 1 [fr] good morning"), a.listener().lines());
            assertEquals(List.of("T final 7 [fr] good morning"), b.listener().lines());
            assertEquals(SessionId.of("b"), b.listener().translations().get(0).request().session());
            assertEquals(1, h.limiter.count("grant"));
            assertEquals(List.of("reconcile a 15"), h.limiter.log.stream().filter(l -> l.startsWith("reconcile")).toList());
            assertEquals(1, h.scheduler.status().deduplicated());
            assertEquals(1, h.scheduler.status().providerCalls());
        }
    }

    @Test
    void identicalRequestBehindTheCallThatTookTheLastSlotStillJoinsIt() {
        // Both are taken in before the pass: a's call takes the only slot, and b, next in the ring,
        // must join it in the same pass rather than wait for a pass after the call has returned.
        ScriptedProvider provider = new ScriptedProvider();
        ManualExecutor executor = new ManualExecutor();
        try (Harness h = Harness.manual(provider, executor, b -> b.maxConcurrent(1))) {
            Harness.Client a = h.open("a");
            Harness.Client b = h.open("b");
            a.fin(1, "good morning");
            b.fin(7, "good morning");
            assertEquals(1, h.scheduler.pump());
            executor.runNext();

            assertEquals(List.of("good morning"), provider.callTexts());
            assertEquals(List.of("T final 7 [fr] good morning"), b.listener().lines());
            assertEquals(1, h.scheduler.status().deduplicated());
        }
    }

    @Test
    void requestAfterTheCallReturnedMakesItsOwnCall() {
        ScriptedProvider provider = new ScriptedProvider();
        try (Harness h = Harness.direct(provider)) {
            h.open("a").fin(1, "good morning");
            h.runUntilIdle();
            h.open("b").fin(1, "good morning");
            h.runUntilIdle();
            assertEquals(2, provider.calls.size());
        }
    }

    @Test
    void differentLanguagesAreNotShared() {
        ScriptedProvider provider = new ScriptedProvider();
        ManualExecutor executor = new ManualExecutor();
        try (Harness h = Harness.manual(provider, executor, b -> { })) {
            h.open("a").fin(1, "good morning");
            h.scheduler.open(SessionId.of("b"), dev.fairway.api.SessionOptions.of("en", "de"), new RecordingListener())
                    .submit(SegmentKind.FINAL, 1, "good morning");
            assertEquals(2, h.scheduler.pump());
        }
    }

    @Test
    void switchedOffEveryRequestMakesItsOwnCall() {
        ScriptedProvider provider = new ScriptedProvider();
        ManualExecutor executor = new ManualExecutor();
        try (Harness h = Harness.manual(provider, executor, b -> b.deduplicate(false))) {
            h.open("a").fin(1, "good morning");
            h.open("b").fin(1, "good morning");
            assertEquals(2, h.scheduler.pump());
        }
    }

    @Test
    void followerIsStillServedWhenTheLeaderIsSuperseded() {
        ScriptedProvider provider = new ScriptedProvider();
        ManualExecutor executor = new ManualExecutor();
        try (Harness h = Harness.manual(provider, executor, b -> { })) {
            Harness.Client a = h.open("a");
            Harness.Client b = h.open("b");
            a.partial(1, "good");
            b.partial(1, "good");
            assertEquals(1, h.scheduler.pump());
            a.fin(2, "good night");
            h.scheduler.pump();
            executor.runNext();
            executor.runNext();

            assertEquals(List.of("good", "good night"), provider.callTexts());
            assertEquals(List.of("T partial 1 [fr] good"), b.listener().lines());
            assertEquals(List.of("T final 2 [fr] good night"), a.listener().lines());
        }
    }

    @Test
    void callIsAbandonedWhenEveryWaiterLeaves() {
        ScriptedProvider provider = new ScriptedProvider();
        ManualExecutor executor = new ManualExecutor();
        try (Harness h = Harness.manual(provider, executor, b -> { })) {
            Harness.Client a = h.open("a");
            Harness.Client b = h.open("b");
            a.partial(1, "good");
            b.partial(1, "good");
            h.scheduler.pump();
            a.session().close();
            b.session().close();
            executor.runNext();

            assertEquals(List.of(), provider.callTexts());
            assertTrue(h.limiter.log.contains("cancel a reached=false"), h.limiter.log.toString());
        }
    }
}
