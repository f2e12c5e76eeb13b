package dev.fairway.core.queue;

import dev.fairway.api.SessionId;
import dev.fairway.api.SessionOptions;
import dev.fairway.api.spi.TranslationProvider;
import dev.fairway.test.support.ManualClock;

import java.util.concurrent.Executor;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * A scheduler driven by hand: no dispatcher thread, a manual clock, and either a direct executor
 * (calls run inside {@link FairScheduler#pump()}) or a {@link ManualExecutor}.
 */
final class Harness implements AutoCloseable {

    final ManualClock clock = ManualClock.create();
    final RecordingRateLimiter limiter = new RecordingRateLimiter();
    final FairScheduler scheduler;

    Harness(TranslationProvider provider, Executor executor, java.util.function.Consumer<FairScheduler.Builder> tweak) {
        FairScheduler.Builder b = FairScheduler.builder()
                .provider(provider)
                .rateLimiter(limiter)
                .clock(clock)
                .executor(executor)
                .manualDispatch();
        tweak.accept(b);
        scheduler = b.build();
    }

    static Harness direct(TranslationProvider provider) {
        return new Harness(provider, Runnable::run, b -> { });
    }

    Client open(String id) {
        return open(id, 1);
    }

    Client open(String id, int weight) {
        RecordingListener listener = new RecordingListener();
        return new Client(scheduler.open(SessionId.of(id), new SessionOptions("en", "fr", weight, ""), listener),
                listener);
    }

    static Harness manual(TranslationProvider provider, ManualExecutor executor,
            java.util.function.Consumer<FairScheduler.Builder> tweak) {
        return new Harness(provider, executor, tweak);
    }

    /** Pumps, advancing the clock to each wake-up, until nothing is left to do. */
    void runUntilIdle() {
        runUntilIdle(scheduler, clock);
    }

    /** {@link #runUntilIdle()} for a manually dispatched scheduler built elsewhere on {@code clock}. */
    static void runUntilIdle(FairScheduler scheduler, ManualClock clock) {
        for (int guard = 0; guard < 1_000_000; guard++) {
            if (scheduler.pump() > 0) {
                continue;
            }
            long at = scheduler.nextWakeAt();
            if (at == SessionRing.NEVER) {
                return;
            }
            clock.advanceNanos(Math.max(1, at - clock.nanoTime()));
        }
        fail("the scheduler did not become idle");
    }

    @Override
    public void close() {
        scheduler.close();
    }

    /** A session and its listener. */
    record Client(dev.fairway.api.Session session, RecordingListener listener) {
        dev.fairway.api.SubmitOutcome partial(long seq, String text) {
            return session.submit(dev.fairway.api.SegmentKind.PARTIAL, seq, text);
        }

        dev.fairway.api.SubmitOutcome fin(long seq, String text) {
            return session.submit(dev.fairway.api.SegmentKind.FINAL, seq, text);
        }
    }
}
