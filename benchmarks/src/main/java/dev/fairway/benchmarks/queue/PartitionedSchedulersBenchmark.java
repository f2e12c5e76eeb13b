package dev.fairway.benchmarks.queue;

import dev.fairway.api.Session;
import dev.fairway.api.SessionId;
import dev.fairway.api.SessionListener;
import dev.fairway.api.SessionOptions;
import dev.fairway.core.limiter.BoundedConcurrencyLimiter;
import dev.fairway.core.limiter.FairShareRateLimiter;
import dev.fairway.core.queue.FairScheduler;
import dev.fairway.provider.fake.FakeProvider;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A what-if, not a mode Fairway offers: {@link QueueDispatchBenchmark}'s batch on {@code shards}
 * independent {@link FairScheduler}s that split the {@value QueueDispatchBenchmark#CONCURRENCY} call
 * slots and the sessions between them (session {@code i} on scheduler {@code i % shards}), sharing one
 * rate limiter and one concurrency limiter. {@code shards = 1} is {@code fairSchedulerBatch}.
 *
 * <p>It measures what the scheduler's one lock costs, which is what giving up the single deficit round
 * robin order over all sessions would buy: with partitions, a session competes only with its own
 * partition's sessions and only for its partition's slots, so slots sit idle while another partition
 * has work (not work-conserving) and sessions in a crowded partition get less than those in a quiet one.
 * Read its rows beside {@code QueueDispatchBenchmark.fifoExecutorBatch} of the same run.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@State(Scope.Benchmark)
public class PartitionedSchedulersBenchmark {

    @Param({"1", "2", "4"})
    int shards;

    @Param({"100"})
    int sessions;

    FakeProvider provider;
    String[] texts;
    FairScheduler[] schedulers;
    Session[] open;
    long[] sequence;
    long next;
    volatile CountDownLatch done;

    @Setup(Level.Trial)
    public void setUp() {
        if (QueueDispatchBenchmark.CONCURRENCY % shards != 0) {
            throw new IllegalArgumentException("shards must divide " + QueueDispatchBenchmark.CONCURRENCY + ", was " + shards);
        }
        provider = FakeProvider.builder().zeroLatency().unlimited().build();
        texts = QueueDispatchBenchmark.texts();
        FairShareRateLimiter rate = QueueDispatchBenchmark.unlimitedRate();
        BoundedConcurrencyLimiter concurrency = QueueDispatchBenchmark.concurrency();
        schedulers = new FairScheduler[shards];
        for (int k = 0; k < shards; k++) {
            schedulers[k] = QueueDispatchBenchmark.scheduler(provider, rate, concurrency,
                    QueueDispatchBenchmark.CONCURRENCY / shards, null);
        }
        SessionListener listener = QueueDispatchBenchmark.countingListener(() -> done);
        open = new Session[sessions];
        sequence = new long[sessions];
        for (int i = 0; i < sessions; i++) {
            open[i] = schedulers[i % shards].open(SessionId.of("session-" + i), SessionOptions.of("en", "fr"), listener);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        for (FairScheduler scheduler : schedulers) {
            scheduler.close();
        }
        QueueDispatchBenchmark.requireAllSucceeded(provider);
    }

    @Benchmark
    @OperationsPerInvocation(QueueDispatchBenchmark.BATCH)
    public void batch() throws InterruptedException {
        CountDownLatch latch = new CountDownLatch(QueueDispatchBenchmark.BATCH);
        done = latch;
        next = QueueDispatchBenchmark.submitFinals(open, sequence, texts, next, QueueDispatchBenchmark.BATCH);
        latch.await();
    }
}
