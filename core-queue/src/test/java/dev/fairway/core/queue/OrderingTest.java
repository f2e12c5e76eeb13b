package dev.fairway.core.queue;

import dev.fairway.api.SegmentFailure;
import dev.fairway.api.SegmentKind;
import dev.fairway.api.SubmitOutcome;
import dev.fairway.api.TransientProviderException;
import dev.fairway.api.Translation;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OrderingTest {

    @Test
    void finalsAreDeliveredInSequenceOrderWhenTheirCallsFinishOutOfOrder() {
        ScriptedProvider provider = new ScriptedProvider();
        ManualExecutor executor = new ManualExecutor();
        try (Harness h = Harness.manual(provider, executor, b -> b.maxFinalsInFlightPerSession(3))) {
            Harness.Client s = h.open("s1");
            s.fin(1, "one");
            s.fin(2, "two");
            s.fin(3, "three");
            assertEquals(3, h.scheduler.pump());
            executor.runLast();
            executor.runLast();
            assertEquals(List.of(), s.listener().lines(), "held until final 1 is delivered");
            executor.runLast();

            assertEquals(List.of("T final 1 [fr] one", "T final 2 [fr] two", "T final 3 [fr] three"),
                    s.listener().lines());
        }
    }

    @Test
    void partialResultWaitsForTheFinalSubmittedBeforeIt() {
        ScriptedProvider provider = new ScriptedProvider();
        ManualExecutor executor = new ManualExecutor();
        try (Harness h = Harness.manual(provider, executor, b -> { })) {
            Harness.Client s = h.open("s1");
            s.fin(1, "one");
            s.partial(2, "two");
            assertEquals(2, h.scheduler.pump(), "a partial may be translated beside the session's final");
            executor.runLast();
            assertEquals(List.of(), s.listener().lines());
            executor.runLast();

            assertEquals(List.of("T final 1 [fr] one", "T partial 2 [fr] two"), s.listener().lines());
        }
    }

    @Test
    void heldPartialIsReplacedByANewerOne() {
        ScriptedProvider provider = new ScriptedProvider();
        ManualExecutor executor = new ManualExecutor();
        try (Harness h = Harness.manual(provider, executor, b -> { })) {
            Harness.Client s = h.open("s1");
            s.fin(1, "one");
            s.partial(2, "two");
            h.scheduler.pump();
            executor.runLast();
            s.partial(3, "two three");
            h.scheduler.pump();
            executor.runLast();
            executor.runNext();

            assertEquals(List.of("T final 1 [fr] one", "T partial 3 [fr] two three"), s.listener().lines());
            assertEquals(1, h.scheduler.status().superseded());
        }
    }

    /**
     * Random submits, completions out of order, transient faults and clock steps; then checks the
     * invariants: every accepted final ends exactly once (translated or failed) and each session's
     * outcomes arrive in strictly increasing sequence order.
     */
    @Test
    void randomizedSchedulesKeepOrderAndNeverLoseAFinal() {
        long seed = 20_260_127L;
        for (int round = 0; round < 40; round++) {
            long caseSeed = seed + round;
            try {
                randomCase(caseSeed);
            } catch (AssertionError e) {
                throw new AssertionError("seed " + caseSeed + ": " + e.getMessage(), e);
            }
        }
    }

    private static void randomCase(long seed) {
        Random random = new Random(seed);
        ScriptedProvider provider = new ScriptedProvider();
        provider.during(r -> {
            if (random.nextInt(4) == 0) {
                throw new TransientProviderException("injected");
            }
        });
        ManualExecutor executor = new ManualExecutor();
        try (Harness h = Harness.manual(provider, executor, b -> b
                .maxConcurrent(1 + random.nextInt(4))
                .maxFinalsInFlightPerSession(1 + random.nextInt(3))
                .maxQueuedFinalsPerSession(4)
                .deduplicate(random.nextBoolean())
                .retryBackoff(Duration.ofMillis(10), Duration.ofMillis(40))
                .finalMaxAttempts(3))) {
            int sessions = 1 + random.nextInt(3);
            List<Harness.Client> clients = new ArrayList<>();
            List<Set<Long>> acceptedFinals = new ArrayList<>();
            long[] seq = new long[sessions];
            for (int i = 0; i < sessions; i++) {
                clients.add(h.open("s" + i));
                acceptedFinals.add(new HashSet<>());
            }
            for (int step = 0; step < 200; step++) {
                int op = random.nextInt(10);
                int i = random.nextInt(sessions);
                String text = "word" + random.nextInt(5);
                if (op < 3) {
                    h.scheduler.pump();
                } else if (op < 5) {
                    boolean any = random.nextBoolean() ? executor.runNext() : executor.runLast();
                    assertTrue(any || executor.size() == 0);
                } else if (op < 8) {
                    clients.get(i).partial(++seq[i], text);
                } else if (op < 9) {
                    long s = ++seq[i];
                    SubmitOutcome o = clients.get(i).fin(s, text);
                    if (o.accepted()) {
                        acceptedFinals.get(i).add(s);
                    } else {
                        assertEquals(SubmitOutcome.Status.BACKPRESSURE, o.status());
                    }
                } else {
                    h.clock.advance(Duration.ofMillis(random.nextInt(30)));
                }
            }
            // Drain: run calls and wake-ups until nothing is left.
            for (int guard = 0; guard < 100_000; guard++) {
                if (executor.runNext() || h.scheduler.pump() > 0) {
                    continue;
                }
                long at = h.scheduler.nextWakeAt();
                if (at == SessionRing.NEVER) {
                    break;
                }
                h.clock.advanceNanos(Math.max(1, at - h.clock.nanoTime()));
            }
            assertEquals(0, h.scheduler.status().queueLength());
            for (int i = 0; i < sessions; i++) {
                RecordingListener l = clients.get(i).listener();
                assertFalse(l.overlapped);
                long last = -1;
                Set<Long> endedFinals = new HashSet<>();
                for (Object e : l.events) {
                    long s;
                    boolean isFinal;
                    if (e instanceof Translation t) {
                        s = t.request().sequence();
                        isFinal = t.request().isFinal();
                    } else {
                        SegmentFailure f = (SegmentFailure) e;
                        s = f.request().sequence();
                        isFinal = f.request().isFinal();
                    }
                    assertTrue(s > last, "session s" + i + " got " + s + " after " + last + ": " + l.lines());
                    last = s;
                    if (isFinal) {
                        assertTrue(endedFinals.add(s));
                    }
                }
                assertEquals(acceptedFinals.get(i), endedFinals, "every accepted final ends once: " + l.lines());
            }
        }
    }

    @Test
    void listenerSeesKindsOfTheSegmentsItSent() {
        ScriptedProvider provider = new ScriptedProvider();
        try (Harness h = Harness.direct(provider)) {
            Harness.Client s = h.open("s1");
            s.session().submit(SegmentKind.PARTIAL, 0, "zero");
            h.runUntilIdle();
            assertEquals(List.of("T partial 0 [fr] zero"), s.listener().lines());
        }
    }
}
