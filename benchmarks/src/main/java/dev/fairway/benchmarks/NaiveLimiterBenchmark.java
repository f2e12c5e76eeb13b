package dev.fairway.benchmarks;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

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
import org.openjdk.jmh.infra.ThreadParams;

/**
 * The original's limiter ({@link NaiveSlidingWindowLimiter}) on the admit path, one
 * {@code tryAcquire} per operation for the next of {@code sessions} sessions in turn. Its clock is a
 * counter that moves 14 ms per call, so its lists hold what they would at the original's 4,500
 * requests a minute (about 4,300 timestamps); the limits are so large that the static split is never
 * the reason for a refusal, and a refusal fails the run.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@State(Scope.Benchmark)
public class NaiveLimiterBenchmark {

    private static final long MILLIS_PER_CALL = 14;

    @Param({"1", "100", "10000"})
    int sessions;

    final AtomicLong clockMillis = new AtomicLong();
    NaiveSlidingWindowLimiter limiter;
    String[] ids;

    @Setup(Level.Trial)
    public void setUp() {
        limiter = new NaiveSlidingWindowLimiter(Integer.MAX_VALUE, Integer.MAX_VALUE,
                () -> clockMillis.addAndGet(MILLIS_PER_CALL));
        ids = new String[sessions];
        for (int i = 0; i < sessions; i++) {
            ids[i] = "session-" + i;
        }
        // Fill the window to its steady state before measuring.
        for (int i = 0; i < Math.max(10_000, 2 * sessions); i++) {
            limiter.tryAcquire(ids[i % sessions], 2);
        }
    }

    /** Each thread walks the sessions from its own offset. */
    @State(Scope.Thread)
    public static class Cursor {
        int next;
        long refused;

        @Setup(Level.Trial)
        public void setUp(NaiveLimiterBenchmark b, ThreadParams threads) {
            next = threads.getThreadIndex() * (b.sessions / Math.max(1, threads.getThreadCount()));
        }

        String session(String[] ids) {
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

    private boolean acquire(Cursor cursor) {
        boolean admitted = limiter.tryAcquire(cursor.session(ids), 2);
        if (!admitted) {
            cursor.refused++;
        }
        return admitted;
    }

    @Benchmark
    @Threads(1)
    public boolean acquire_1t(Cursor cursor) {
        return acquire(cursor);
    }

    @Benchmark
    @Threads(2)
    public boolean acquire_2t(Cursor cursor) {
        return acquire(cursor);
    }
}
