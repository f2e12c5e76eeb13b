package dev.fairway.core.queue;

import dev.fairway.api.SessionId;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Batch calls: segments refused a request of their own ride together in one provider call, each session gets
 * only its own results, the request is paid by the sessions in turn and each session is charged its tokens, a
 * segment the answer left out goes again on its own, and nothing changes while nothing binds.
 */
class BatchingTest {

    private static final long SECOND = 1_000_000_000L;

    private static Harness harness(BatchingProvider provider, BatchMode mode, int maxSegments) {
        return new Harness(provider, Runnable::run, b -> b.batching(mode, maxSegments, 4000));
    }

    @Test
    void whenNothingBindsSegmentsGoOneByOne() {
        BatchingProvider provider = new BatchingProvider(8, 4000);
        try (Harness h = harness(provider, BatchMode.WHEN_LIMITED, 8)) {
            Harness.Client a = h.open("a");
            Harness.Client b = h.open("b");
            a.fin(1, "one");
            b.fin(1, "two");
            h.runUntilIdle();
            assertEquals(List.of(), List.copyOf(provider.batches));
            assertEquals(List.of("one", "two"), List.copyOf(provider.singles));
            assertEquals(0, h.scheduler.status().batches().calls());
            assertEquals("when-limited", h.scheduler.status().batches().mode());
        }
    }

    @Test
    void segmentsRefusedARequestRideTogetherAndEachSessionGetsOnlyItsOwn() {
        BatchingProvider provider = new BatchingProvider(8, 4000);
        try (Harness h = harness(provider, BatchMode.WHEN_LIMITED, 8)) {
            Harness.Client a = h.open("a");
            Harness.Client b = h.open("b");
            Harness.Client c = h.open("c");
            for (String s : List.of("a", "b", "c")) {
                h.limiter.refuse(SessionId.of(s), SECOND);
            }
            a.fin(1, "alpha");
            b.fin(4, "bravo");
            c.fin(9, "charlie");
            assertEquals(0, h.scheduler.pump());
            assertEquals(3, h.scheduler.status().batches().pooled(), "refused, they wait in the pool");
            assertTrue(provider.singles.isEmpty() && provider.batches.isEmpty());

            h.limiter.grant(SessionId.of("b"));
            h.runUntilIdle();
            assertEquals(List.of(List.of("alpha", "bravo", "charlie")), List.copyOf(provider.batches));
            assertEquals(List.of("T final 1 [fr] alpha"), a.listener().lines());
            assertEquals(List.of("T final 4 [fr] bravo"), b.listener().lines());
            assertEquals(List.of("T final 9 [fr] charlie"), c.listener().lines());
            assertTrue(provider.singles.isEmpty());

            SchedulerStatus.Batches batches = h.scheduler.status().batches();
            assertEquals(1, batches.calls());
            assertEquals(3, batches.segments());
            assertEquals(0, batches.pooled());
            assertEquals(1, h.scheduler.status().providerCalls());
            // b paid the request with every segment's tokens reserved; the others' tokens then moved to them.
            List<String> accounting = h.limiter.log.stream()
                    .filter(l -> l.startsWith("grant") || l.startsWith("reconcile") || l.startsWith("transfer")).toList();
            int estimate = a.listener().translations().get(0).request().estimatedTokens()
                    + b.listener().translations().get(0).request().estimatedTokens()
                    + c.listener().translations().get(0).request().estimatedTokens();
            assertEquals(List.of("grant b " + estimate, "reconcile b 45", "transfer b a 15", "transfer b c 15"),
                    accounting);
        }
    }

    @Test
    void aSegmentTheAnswerLeftOutIsSentAgainOnItsOwnAndNotCountedAsAFailedAttempt() {
        BatchingProvider provider = new BatchingProvider(8, 4000);
        provider.leaveOut = Set.of(1);
        try (Harness h = harness(provider, BatchMode.WHEN_LIMITED, 8)) {
            Harness.Client a = h.open("a");
            Harness.Client b = h.open("b");
            h.limiter.refuse(SessionId.of("a"), SECOND);
            h.limiter.refuse(SessionId.of("b"), SECOND);
            a.fin(1, "alpha");
            b.fin(2, "bravo");
            h.scheduler.pump();
            h.limiter.grant(SessionId.of("a"));
            h.limiter.grant(SessionId.of("b"));
            h.runUntilIdle();
            assertEquals(List.of(List.of("alpha", "bravo")), List.copyOf(provider.batches));
            assertEquals(List.of("bravo"), List.copyOf(provider.singles), "left out: sent alone, never batched again");
            assertEquals(List.of("T final 1 [fr] alpha"), a.listener().lines());
            assertEquals(List.of("T final 2 [fr] bravo"), b.listener().lines());
            assertEquals(1, h.scheduler.status().batches().fallbacks());
            assertEquals(0, h.scheduler.status().retries());
        }
    }

    @Test
    void finalsGoFirstIntoABatchAndTheBoundsHold() {
        BatchingProvider provider = new BatchingProvider(2, 4000);
        try (Harness h = harness(provider, BatchMode.WHEN_LIMITED, 8)) {
            List<Harness.Client> clients = new ArrayList<>();
            for (String s : List.of("a", "b", "c", "d")) {
                clients.add(h.open(s));
                h.limiter.refuse(SessionId.of(s), SECOND);
            }
            clients.get(0).partial(1, "partial a");
            clients.get(1).partial(1, "partial b");
            clients.get(2).fin(1, "final c");
            clients.get(3).fin(1, "final d");
            h.scheduler.pump();
            h.limiter.grant(SessionId.of("c"));
            h.limiter.grant(SessionId.of("a"));
            h.runUntilIdle();
            List<List<String>> sent = List.copyOf(provider.batches);
            assertEquals(List.of("final c", "final d"), sent.get(0), "finals first, and the provider's bound of 2");
            assertEquals(List.of("partial a", "partial b"), sent.get(1));
        }
    }

    @Test
    void theRequestIsPaidByTheSessionsInTurn() {
        BatchingProvider provider = new BatchingProvider(8, 4000);
        try (Harness h = harness(provider, BatchMode.WHEN_LIMITED, 8)) {
            List<Harness.Client> clients = new ArrayList<>();
            for (String s : List.of("a", "b", "c")) {
                clients.add(h.open(s));
            }
            // Each round: three finals refused on their own, then one batch of the three.
            for (int round = 1; round <= 3; round++) {
                for (String s : List.of("a", "b", "c")) {
                    h.limiter.refuse(SessionId.of(s), SECOND);
                }
                for (Harness.Client c : clients) {
                    c.fin(round, "round " + round + " of " + c.session().id());
                }
                h.scheduler.pump();
                for (String s : List.of("a", "b", "c")) {
                    h.limiter.grant(SessionId.of(s));
                }
                h.runUntilIdle();
            }
            List<String> payers = h.limiter.log.stream().filter(l -> l.startsWith("reconcile"))
                    .map(l -> l.split(" ")[1]).toList();
            assertEquals(3, payers.size());
            assertEquals(Set.of("a", "b", "c"), Set.copyOf(payers), "each session paid one of the three requests");
            for (Harness.Client c : clients) {
                assertEquals(3, c.listener().translations().size());
            }
        }
    }

    @Test
    void aWholeBatchThatIsRateLimitedIsRetriedAndNoFinalIsLost() {
        BatchingProvider provider = new BatchingProvider(8, 4000);
        provider.rateLimitNextBatch = true;
        try (Harness h = harness(provider, BatchMode.WHEN_LIMITED, 8)) {
            Harness.Client a = h.open("a");
            Harness.Client b = h.open("b");
            h.limiter.refuse(SessionId.of("a"), SECOND);
            h.limiter.refuse(SessionId.of("b"), SECOND);
            a.fin(1, "alpha");
            b.fin(1, "bravo");
            h.scheduler.pump();
            h.limiter.grant(SessionId.of("a"));
            h.limiter.grant(SessionId.of("b"));
            h.runUntilIdle();
            assertEquals(List.of("T final 1 [fr] alpha"), a.listener().lines());
            assertEquals(List.of("T final 1 [fr] bravo"), b.listener().lines());
            assertEquals(1, h.limiter.count("rateLimited"));
            assertEquals(1, h.scheduler.status().rateLimitedResponses());
        }
    }

    @Test
    void anIdenticalSegmentJoinsTheOneWaitingInThePool() {
        BatchingProvider provider = new BatchingProvider(8, 4000);
        try (Harness h = harness(provider, BatchMode.WHEN_LIMITED, 8)) {
            Harness.Client a = h.open("a");
            Harness.Client b = h.open("b");
            Harness.Client c = h.open("c");
            h.limiter.refuse(SessionId.of("a"), SECOND);
            h.limiter.refuse(SessionId.of("c"), SECOND);
            a.fin(1, "same words");
            c.fin(1, "other words");
            h.scheduler.pump();
            b.fin(5, "same words");
            h.scheduler.pump();
            h.limiter.grant(SessionId.of("a"));
            h.limiter.grant(SessionId.of("c"));
            h.runUntilIdle();
            assertEquals(List.of(List.of("same words", "other words")), List.copyOf(provider.batches));
            assertEquals(List.of("T final 5 [fr] same words"), b.listener().lines());
            assertEquals(1, h.scheduler.status().deduplicated());
        }
    }

    @Test
    void aPartialWaitingInThePoolThatAFinalSupersedesGivesItsPlaceBack() {
        BatchingProvider provider = new BatchingProvider(8, 4000);
        try (Harness h = harness(provider, BatchMode.WHEN_LIMITED, 8)) {
            Harness.Client a = h.open("a");
            h.limiter.refuse(SessionId.of("a"), SECOND);
            a.partial(1, "hello wor");
            h.scheduler.pump();
            assertEquals(1, h.scheduler.status().batches().pooled());
            h.limiter.grant(SessionId.of("a"));
            a.fin(2, "hello world");
            h.runUntilIdle();
            assertEquals(List.of("T final 2 [fr] hello world"), a.listener().lines(), "a superseded partial ends silently");
            assertEquals(0, h.scheduler.status().batches().pooled());
            assertEquals(List.of(), List.copyOf(provider.batches).stream().filter(bt -> bt.contains("hello wor")).toList());
        }
    }

    @Test
    void segmentsWaitingForPacingRideInTheNextPacedCall() {
        BatchingProvider provider = new BatchingProvider(8, 4000);
        try (Harness h = new Harness(provider, Runnable::run, b -> b.batching(BatchMode.WHEN_LIMITED, 8, 4000)
                .minRequestInterval(java.time.Duration.ofMillis(100)))) {
            Harness.Client a = h.open("a");
            Harness.Client b = h.open("b");
            Harness.Client c = h.open("c");
            a.fin(1, "alpha");
            b.fin(1, "bravo");
            c.fin(1, "charlie");
            h.runUntilIdle();
            assertEquals(List.of("alpha"), List.copyOf(provider.singles), "the first goes when pacing allows");
            assertEquals(List.of(List.of("bravo", "charlie")), List.copyOf(provider.batches),
                    "the others ride in the next paced call");
            assertEquals(2, h.scheduler.status().providerCalls());
        }
    }

    @Test
    void aBatchTheProviderCannotTakeSendsItsSegmentsAloneAndThreeInARowStopBatching() {
        BatchingProvider provider = new BatchingProvider(8, 4000);
        provider.refuseBatches = true;
        try (Harness h = harness(provider, BatchMode.ALWAYS, 8)) {
            Harness.Client a = h.open("a");
            Harness.Client b = h.open("b");
            for (int round = 1; round <= 4; round++) {
                a.fin(round, "a" + round);
                b.fin(round, "b" + round);
                h.runUntilIdle();
            }
            assertEquals(3, provider.batches.size(), "three refused batches, then no more");
            assertEquals(List.of("T final 1 [fr] a1", "T final 2 [fr] a2", "T final 3 [fr] a3", "T final 4 [fr] a4"),
                    a.listener().lines(), "no final failed: each went again alone");
            assertEquals(4, b.listener().lines().size());
            assertEquals("off", h.scheduler.status().batches().mode());
            assertEquals(6, h.scheduler.status().batches().fallbacks());
        }
    }

    @Test
    void theCallsReportedUsageIsWhatTheWindowAndTheSessionsAreCharged() {
        BatchingProvider provider = new BatchingProvider(8, 4000);
        provider.reportedTotal = 90; // the segments were handed 15 each as estimated shares
        try (Harness h = harness(provider, BatchMode.ALWAYS, 8)) {
            Harness.Client a = h.open("a");
            Harness.Client b = h.open("b");
            Harness.Client c = h.open("c");
            a.fin(1, "alpha");
            b.fin(1, "bravo");
            c.fin(1, "charlie");
            h.runUntilIdle();
            List<String> accounting = h.limiter.log.stream()
                    .filter(l -> l.startsWith("reconcile") || l.startsWith("transfer")).toList();
            assertEquals(List.of("reconcile a 90", "transfer a b 30", "transfer a c 30"), accounting);
        }
    }

    @Test
    void alwaysPacksWhatAPassFindsReady() {
        BatchingProvider provider = new BatchingProvider(8, 4000);
        try (Harness h = harness(provider, BatchMode.ALWAYS, 8)) {
            Harness.Client a = h.open("a");
            Harness.Client b = h.open("b");
            a.fin(1, "alpha");
            b.fin(1, "bravo");
            h.runUntilIdle();
            assertEquals(List.of(List.of("alpha", "bravo")), List.copyOf(provider.batches));
            assertEquals(List.of("T final 1 [fr] alpha"), a.listener().lines());
            assertEquals(List.of("T final 1 [fr] bravo"), b.listener().lines());
        }
    }

    @Test
    void offOrAProviderThatDoesNotBatchChangesNothing() {
        ScriptedProvider scripted = new ScriptedProvider();
        try (Harness h = new Harness(scripted, Runnable::run, b -> b.batching(BatchMode.ALWAYS, 8, 4000))) {
            Harness.Client a = h.open("a");
            a.fin(1, "alpha");
            h.runUntilIdle();
            assertEquals(List.of("alpha"), scripted.callTexts());
            assertEquals("off", h.scheduler.status().batches().mode());
        }
    }
}
