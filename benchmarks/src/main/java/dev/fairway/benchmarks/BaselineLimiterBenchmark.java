package dev.fairway.benchmarks;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.internal.AtomicRateLimiter;

import java.time.Duration;
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
 * Single-bucket limiters of peer libraries, each asked for one permit per operation with their
 * default clocks, limits so large that they always grant: Bucket4j's local (lock-free) bucket
 * {@code tryConsume(1)}, Resilience4j's {@code AtomicRateLimiter.acquirePermission()} (zero timeout)
 * and Guava's {@code RateLimiter.tryAcquire()}. None of them knows sessions.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@State(Scope.Benchmark)
public class BaselineLimiterBenchmark {

    Bucket bucket;
    AtomicRateLimiter resilience;
    com.google.common.util.concurrent.RateLimiter guava;

    @Setup(Level.Trial)
    public void setUp() {
        bucket = Bucket.builder()
                .addLimit(Bandwidth.builder().capacity(1_000_000_000L)
                        .refillGreedy(1_000_000_000L, Duration.ofSeconds(1)).build())
                .build();
        resilience = new AtomicRateLimiter("baseline", RateLimiterConfig.custom()
                .limitForPeriod(Integer.MAX_VALUE).limitRefreshPeriod(Duration.ofSeconds(1))
                .timeoutDuration(Duration.ZERO).build());
        guava = com.google.common.util.concurrent.RateLimiter.create(1e9);
    }

    @Benchmark
    @Threads(1)
    public boolean bucket4jTryConsume_1t() {
        return bucket.tryConsume(1);
    }

    @Benchmark
    @Threads(2)
    public boolean bucket4jTryConsume_2t() {
        return bucket.tryConsume(1);
    }

    @Benchmark
    @Threads(1)
    public boolean resilience4jAcquirePermission_1t() {
        return resilience.acquirePermission();
    }

    @Benchmark
    @Threads(2)
    public boolean resilience4jAcquirePermission_2t() {
        return resilience.acquirePermission();
    }

    @Benchmark
    @Threads(1)
    public boolean guavaTryAcquire_1t() {
        return guava.tryAcquire();
    }

    @Benchmark
    @Threads(2)
    public boolean guavaTryAcquire_2t() {
        return guava.tryAcquire();
    }
}
