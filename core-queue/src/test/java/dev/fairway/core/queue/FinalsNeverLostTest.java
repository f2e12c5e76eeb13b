package dev.fairway.core.queue;

import dev.fairway.api.FailureReason;
import dev.fairway.api.SegmentFailure;
import dev.fairway.api.SegmentKind;
import dev.fairway.api.Session;
import dev.fairway.api.SessionId;
import dev.fairway.api.SessionOptions;
import dev.fairway.api.Translation;
import dev.fairway.core.limiter.AimdConcurrencyPolicy;
import dev.fairway.core.limiter.BoundedConcurrencyLimiter;
import dev.fairway.core.limiter.FairShareRateLimiter;
import dev.fairway.provider.fake.FakeProvider;
import dev.fairway.test.support.ManualClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real limiters and the simulated provider failing half its calls, on a manual clock: every
 * accepted final is delivered or reported, exactly once and in order.
 */
class FinalsNeverLostTest {

    private static final int SESSIONS = 20;
    private static final int FINALS = 10;

    @Test
    void everyFinalIsDeliveredOrReportedWhenHalfTheCallsFail() {
        Run run = new Run(0.5, 7);
        run.submitAll();
        run.runUntilIdle();

        long delivered = 0;
        long failed = 0;
        for (int i = 0; i < SESSIONS; i++) {
            List<Long> ended = run.endedFinals(i);
            assertEquals(expectedFinals(), ended, "session " + i + ": " + run.listeners.get(i).lines());
            for (Object e : run.listeners.get(i).events) {
                if (e instanceof Translation t && t.request().isFinal()) {
                    delivered++;
                } else if (e instanceof SegmentFailure f && f.request().isFinal()) {
                    assertEquals(FailureReason.RETRIES_EXHAUSTED, f.reason(), f.message());
                    failed++;
                }
            }
            assertFalse(run.listeners.get(i).overlapped);
        }
        System.out.printf("50%% faults: %d finals delivered, %d reported failed, %d provider calls, %d retries%n",
                delivered, failed, run.provider.stats().calls(), run.scheduler.status().retries());
        assertEquals(SESSIONS * FINALS, delivered + failed);
        assertTrue(delivered > failed * 10, "5 attempts at 50% leave about 3% failed");
        assertEquals(run.provider.stats().calls(), run.scheduler.status().providerCalls());
        assertEquals(0, run.limiterConcurrency.inFlight(), "every concurrency permit released");
        run.scheduler.close();
    }

    @Test
    void closingMidwayReportsTheRestAsShutdown() {
        Run run = new Run(0.5, 11);
        run.submitAll();
        for (int i = 0; i < 30; i++) {
            run.scheduler.pump();
            run.clock.advance(Duration.ofMillis(100));
        }
        run.scheduler.close();
        for (int i = 0; i < SESSIONS; i++) {
            assertEquals(expectedFinals(), run.endedFinals(i), "session " + i);
            List<String> lines = run.listeners.get(i).lines();
            assertEquals("closed", lines.get(lines.size() - 1));
        }
        assertTrue(run.scheduler.status().toMap().get("failed") instanceof Long);
    }

    private static List<Long> expectedFinals() {
        List<Long> out = new ArrayList<>();
        for (int k = 0; k < FINALS; k++) {
            out.add(2L * k + 1);
        }
        return out;
    }

    private static final class Run {
        final ManualClock clock = ManualClock.create();
        final FakeProvider provider;
        final BoundedConcurrencyLimiter limiterConcurrency;
        final FairScheduler scheduler;
        final List<Session> sessions = new ArrayList<>();
        final List<RecordingListener> listeners = new ArrayList<>();
        final Random random;

        Run(double faultRate, long seed) {
            random = new Random(seed);
            provider = FakeProvider.builder().clock(clock).sleeper(clock::sleep).seed(seed).rate5xx(faultRate)
                    .build();
            FairShareRateLimiter rate = FairShareRateLimiter.builder().clock(clock).build();
            limiterConcurrency = BoundedConcurrencyLimiter.builder().clock(clock)
                    .policy(AimdConcurrencyPolicy.create()).build();
            scheduler = FairScheduler.builder().provider(provider).rateLimiter(rate)
                    .concurrencyLimiter(limiterConcurrency).clock(clock).executor(Runnable::run).manualDispatch()
                    .build();
            for (int i = 0; i < SESSIONS; i++) {
                RecordingListener l = new RecordingListener();
                listeners.add(l);
                sessions.add(scheduler.open(SessionId.of("s" + i), SessionOptions.of("en", "fr"), l));
            }
        }

        /** Each session: a partial then a final, ten times, in a random interleaving with pumps. */
        void submitAll() {
            long[] next = new long[SESSIONS];
            int left = SESSIONS * FINALS * 2;
            while (left > 0) {
                int i = random.nextInt(SESSIONS);
                if (next[i] >= 2L * FINALS) {
                    continue;
                }
                long seq = next[i]++;
                SegmentKind kind = seq % 2 == 0 ? SegmentKind.PARTIAL : SegmentKind.FINAL;
                assertTrue(sessions.get(i).submit(kind, seq, "Hello my friend, this is sentence " + seq).accepted());
                left--;
                if (random.nextInt(5) == 0) {
                    scheduler.pump();
                }
            }
        }

        void runUntilIdle() {
            Harness.runUntilIdle(scheduler, clock);
        }

        List<Long> endedFinals(int i) {
            List<Long> out = new ArrayList<>();
            for (Object e : listeners.get(i).events) {
                if (e instanceof Translation t && t.request().isFinal()) {
                    out.add(t.request().sequence());
                } else if (e instanceof SegmentFailure f && f.request().isFinal()) {
                    out.add(f.request().sequence());
                }
            }
            return out;
        }
    }
}
