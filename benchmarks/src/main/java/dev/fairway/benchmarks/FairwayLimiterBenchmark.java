package dev.fairway.benchmarks;

import dev.fairway.api.NanoClock;
import dev.fairway.api.SessionId;
import dev.fairway.api.limit.Permits;
import dev.fairway.core.limiter.FairSharePolicy;
import dev.fairway.core.limiter.FairShareRateLimiter;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * Fairway's {@link FairShareRateLimiter} (MAX_MIN, system clock) on the admit path: one
 * {@code tryAcquire} per operation, each for the next of {@code sessions} sessions in turn. The
 * limits are {@link Integer#MAX_VALUE}, far beyond what a run admits, so the budget never runs dry
 * and no session contends; a refusal fails the run rather than being measured by mistake.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@State(Scope.Benchmark)
public class FairwayLimiterBenchmark {

    @Param({"1", "100", "10000"})
    int sessions;

    FairShareRateLimiter limiter;
    SessionId[] ids;

    @Setup(Level.Trial)
    public void setUp() {
        limiter = FairShareRateLimiter.builder().requestsPerMinute(Integer.MAX_VALUE)
                .tokensPerMinute(Integer.MAX_VALUE).policy(FairSharePolicy.MAX_MIN).clock(NanoClock.SYSTEM).build();
        ids = new SessionId[sessions];
        for (int i = 0; i < sessions; i++) {
            ids[i] = SessionId.of("session-" + i);
            limiter.openSession(ids[i], 1);
            // Registered and charged once: the measured calls are steady state.
            limiter.cancel(ids[i], limiter.tryAcquire(ids[i], 2), false);
        }
    }

    /** Each thread walks the sessions from its own offset. */
    @State(Scope.Thread)
    public static class Cursor {
        int next;
        long refused;

        @Setup(Level.Trial)
        public void setUp(FairwayLimiterBenchmark b, ThreadParams threads) {
            next = threads.getThreadIndex() * (b.sessions / Math.max(1, threads.getThreadCount()));
        }

        SessionId session(SessionId[] ids) {
            int i = next;
            next = i + 1 == ids.length ? 0 : i + 1;
            return ids[i];
        }

        @TearDown(Level.Trial)
        public void check() {
            if (refused != 0) {
                throw new IllegalStateException(refused + " refusals: the benchmark measured the refusal path");
            }
        }
    }

    private long acquire(Cursor cursor) {
        long permit = limiter.tryAcquire(cursor.session(ids), 2);
        if (permit < 0) {
            cursor.refused++;
        }
        return permit;
    }

    private void acquireReconcile(Cursor cursor, Blackhole bh) {
        SessionId session = cursor.session(ids);
        long permit = limiter.tryAcquire(session, 2);
        if (Permits.isGranted(permit)) {
            limiter.reconcile(session, permit, 1);
        } else {
            cursor.refused++;
        }
        bh.consume(permit);
    }

    @Benchmark
    @Threads(1)
    public long acquire_1t(Cursor cursor) {
        return acquire(cursor);
    }

    @Benchmark
    @Threads(2)
    public long acquire_2t(Cursor cursor) {
        return acquire(cursor);
    }

    @Benchmark
    @Threads(1)
    public void acquireReconcile_1t(Cursor cursor, Blackhole bh) {
        acquireReconcile(cursor, bh);
    }

    @Benchmark
    @Threads(2)
    public void acquireReconcile_2t(Cursor cursor, Blackhole bh) {
        acquireReconcile(cursor, bh);
    }
}
