package dev.fairway.benchmarks;

import dev.fairway.api.limit.ConcurrencyLimiter;
import dev.fairway.api.limit.ConcurrencyLimiter.Outcome;
import dev.fairway.core.limiter.AimdConcurrencyPolicy;
import dev.fairway.core.limiter.BoundedConcurrencyLimiter;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Fairway's {@link BoundedConcurrencyLimiter} with the adaptive policy: one {@code tryAcquire} and
 * one {@code release(SUCCESS)} per operation (the limit, 64, is never reached by two threads).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@State(Scope.Benchmark)
public class ConcurrencyLimiterBenchmark {

    ConcurrencyLimiter limiter;

    @Setup(Level.Trial)
    public void setUp() {
        limiter = BoundedConcurrencyLimiter.builder()
                .policy(AimdConcurrencyPolicy.builder().initial(64).ceiling(64).build()).build();
    }

    private boolean acquireRelease() {
        long permit = limiter.tryAcquire();
        return limiter.release(permit, Outcome.SUCCESS);
    }

    @Benchmark
    @Threads(1)
    public boolean acquireRelease_1t() {
        return acquireRelease();
    }

    @Benchmark
    @Threads(2)
    public boolean acquireRelease_2t() {
        return acquireRelease();
    }
}
