package dev.fairway.core.queue;

import dev.fairway.api.SegmentKind;
import dev.fairway.api.SessionId;
import dev.fairway.api.TranslationRequest;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fairness is asserted on the schedule (the order of provider calls), never on wall time. One round
 * of the deficit round robin gives every other backlogged session at most {@code quantum x weight}
 * tokens plus the request it already had the deficit for.
 */
class FairnessTest {

    private static final int QUANTUM = 1000;
    private static final int GREEDY_FINALS = 100;

    @Test
    void greedySessionCannotDelayALightSessionByMoreThanOneRound() {
        List<String> schedule = fairSchedule(1);
        assertLightWaitedAtMostOneRound(schedule, "light0", QUANTUM);
    }

    @Test
    void everyLightSessionIsServedWithinOneRoundBesideAGreedyOne() {
        List<String> schedule = fairSchedule(5);
        for (int i = 0; i < 5; i++) {
            assertLightWaitedAtMostOneRound(schedule, "light" + i, QUANTUM * 6L);
        }
    }

    /** The negative control: the same workload on a plain FIFO executor fails the same assertion. */
    @Test
    void plainFifoExecutorFailsTheSameAssertion() throws Exception {
        List<String> schedule = fifoSchedule();
        AssertionError e = assertThrows(AssertionError.class,
                () -> assertLightWaitedAtMostOneRound(schedule, "light0", QUANTUM));
        assertTrue(e.getMessage().contains("waited for"), e.getMessage());
    }

    @Test
    void sessionsShareTokensNotRequests() {
        ScriptedProvider provider = new ScriptedProvider();
        ManualExecutor executor = new ManualExecutor();
        try (Harness h = Harness.manual(provider, executor, b -> b.maxConcurrent(1).quantumTokens(QUANTUM)
                .maxFinalsInFlightPerSession(64).maxQueuedFinalsPerSession(500))) {
            Harness.Client big = h.open("big");
            Harness.Client small = h.open("small");
            for (int i = 1; i <= 20; i++) {
                big.fin(i, "big " + i + " " + "x".repeat(1600));
            }
            for (int i = 1; i <= 150; i++) {
                small.fin(i, "small " + i + " " + "y".repeat(30));
            }
            long tokensBig = 0;
            long tokensSmall = 0;
            int bigLeft = 20;
            int smallLeft = 150;
            int maxCost = 0;
            while (bigLeft > 0 && smallLeft > 0) {
                assertEquals(1, h.scheduler.pump());
                executor.runNext();
                TranslationRequest r = last(provider);
                maxCost = Math.max(maxCost, r.estimatedTokens());
                if (r.session().value().equals("big")) {
                    tokensBig += r.estimatedTokens();
                    bigLeft--;
                } else {
                    tokensSmall += r.estimatedTokens();
                    smallLeft--;
                }
                assertTrue(Math.abs(tokensBig - tokensSmall) <= QUANTUM + maxCost,
                        "tokens big " + tokensBig + ", small " + tokensSmall);
            }
            assertTrue(tokensSmall > 5 * QUANTUM, "both were backlogged for several rounds");
        }
    }

    @Test
    void weightTwoSessionGetsTwiceTheTokens() {
        ScriptedProvider provider = new ScriptedProvider();
        ManualExecutor executor = new ManualExecutor();
        try (Harness h = Harness.manual(provider, executor, b -> b.maxConcurrent(1).quantumTokens(100)
                .maxFinalsInFlightPerSession(64).maxQueuedFinalsPerSession(500))) {
            Harness.Client heavy = h.open("heavy", 2);
            Harness.Client light = h.open("light", 1);
            for (int i = 1; i <= 300; i++) {
                heavy.fin(i, "heavy " + i + " same length text");
                light.fin(i, "light " + i + " same length text");
            }
            long heavyTokens = 0;
            long lightTokens = 0;
            for (int n = 0; n < 300; n++) {
                h.scheduler.pump();
                executor.runNext();
                TranslationRequest r = last(provider);
                if (r.session().value().equals("heavy")) {
                    heavyTokens += r.estimatedTokens();
                } else {
                    lightTokens += r.estimatedTokens();
                }
            }
            assertTrue(Math.abs(heavyTokens - 2 * lightTokens) <= 2 * (100 + 60) + 200,
                    "heavy " + heavyTokens + ", light " + lightTokens);
        }
    }

    // ---------------------------------------------------------------- the two schedules

    /** The fair scheduler with one greedy session (100 finals) and {@code lights} light sessions. */
    private static List<String> fairSchedule(int lights) {
        ConcurrentLinkedQueue<String> schedule = new ConcurrentLinkedQueue<>();
        ScriptedProvider provider = new ScriptedProvider();
        provider.during(r -> schedule.add("dispatch " + r.session() + " " + r.estimatedTokens()));
        ManualExecutor executor = new ManualExecutor();
        try (Harness h = Harness.manual(provider, executor, b -> b.maxConcurrent(1).quantumTokens(QUANTUM)
                .maxFinalsInFlightPerSession(64).maxQueuedFinalsPerSession(500))) {
            Harness.Client greedy = h.open("greedy");
            List<Harness.Client> light = new ArrayList<>();
            for (int i = 0; i < lights; i++) {
                light.add(h.open("light" + i));
            }
            for (int i = 1; i <= GREEDY_FINALS; i++) {
                greedy.fin(i, "greedy sentence number " + i + " of a long monologue");
            }
            // The greedy session is well under way when the light ones speak.
            for (int i = 0; i < 7; i++) {
                h.scheduler.pump();
                executor.runNext();
            }
            for (int i = 0; i < lights; i++) {
                schedule.add("submit light" + i);
                light.get(i).fin(1, "a short remark " + i);
            }
            while (executor.runNext() || h.scheduler.pump() > 0) {
                // run to the end
            }
            assertEquals(GREEDY_FINALS, greedy.listener().translations().size());
        }
        return new ArrayList<>(schedule);
    }

    /** What a naive design does: one FIFO queue in front of a thread pool (here of one thread). */
    private static List<String> fifoSchedule() throws Exception {
        ConcurrentLinkedQueue<String> schedule = new ConcurrentLinkedQueue<>();
        ScriptedProvider provider = new ScriptedProvider();
        provider.during(r -> schedule.add("dispatch " + r.session() + " " + r.estimatedTokens()));
        ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>());
        CountDownLatch allSubmitted = new CountDownLatch(1);
        pool.execute(() -> {
            try {
                allSubmitted.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        for (int i = 1; i <= GREEDY_FINALS; i++) {
            submitTo(pool, provider, "greedy", i, "greedy sentence number " + i + " of a long monologue");
        }
        schedule.add("submit light0");
        submitTo(pool, provider, "light0", 1, "a short remark 0");
        allSubmitted.countDown();
        pool.shutdown();
        assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
        return new ArrayList<>(schedule);
    }

    private static void submitTo(ThreadPoolExecutor pool, ScriptedProvider provider, String session, long seq,
            String text) {
        TranslationRequest r = new TranslationRequest(SessionId.of(session), SegmentKind.FINAL, seq, text, "en", "fr",
                provider.estimateTokens(SegmentKind.FINAL, text));
        pool.execute(() -> {
            try {
                provider.translate(r);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    // ---------------------------------------------------------------- the assertion

    /**
     * Between the light session's submit and its dispatch, the other sessions got at most
     * {@code roundTokens} plus one request's worth of tokens: one round.
     */
    static void assertLightWaitedAtMostOneRound(List<String> schedule, String light, long roundTokens) {
        int submitted = schedule.indexOf("submit " + light);
        assertTrue(submitted >= 0, "no submit of " + light);
        long others = 0;
        int maxCost = 0;
        for (int i = submitted + 1; i < schedule.size(); i++) {
            String line = schedule.get(i);
            if (!line.startsWith("dispatch ")) {
                continue;
            }
            String[] parts = line.split(" ");
            int tokens = Integer.parseInt(parts[2]);
            if (parts[1].equals(light)) {
                assertTrue(others <= roundTokens + maxCost, light + " waited for " + others
                        + " tokens of other sessions, more than one round (" + roundTokens + " + " + maxCost + ")");
                return;
            }
            others += tokens;
            maxCost = Math.max(maxCost, tokens);
        }
        throw new AssertionError(light + " was never dispatched");
    }

    private static TranslationRequest last(ScriptedProvider provider) {
        TranslationRequest last = null;
        for (TranslationRequest r : provider.calls) {
            last = r;
        }
        return last;
    }
}
