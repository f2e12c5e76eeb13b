package dev.fairway.core.queue;

import dev.fairway.api.SegmentKind;
import dev.fairway.api.Session;
import dev.fairway.api.SessionId;
import dev.fairway.api.SessionOptions;
import dev.fairway.api.Translation;
import dev.fairway.core.limiter.BoundedConcurrencyLimiter;
import dev.fairway.core.limiter.FairShareRateLimiter;
import dev.fairway.core.limiter.StaticConcurrencyPolicy;
import dev.fairway.provider.fake.FakeProvider;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The scheduler with its real dispatcher thread and worker virtual threads. Waits for outcomes with
 * latches (a bound of 60 s guards a hung test); asserts nothing about how long anything took.
 */
class ThreadedSchedulerTest {

    private static final int SESSIONS = 40;
    private static final int ROUNDS = 5;

    @Test
    void noVirtualThreadIsPinnedUnderConcurrentLoad(@TempDir Path dir) throws Exception {
        List<RecordedEvent> pinned = new ArrayList<>();
        // Once before recording: the JDK pins a virtual thread that waits for another one to load a
        // class, which concerns the first run of every code path, not the scheduler.
        runConcurrentLoad();
        try (Recording recording = new Recording()) {
            recording.enable("jdk.VirtualThreadPinned").withThreshold(Duration.ZERO).withStackTrace();
            recording.start();
            runConcurrentLoad();
            recording.stop();
            Path file = dir.resolve("pinning.jfr");
            recording.dump(file);
            int interruptLock = 0;
            for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
                if (!e.getEventType().getName().equals("jdk.VirtualThreadPinned")) {
                    continue;
                }
                if (onJdkInterruptLock(e)) {
                    // A cancelled call's thread clearing its interrupt flag while the canceller sets it:
                    // both take the JDK's own lock of that thread for a few instructions, and the JDK
                    // cannot unmount a virtual thread waiting for it. Not the scheduler's doing.
                    interruptLock++;
                    continue;
                }
                pinned.add(e);
            }
            System.out.println("pinned on the JDK's interrupt lock (ignored): " + interruptLock);
        }
        assertEquals(List.of(), pinned, "virtual threads pinned");
    }

    /** Whether a pinning event is a wait for {@code java.lang.VirtualThread}'s interrupt lock (its top frame is there). */
    private static boolean onJdkInterruptLock(RecordedEvent e) {
        var trace = e.getStackTrace();
        if (trace == null || trace.getFrames().isEmpty()) {
            return false;
        }
        var top = trace.getFrames().get(0).getMethod();
        return top.getType().getName().equals("java.lang.VirtualThread")
                && (top.getName().equals("getAndClearInterrupt") || top.getName().equals("interrupt"));
    }

    /** 40 sessions, each on its own virtual thread, speak 5 partials and 5 finals as fast as they can. */
    private static void runConcurrentLoad() throws Exception {
        FakeProvider provider = FakeProvider.builder().latencyBase(Duration.ofMillis(1)).latencyPerToken(Duration.ZERO)
                .latencyJitter(Duration.ZERO).unlimited().build();
        FairShareRateLimiter rate = FairShareRateLimiter.builder().requestsPerMinute(1_000_000)
                .tokensPerMinute(1_000_000_000).build();
        BoundedConcurrencyLimiter concurrency = BoundedConcurrencyLimiter.builder()
                .policy(StaticConcurrencyPolicy.builder().normal(16).build()).build();
        CountDownLatch finalsEnded = new CountDownLatch(SESSIONS * ROUNDS);
        List<OrderCheckingListener> listeners = new ArrayList<>();
        try (FairScheduler scheduler = FairScheduler.builder().provider(provider).rateLimiter(rate)
                .concurrencyLimiter(concurrency).maxConcurrent(16)
                .threadFactory(Thread.ofVirtual().name("fairway-", 0).factory()).build();
                ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < SESSIONS; i++) {
                OrderCheckingListener l = new OrderCheckingListener(finalsEnded);
                listeners.add(l);
                Session s = scheduler.open(SessionId.of("c" + i), SessionOptions.of("en", "fr"), l);
                int id = i;
                clients.execute(() -> {
                    long seq = 0;
                    for (int r = 0; r < ROUNDS; r++) {
                        s.submit(SegmentKind.PARTIAL, seq++, "Hello my friend " + id + " " + r);
                        s.submit(SegmentKind.FINAL, seq++, "Hello my friend " + id + " " + r + ".");
                    }
                });
            }
            assertTrue(finalsEnded.await(60, TimeUnit.SECONDS), "finals left: " + finalsEnded.getCount());
            for (OrderCheckingListener l : listeners) {
                assertFalse(l.outOfOrder, "sequence order");
                assertFalse(l.overlapped, "one callback at a time");
            }
            assertEquals(SESSIONS * ROUNDS, listeners.stream().mapToInt(l -> l.finals.get()).sum());
            scheduler.shutdown();
            assertTrue(scheduler.awaitTermination(Duration.ofSeconds(60)), "termination");
            // Finishing workers take the next call's permit before the lock; one no call used goes back.
            assertEquals(0, concurrency.inFlight(), "concurrency permits still out after every call ended");
        }
    }

    @Test
    void pacedDispatchDeliversEveryFinalAndEverySubmitReturns() throws Exception {
        // With minRequestInterval, a pass often stops to wait for pacing. A submit's pass that did so
        // once spun on its own start time instead of leaving the wait to the dispatcher, so the submit
        // never returned and the client's later finals were never sent.
        FakeProvider provider = FakeProvider.builder().zeroLatency().unlimited().build();
        FairShareRateLimiter rate = FairShareRateLimiter.builder().requestsPerMinute(1_000_000)
                .tokensPerMinute(1_000_000_000).build();
        int sessions = 4;
        int finals = 10;
        CountDownLatch finalsEnded = new CountDownLatch(sessions * finals);
        List<OrderCheckingListener> listeners = new ArrayList<>();
        try (FairScheduler scheduler = FairScheduler.builder().provider(provider).rateLimiter(rate)
                .minRequestInterval(Duration.ofMillis(1)).maxConcurrent(2)
                .threadFactory(Thread.ofVirtual().name("fairway-", 0).factory()).build();
                ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            CountDownLatch submitted = new CountDownLatch(sessions);
            for (int i = 0; i < sessions; i++) {
                OrderCheckingListener l = new OrderCheckingListener(finalsEnded);
                listeners.add(l);
                Session s = scheduler.open(SessionId.of("p" + i), SessionOptions.of("en", "fr"), l);
                int id = i;
                clients.execute(() -> {
                    for (int r = 0; r < finals; r++) {
                        s.submit(SegmentKind.FINAL, r, "Paced sentence " + id + " " + r + ".");
                    }
                    submitted.countDown();
                });
            }
            assertTrue(submitted.await(60, TimeUnit.SECONDS), "submits that never returned: " + submitted.getCount());
            assertTrue(finalsEnded.await(60, TimeUnit.SECONDS), "finals left: " + finalsEnded.getCount());
            assertEquals(sessions * finals, listeners.stream().mapToInt(l -> l.finals.get()).sum());
        }
    }

    @Test
    void dispatcherWaitsForTheLimiterInsteadOfSpinning() throws Exception {
        RecordingRateLimiter limiter = new RecordingRateLimiter();
        long refuseUntil = System.nanoTime() + Duration.ofMillis(50).toNanos();
        limiter.refusal = s -> Math.max(0, refuseUntil - System.nanoTime());
        ScriptedProvider provider = new ScriptedProvider();
        try (FairScheduler scheduler = FairScheduler.builder().provider(provider).rateLimiter(limiter)
                .threadFactory(Thread.ofVirtual().factory()).build()) {
            RecordingListener listener = new RecordingListener();
            Session s = scheduler.open(SessionId.of("s1"), SessionOptions.of("en", "fr"), listener);
            s.submit(SegmentKind.FINAL, 1, "hello");
            listener.awaitLines(1);
            long asks = limiter.count("refuse") + limiter.count("grant");
            assertTrue(asks <= 3, "the dispatcher asked the limiter " + asks + " times: it must wait, not spin");
        }
    }

    @Test
    void awaitTerminationReturnsWhenAcceptedWorkIsDone() throws Exception {
        ScriptedProvider provider = new ScriptedProvider();
        FairScheduler scheduler = FairScheduler.builder().provider(provider).rateLimiter(new RecordingRateLimiter())
                .threadFactory(Thread.ofVirtual().factory()).build();
        RecordingListener listener = new RecordingListener();
        Session s = scheduler.open(SessionId.of("s1"), SessionOptions.of("en", "fr"), listener);
        for (int i = 1; i <= 10; i++) {
            s.submit(SegmentKind.FINAL, i, "final " + i);
        }
        scheduler.shutdown();
        assertTrue(scheduler.awaitTermination(Duration.ofSeconds(60)));
        assertEquals(10, listener.translations().size());
        scheduler.close();
    }

    @Test
    void dispatcherWakesForARetryAfterItsBackoff() throws Exception {
        ScriptedProvider provider = new ScriptedProvider()
                .thenThrow(new dev.fairway.api.TransientProviderException("HTTP 503"));
        try (FairScheduler scheduler = FairScheduler.builder().provider(provider)
                .rateLimiter(new RecordingRateLimiter()).retryBackoff(Duration.ofMillis(5), Duration.ofMillis(5))
                .threadFactory(Thread.ofVirtual().factory()).build()) {
            RecordingListener listener = new RecordingListener();
            Session s = scheduler.open(SessionId.of("s1"), SessionOptions.of("en", "fr"), listener);
            s.submit(SegmentKind.FINAL, 1, "hello");
            listener.awaitLines(1);
            assertEquals(List.of("T final 1 [fr] hello"), listener.lines());
            assertEquals(2, provider.calls.size());
        }
    }

    @Test
    void callRejectedByTheExecutorIsRetriedNotLost() throws Exception {
        ScriptedProvider provider = new ScriptedProvider();
        AtomicInteger executions = new AtomicInteger();
        ExecutorService real = Executors.newVirtualThreadPerTaskExecutor();
        java.util.concurrent.Executor flaky = task -> {
            if (executions.incrementAndGet() == 1) {
                throw new java.util.concurrent.RejectedExecutionException("full");
            }
            real.execute(task);
        };
        RecordingRateLimiter limiter = new RecordingRateLimiter();
        try (FairScheduler scheduler = FairScheduler.builder().provider(provider).rateLimiter(limiter)
                .retryBackoff(Duration.ofMillis(5), Duration.ofMillis(5)).executor(flaky)
                .threadFactory(Thread.ofVirtual().factory()).build()) {
            RecordingListener listener = new RecordingListener();
            Session s = scheduler.open(SessionId.of("s1"), SessionOptions.of("en", "fr"), listener);
            s.submit(SegmentKind.FINAL, 1, "hello");
            listener.awaitLines(1);
            assertEquals(List.of("T final 1 [fr] hello"), listener.lines());
            assertTrue(limiter.log.contains("cancel s1 reached=false"), limiter.log.toString());
        } finally {
            real.close();
        }
    }

    /** Counts finals and checks order and exclusivity without locks of its own. */
    private static final class OrderCheckingListener implements dev.fairway.api.SessionListener {
        final AtomicInteger finals = new AtomicInteger();
        final AtomicInteger inside = new AtomicInteger();
        final CountDownLatch finalsEnded;
        volatile long last = -1;
        volatile boolean outOfOrder;
        volatile boolean overlapped;

        OrderCheckingListener(CountDownLatch finalsEnded) {
            this.finalsEnded = finalsEnded;
        }

        private void seen(long seq, boolean isFinal) {
            if (inside.incrementAndGet() != 1) {
                overlapped = true;
            }
            if (seq <= last) {
                outOfOrder = true;
            }
            last = seq;
            inside.decrementAndGet();
            if (isFinal) {
                finals.incrementAndGet();
                finalsEnded.countDown();
            }
        }

        @Override
        public void onTranslation(Translation t) {
            seen(t.request().sequence(), t.request().isFinal());
        }

        @Override
        public void onFailure(dev.fairway.api.SegmentFailure f) {
            seen(f.request().sequence(), f.request().isFinal());
        }
    }
}
