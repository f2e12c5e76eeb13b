package dev.fairway.core.queue;

import dev.fairway.api.SegmentKind;
import dev.fairway.api.SessionId;
import dev.fairway.api.SessionOptions;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SupersessionTest {

    @Test
    void newerPartialReplacesPendingPartial() {
        ScriptedProvider provider = new ScriptedProvider();
        ManualExecutor executor = new ManualExecutor();
        try (Harness h = Harness.manual(provider, executor, b -> { })) {
            Harness.Client s = h.open("s1");
            assertTrue(s.partial(1, "one").accepted());
            assertEquals(1, h.scheduler.pump());
            assertTrue(s.partial(2, "one two").accepted());
            assertTrue(s.partial(3, "one two three").accepted());
            assertEquals(0, h.scheduler.pump(), "at most one partial of a session in flight");
            executor.runNext();
            assertEquals(1, h.scheduler.pump());
            executor.runNext();

            assertEquals(List.of("one", "one two three"), provider.callTexts());
            assertEquals(List.of("T partial 1 [fr] one", "T partial 3 [fr] one two three"), s.listener().lines());
            assertEquals(1, h.scheduler.status().superseded());
            assertEquals(1, h.scheduler.status().sessionStats().get(SessionId.of("s1")).superseded());
        }
    }

    @Test
    void finalSupersedesPendingPartial() {
        ScriptedProvider provider = new ScriptedProvider();
        try (Harness h = Harness.direct(provider)) {
            Harness.Client s = h.open("s1");
            s.partial(1, "hello");
            s.fin(2, "hello world");
            h.runUntilIdle();

            assertEquals(List.of("hello world"), provider.callTexts());
            assertEquals(List.of("T final 2 [fr] hello world"), s.listener().lines());
            assertEquals(1, h.scheduler.status().superseded());
        }
    }

    @Test
    void partialSupersededBeforeItsCallStartsNeverReachesTheProvider() {
        ScriptedProvider provider = new ScriptedProvider();
        ManualExecutor executor = new ManualExecutor();
        try (Harness h = Harness.manual(provider, executor, b -> { })) {
            Harness.Client s = h.open("s1");
            s.partial(1, "hello");
            h.scheduler.pump();
            s.fin(2, "hello world");
            assertEquals(1, h.scheduler.pump(), "the final goes at once");
            executor.runNext();
            executor.runNext();

            assertEquals(List.of("hello world"), provider.callTexts());
            assertEquals(List.of("T final 2 [fr] hello world"), s.listener().lines());
            assertTrue(h.limiter.log.contains("cancel s1 reached=false"),
                    "a request that never reached the provider is refunded: " + h.limiter.log);
        }
    }

    @Test
    void partialResultArrivingAfterItsSupersedingFinalIsDiscarded() {
        ScriptedProvider provider = new ScriptedProvider();
        Harness[] holder = new Harness[1];
        Harness.Client[] client = new Harness.Client[1];
        AtomicBoolean interrupted = new AtomicBoolean();
        provider.during(r -> {
            if (r.kind() == SegmentKind.PARTIAL) {
                // The final arrives while the partial's call runs; the provider ignores the interrupt.
                client[0].fin(2, "hello world");
                interrupted.set(Thread.interrupted());
            }
        });
        try (Harness h = Harness.direct(provider)) {
            holder[0] = h;
            client[0] = h.open("s1");
            client[0].partial(1, "hello");
            h.runUntilIdle();

            assertTrue(interrupted.get(), "the superseded partial's call was interrupted");
            assertEquals(List.of("hello", "hello world"), provider.callTexts());
            assertEquals(List.of("T final 2 [fr] hello world"), client[0].listener().lines());
            assertTrue(h.limiter.log.contains("reconcile s1 15"), "its usage still counts: " + h.limiter.log);
            assertFalse(Thread.currentThread().isInterrupted(), "the cancel's interrupt does not leak");
        }
    }

    @Test
    void finalInterruptsPartialBlockedInTheProvider() throws Exception {
        ScriptedProvider provider = new ScriptedProvider();
        CountDownLatch partialStarted = new CountDownLatch(1);
        CountDownLatch interrupted = new CountDownLatch(1);
        provider.during(r -> {
            if (r.kind() == SegmentKind.PARTIAL) {
                partialStarted.countDown();
                try {
                    new CountDownLatch(1).await();
                } catch (InterruptedException e) {
                    interrupted.countDown();
                    throw e;
                }
            }
        });
        RecordingRateLimiter limiter = new RecordingRateLimiter();
        try (FairScheduler scheduler = FairScheduler.builder().provider(provider).rateLimiter(limiter)
                .threadFactory(Thread.ofVirtual().name("test-", 0).factory()).build()) {
            RecordingListener listener = new RecordingListener();
            var s = scheduler.open(SessionId.of("s1"), SessionOptions.of("en", "fr"), listener);
            s.submit(SegmentKind.PARTIAL, 1, "hello");
            partialStarted.await();
            s.submit(SegmentKind.FINAL, 2, "hello world");
            listener.awaitLines(1);
            interrupted.await();

            assertEquals(List.of("T final 2 [fr] hello world"), listener.lines());
            assertEquals(1, scheduler.status().superseded());
        }
    }
}
