package dev.fairway.core.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fairway.api.SegmentFailure;
import dev.fairway.api.SegmentKind;
import dev.fairway.api.Session;
import dev.fairway.api.SessionId;
import dev.fairway.api.SessionListener;
import dev.fairway.api.SessionOptions;
import dev.fairway.api.SubmitOutcome;
import dev.fairway.api.Translation;
import dev.fairway.core.limiter.FairShareRateLimiter;
import dev.fairway.provider.fake.FakeProvider;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

/**
 * Submits race each other and closing, on real threads: submits validate and take their segment in
 * under the session's own lock, in parallel with dispatch passes and completions, so these check that
 * what was accepted is never lost and order still holds.
 * Waits with latches only (a 60 s bound guards a hung test).
 */
class ConcurrentSubmitTest {

    private static FairScheduler scheduler() {
        FakeProvider provider = FakeProvider.builder().zeroLatency().unlimited().build();
        FairShareRateLimiter rate = FairShareRateLimiter.builder().requestsPerMinute(Integer.MAX_VALUE)
                .tokensPerMinute(Integer.MAX_VALUE).build();
        return FairScheduler.builder().provider(provider).rateLimiter(rate).maxConcurrent(8)
                .maxQueuedFinalsPerSession(100_000).threadFactory(Thread.ofVirtual().name("fairway-", 0).factory())
                .build();
    }

    /** Records finals reported (translated or failed), order, overlap and the closing event. */
    private static final class Listener implements SessionListener {
        final Set<Long> finals = ConcurrentHashMap.newKeySet();
        final CountDownLatch closed = new CountDownLatch(1);
        final AtomicLong inside = new AtomicLong();
        volatile long last = -1;
        volatile boolean outOfOrder;
        volatile boolean overlapped;
        volatile boolean eventAfterClose;

        private void seen(long seq, boolean isFinal) {
            if (inside.incrementAndGet() != 1) {
                overlapped = true;
            }
            if (closed.getCount() == 0) {
                eventAfterClose = true;
            }
            if (seq <= last) {
                outOfOrder = true;
            }
            last = seq;
            if (isFinal) {
                finals.add(seq);
            }
            inside.decrementAndGet();
        }

        @Override
        public void onTranslation(Translation t) {
            seen(t.request().sequence(), t.request().isFinal());
        }

        @Override
        public void onFailure(SegmentFailure f) {
            seen(f.request().sequence(), f.request().isFinal());
        }

        @Override
        public void onClosed() {
            closed.countDown();
        }
    }

    @Test
    void manyThreadsSubmittingToOneSessionLoseNothingAndKeepTheOrder() throws Exception {
        Listener listener = new Listener();
        Set<Long> accepted = ConcurrentHashMap.newKeySet();
        AtomicLong sequence = new AtomicLong();
        Set<SubmitOutcome> unexpected = ConcurrentHashMap.newKeySet();
        try (FairScheduler scheduler = scheduler()) {
            Session session = scheduler.open(SessionId.of("shared"), SessionOptions.of("en", "fr"), listener);
            try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int t = 0; t < 8; t++) {
                    clients.execute(() -> {
                        for (int i = 0; i < 500; i++) {
                            long seq = sequence.incrementAndGet();
                            SubmitOutcome outcome = session.submit(SegmentKind.FINAL, seq, "final " + seq);
                            if (outcome.accepted()) {
                                accepted.add(seq);
                            } else {
                                // A larger sequence got in first: the only refusal allowed here.
                                if (outcome.status() != SubmitOutcome.Status.OUT_OF_ORDER) {
                                    unexpected.add(outcome);
                                }
                            }
                        }
                    });
                }
            }
            session.close();
            assertTrue(listener.closed.await(60, TimeUnit.SECONDS), "the session never closed");
        }
        assertEquals(Set.of(), unexpected);
        assertFalse(accepted.isEmpty());
        assertEquals(accepted, listener.finals, "every accepted final is reported, nothing else");
        assertFalse(listener.outOfOrder, "sequence order");
        assertFalse(listener.overlapped, "one callback at a time");
        assertFalse(listener.eventAfterClose, "no event after onClosed");
    }

    @Test
    void closingASessionWhileItsClientSubmitsLosesNoAcceptedFinal() throws Exception {
        for (int round = 0; round < 20; round++) {
            Listener listener = new Listener();
            Set<Long> accepted = ConcurrentHashMap.newKeySet();
            Set<SubmitOutcome> unexpected = ConcurrentHashMap.newKeySet();
            CountDownLatch someAccepted = new CountDownLatch(50);
            try (FairScheduler scheduler = scheduler();
                    ExecutorService client = Executors.newVirtualThreadPerTaskExecutor()) {
                Session session = scheduler.open(SessionId.of("s" + round), SessionOptions.of("en", "fr"), listener);
                client.execute(() -> {
                    for (long seq = 1; ; seq++) {
                        SubmitOutcome outcome = session.submit(seq % 3 == 0 ? SegmentKind.PARTIAL : SegmentKind.FINAL,
                                seq, "segment " + seq);
                        if (!outcome.accepted()) {
                            if (outcome.status() != SubmitOutcome.Status.CLOSED) {
                                unexpected.add(outcome);
                            }
                            return;
                        }
                        if (seq % 3 != 0) {
                            accepted.add(seq);
                        }
                        someAccepted.countDown();
                    }
                });
                assertTrue(someAccepted.await(60, TimeUnit.SECONDS));
                session.close();
                assertTrue(listener.closed.await(60, TimeUnit.SECONDS), "round " + round + ": the session never closed");
            }
            assertEquals(Set.of(), unexpected, "round " + round);
            assertEquals(accepted, listener.finals, "round " + round + ": every accepted final is reported");
            assertFalse(listener.outOfOrder, "round " + round + ": sequence order");
            assertFalse(listener.eventAfterClose, "round " + round + ": no event after onClosed");
        }
    }

    @Test
    void closingTheSchedulerWhileClientsSubmitReportsEveryAcceptedFinal() throws Exception {
        for (int round = 0; round < 20; round++) {
            Listener[] listeners = new Listener[4];
            @SuppressWarnings("unchecked")
            Set<Long>[] accepted = new Set[4];
            CountDownLatch someAccepted = new CountDownLatch(100);
            FairScheduler scheduler = scheduler();
            try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int c = 0; c < 4; c++) {
                    listeners[c] = new Listener();
                    accepted[c] = ConcurrentHashMap.newKeySet();
                    Session session = scheduler.open(SessionId.of("c" + c), SessionOptions.of("en", "fr"), listeners[c]);
                    Set<Long> mine = accepted[c];
                    clients.execute(() -> {
                        for (long seq = 1; ; seq++) {
                            if (!session.submit(SegmentKind.FINAL, seq, "final " + seq).accepted()) {
                                return;
                            }
                            mine.add(seq);
                            someAccepted.countDown();
                        }
                    });
                }
                assertTrue(someAccepted.await(60, TimeUnit.SECONDS));
                scheduler.close();
            }
            for (int c = 0; c < 4; c++) {
                assertTrue(listeners[c].closed.await(60, TimeUnit.SECONDS), "round " + round + ": session " + c);
                assertEquals(accepted[c], listeners[c].finals, "round " + round + ", session " + c
                        + ": every accepted final is translated or reported as failed");
            }
            assertTrue(scheduler.awaitTermination(Duration.ofSeconds(60)));
        }
    }
}
