package dev.fairway.benchmarks.queue;

import dev.fairway.api.NanoClock;
import dev.fairway.api.SegmentFailure;
import dev.fairway.api.SegmentKind;
import dev.fairway.api.Session;
import dev.fairway.api.SessionId;
import dev.fairway.api.SessionListener;
import dev.fairway.api.SessionOptions;
import dev.fairway.api.Translation;
import dev.fairway.api.TranslationRequest;
import dev.fairway.core.limiter.BoundedConcurrencyLimiter;
import dev.fairway.core.limiter.FairSharePolicy;
import dev.fairway.core.limiter.FairShareRateLimiter;
import dev.fairway.core.limiter.StaticConcurrencyPolicy;
import dev.fairway.core.queue.BatchMode;
import dev.fairway.core.queue.FairScheduler;
import dev.fairway.provider.fake.FakeProvider;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

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
 * Fairway's {@link FairScheduler} against what a naive design would use, a {@link ThreadPoolExecutor}
 * over a FIFO {@link LinkedBlockingQueue}, in the same run, with a zero-latency, unlimited
 * {@link FakeProvider} so that what is measured is the scheduling, not the provider.
 *
 * <ul>
 *   <li>{@code *Batch}: {@value #BATCH} finals spread round-robin over {@code sessions} sessions are
 *       submitted at once and the operation ends when all are delivered; time per final (ns/op), so
 *       {@code 1e9 / score} is the dispatch throughput in finals per second.</li>
 *   <li>{@code *Single}: one final submitted to an idle system and waited for: the submit-to-delivery
 *       overhead of one request (dispatcher hand-off, worker start, delivery).</li>
 *   <li>{@code fairSchedulerPlatformBatch}: the batch on a scheduler whose executor is 4 platform
 *       threads, like the baseline's, to tell the scheduler's own cost from virtual-thread scheduling.</li>
 * </ul>
 *
 * <p>Both sides run at most 4 calls at once (the original's {@code maxConcurrent}): the executor has 4
 * platform threads; the scheduler has {@code maxConcurrent = 4}, a static concurrency limiter of 4, the
 * real {@link FairShareRateLimiter} (MAX_MIN, limits of {@link Integer#MAX_VALUE}, so it always admits)
 * and one virtual thread per call. Each request has its own text (no deduplication) and both sides build
 * the same {@link TranslationRequest} with the provider's token estimate. The scheduler keeps its
 * defaults except the per-session backlog bound, raised so one session can take a whole batch; so a
 * session's finals are still translated one at a time, which is what the 1-session rows show.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@State(Scope.Benchmark)
public class QueueDispatchBenchmark {

    static final int BATCH = 1000;
    static final int CONCURRENCY = 4;
    private static final int TEXTS = 4096;

    @Param({"1", "100", "10000"})
    int sessions;

    /**
     * {@code fairway.queue.batching}: nothing binds here, so {@code when-limited} must cost what {@code off} does
     * ({@code -p batching=off,when-limited} compares them).
     */
    @Param({"off"})
    String batching;

    FakeProvider provider;
    String[] texts;
    long next;

    FairScheduler scheduler;
    Session[] open;
    FairScheduler platformScheduler;
    Session[] platformOpen;
    long[] platformSequence;
    java.util.concurrent.ExecutorService platformWorkers;
    long[] sequence;
    volatile CountDownLatch fairDone;

    ThreadPoolExecutor pool;
    SessionId[] ids;

    @Setup(Level.Trial)
    public void setUp() {
        provider = FakeProvider.builder().zeroLatency().unlimited().build();
        texts = texts();
        scheduler = scheduler(null);
        platformWorkers = java.util.concurrent.Executors.newFixedThreadPool(CONCURRENCY);
        platformScheduler = scheduler(platformWorkers);
        SessionListener listener = countingListener(() -> fairDone);
        SessionOptions options = SessionOptions.of("en", "fr");
        open = new Session[sessions];
        sequence = new long[sessions];
        platformOpen = new Session[sessions];
        platformSequence = new long[sessions];
        ids = new SessionId[sessions];
        for (int i = 0; i < sessions; i++) {
            ids[i] = SessionId.of("session-" + i);
            open[i] = scheduler.open(ids[i], options, listener);
            platformOpen[i] = platformScheduler.open(ids[i], options, listener);
        }
        pool = new ThreadPoolExecutor(CONCURRENCY, CONCURRENCY, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>());
        pool.prestartAllCoreThreads();
    }

    private FairScheduler scheduler(java.util.concurrent.Executor workers) {
        return scheduler(provider, unlimitedRate(), concurrency(), CONCURRENCY, workers, BatchMode.ofConfigName(batching));
    }

    /** The real rate limiter with limits so high that it always admits. */
    static FairShareRateLimiter unlimitedRate() {
        return FairShareRateLimiter.builder().requestsPerMinute(Integer.MAX_VALUE)
                .tokensPerMinute(Integer.MAX_VALUE).policy(FairSharePolicy.MAX_MIN).clock(NanoClock.SYSTEM).build();
    }

    /** The real concurrency limiter, static at {@value #CONCURRENCY}. */
    static BoundedConcurrencyLimiter concurrency() {
        return BoundedConcurrencyLimiter.builder()
                .policy(StaticConcurrencyPolicy.builder().normal(CONCURRENCY).build()).build();
    }

    /** A scheduler with its defaults except a backlog bound that takes a whole batch; workers null: a virtual thread per call. */
    static FairScheduler scheduler(FakeProvider provider, FairShareRateLimiter rate, BoundedConcurrencyLimiter concurrency,
            int maxConcurrent, java.util.concurrent.Executor workers) {
        return scheduler(provider, rate, concurrency, maxConcurrent, workers, BatchMode.OFF);
    }

    static FairScheduler scheduler(FakeProvider provider, FairShareRateLimiter rate, BoundedConcurrencyLimiter concurrency,
            int maxConcurrent, java.util.concurrent.Executor workers, BatchMode batching) {
        FairScheduler.Builder b = FairScheduler.builder().provider(provider).rateLimiter(rate)
                .concurrencyLimiter(concurrency).maxConcurrent(maxConcurrent).maxQueuedFinalsPerSession(100_000)
                .batching(batching, FairScheduler.DEFAULT_BATCH_MAX_SEGMENTS, FairScheduler.DEFAULT_BATCH_MAX_TOKENS)
                .threadFactory(Thread.ofVirtual().name("fairway-", 0).factory());
        if (workers != null) {
            b.executor(workers);
        }
        return b.build();
    }

    /** The texts the batches cycle through, each its own (no deduplication). */
    static String[] texts() {
        String[] texts = new String[TEXTS];
        for (int i = 0; i < TEXTS; i++) {
            texts[i] = "Hello my friend, this is sentence number " + i;
        }
        return texts;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        scheduler.close();
        platformScheduler.close();
        platformWorkers.shutdownNow();
        pool.shutdownNow();
        requireAllSucceeded(provider);
    }

    // ---------------------------------------------------------------- Fairway

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void fairSchedulerBatch() throws InterruptedException {
        fair(BATCH);
    }

    @Benchmark
    public void fairSchedulerSingle() throws InterruptedException {
        fair(1);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void fairSchedulerPlatformBatch() throws InterruptedException {
        fair(BATCH, platformOpen, platformSequence);
    }

    private void fair(int n) throws InterruptedException {
        fair(n, open, sequence);
    }

    private void fair(int n, Session[] to, long[] seq) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(n);
        fairDone = done;
        next = submitFinals(to, seq, texts, next, n);
        done.await();
    }

    /**
     * Submits {@code n} finals round-robin over the sessions, each with the next of the texts.
     *
     * @return the counter to pass next time
     */
    static long submitFinals(Session[] to, long[] seq, String[] texts, long next, int n) {
        for (int i = 0; i < n; i++) {
            int s = (int) (next++ % to.length);
            if (!to[s].submit(SegmentKind.FINAL, seq[s]++, texts[(int) (next % texts.length)]).accepted()) {
                throw new IllegalStateException("refused");
            }
        }
        return next;
    }

    /** A listener that counts translations down on the latch of the batch in progress and fails on a failure. */
    static SessionListener countingListener(java.util.function.Supplier<CountDownLatch> batch) {
        return new SessionListener() {
            @Override
            public void onTranslation(Translation translation) {
                batch.get().countDown();
            }

            @Override
            public void onFailure(SegmentFailure failure) {
                throw new IllegalStateException("a final failed in the benchmark: " + failure);
            }
        };
    }

    /** Fails the trial when a provider call failed (the zero-latency fake never should). */
    static void requireAllSucceeded(FakeProvider provider) {
        if (provider.stats().calls() != provider.stats().succeeded()) {
            throw new IllegalStateException("provider calls failed: " + provider.stats());
        }
    }

    // ---------------------------------------------------------------- baseline

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void fifoExecutorBatch() throws InterruptedException {
        fifo(BATCH);
    }

    @Benchmark
    public void fifoExecutorSingle() throws InterruptedException {
        fifo(1);
    }

    private final AtomicLong fifoSequence = new AtomicLong();

    private void fifo(int n) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(n);
        for (int i = 0; i < n; i++) {
            int s = (int) (next++ % sessions);
            String text = texts[(int) (next % TEXTS)];
            TranslationRequest request = new TranslationRequest(ids[s], SegmentKind.FINAL,
                    fifoSequence.incrementAndGet(), text, "en", "fr", provider.estimateTokens(SegmentKind.FINAL, text));
            pool.execute(() -> {
                try {
                    provider.translate(request);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                done.countDown();
            });
        }
        done.await();
    }
}
