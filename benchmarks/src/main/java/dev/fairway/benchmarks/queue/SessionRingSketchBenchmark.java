package dev.fairway.benchmarks.queue;

import dev.fairway.api.LatencyBreakdown;
import dev.fairway.api.NanoClock;
import dev.fairway.api.SegmentKind;
import dev.fairway.api.SessionId;
import dev.fairway.api.Translation;
import dev.fairway.api.TranslationRequest;
import dev.fairway.api.TranslationResult;
import dev.fairway.api.limit.ConcurrencyLimiter;
import dev.fairway.core.limiter.BoundedConcurrencyLimiter;
import dev.fairway.core.limiter.FairShareRateLimiter;
import dev.fairway.provider.fake.FakeProvider;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

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
 * A design sketch, not Fairway's scheduler: what {@link QueueDispatchBenchmark}'s batch costs when the
 * ring of sessions with work is a lock-free queue ({@link ConcurrentLinkedQueue}) and everything else
 * is per session, under the session's own lock. There is no scheduler-wide lock. It keeps one
 * round-robin order over all sessions (a session with work is in the ring once; a worker takes the
 * head, dispatches its next final, and the session goes back to the tail when that final is done and
 * it has more), a token deficit per session, the real rate and concurrency limiters (asked and told
 * once per call, like Fairway), and a virtual thread per call slot that takes the next session itself.
 *
 * <p>With {@code features = true} it also does, lock-free, what Fairway does per final beyond that:
 * a deduplication table of calls in flight ({@link ConcurrentHashMap}), a queue-wait histogram
 * (atomic buckets), status counters ({@link LongAdder}s) and delivery through a per-session outbox
 * claimed by one deliverer at a time. It has none of Fairway's partials, retries, limiter-refusal
 * timers, closing or tracing, so its figures are a lower bound for a scheduler built this way; read
 * them beside {@code QueueDispatchBenchmark.fifoExecutorBatch} and {@code fairSchedulerBatch} of the
 * same run. Finals only; the rate limiter always admits (a refusal fails the run).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@State(Scope.Benchmark)
public class SessionRingSketchBenchmark {

    @Param({"false", "true"})
    boolean features;

    @Param({"100"})
    int sessions;

    private static final int QUANTUM = 1000;
    private static final int HISTOGRAM_BUCKETS = 600;

    private final NanoClock clock = NanoClock.SYSTEM;
    private final ConcurrentLinkedQueue<SketchSession> ring = new ConcurrentLinkedQueue<>();
    private final ConcurrentHashMap<Key, SketchItem> inFlight = new ConcurrentHashMap<>();
    private final AtomicLongArray queueWait = new AtomicLongArray(HISTOGRAM_BUCKETS);
    private final LongAdder delivered = new LongAdder();
    private final LongAdder providerCalls = new LongAdder();
    private final LongAdder estimatedTokens = new LongAdder();

    FakeProvider provider;
    FairShareRateLimiter rate;
    BoundedConcurrencyLimiter concurrency;
    String[] texts;
    SketchSession[] open;
    long next;
    volatile CountDownLatch done;

    /** The deduplication key: what Fairway's {@code DedupKey} compares. */
    private record Key(String provider, String model, String source, String target, String text) {
    }

    private static final class SketchItem {
        final TranslationRequest request;
        final long acceptedAt;
        final int cost;
        final Key key;
        long dispatchedAt;

        SketchItem(TranslationRequest request, long acceptedAt, Key key) {
            this.request = request;
            this.acceptedAt = acceptedAt;
            this.cost = request.estimatedTokens();
            this.key = key;
        }
    }

    private static final class SketchSession {
        final SessionId id;
        final ReentrantLock lock = new ReentrantLock();
        final ArrayDeque<SketchItem> finals = new ArrayDeque<>(4);
        final ArrayList<Translation> outbox = new ArrayList<>(2);
        boolean inRing;
        boolean inFlight;
        boolean delivering;
        long deficit;
        long sequence;

        SketchSession(SessionId id) {
            this.id = id;
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        provider = FakeProvider.builder().zeroLatency().unlimited().build();
        texts = QueueDispatchBenchmark.texts();
        rate = QueueDispatchBenchmark.unlimitedRate();
        concurrency = QueueDispatchBenchmark.concurrency();
        open = new SketchSession[sessions];
        for (int i = 0; i < sessions; i++) {
            open[i] = new SketchSession(SessionId.of("session-" + i));
            rate.openSession(open[i].id, 1);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        QueueDispatchBenchmark.requireAllSucceeded(provider);
    }

    @Benchmark
    @OperationsPerInvocation(QueueDispatchBenchmark.BATCH)
    public void batch() throws InterruptedException {
        CountDownLatch latch = new CountDownLatch(QueueDispatchBenchmark.BATCH);
        done = latch;
        for (int i = 0; i < QueueDispatchBenchmark.BATCH; i++) {
            int s = (int) (next++ % sessions);
            submit(open[s], texts[(int) (next % texts.length)]);
        }
        latch.await();
    }

    private void submit(SketchSession s, String text) {
        long now = clock.nanoTime();
        TranslationRequest request = new TranslationRequest(s.id, SegmentKind.FINAL, ++s.sequence, text, "en", "fr",
                provider.estimateTokens(SegmentKind.FINAL, text));
        Key key = null;
        if (features) {
            key = new Key(provider.name(), provider.model(), "en", "fr", text);
            key.hashCode();
        }
        SketchItem item = new SketchItem(request, now, key);
        boolean enqueue;
        s.lock.lock();
        try {
            s.finals.addLast(item);
            enqueue = !s.inRing && !s.inFlight;
            s.inRing |= enqueue;
        } finally {
            s.lock.unlock();
        }
        if (enqueue) {
            ring.offer(s);
            long permit = concurrency.tryAcquire();
            if (permit != ConcurrencyLimiter.NO_PERMIT) {
                Thread.ofVirtual().start(() -> work(permit));
            }
        }
    }

    /** A call slot's worker: takes the ring's head, runs its next final, until the ring is empty. */
    private void work(long firstPermit) {
        long permit = firstPermit;
        while (permit != ConcurrencyLimiter.NO_PERMIT) {
            SketchSession s = ring.poll();
            if (s == null) {
                concurrency.release(permit, ConcurrencyLimiter.Outcome.IGNORED);
                // A submit may have queued a session after the poll and found every slot taken.
                permit = ring.isEmpty() ? ConcurrencyLimiter.NO_PERMIT : concurrency.tryAcquire();
                continue;
            }
            runNext(s, permit);
            permit = concurrency.tryAcquire();
        }
    }

    private void runNext(SketchSession s, long permit) {
        long now = clock.nanoTime();
        SketchItem item;
        s.lock.lock();
        try {
            s.inRing = false;
            item = s.finals.peekFirst();
            if (s.deficit < item.cost) {
                s.deficit += QUANTUM;
            }
            s.deficit -= item.cost;
            s.inFlight = true;
            item.dispatchedAt = now;
        } finally {
            s.lock.unlock();
        }
        long ratePermit = rate.tryAcquire(s.id, item.cost);
        if (ratePermit < 0) {
            throw new IllegalStateException("the rate limiter refused in the sketch");
        }
        if (features) {
            queueWait.incrementAndGet(bucket(now - item.acceptedAt));
            providerCalls.increment();
            estimatedTokens.add(item.cost);
            inFlight.put(item.key, item);
        }
        TranslationResult result;
        try {
            result = provider.translate(item.request);
        } catch (Exception e) {
            throw new IllegalStateException("the fake provider failed in the sketch", e);
        }
        rate.reconcile(s.id, ratePermit, result.usage());
        concurrency.release(permit, ConcurrencyLimiter.Outcome.SUCCESS);
        if (features) {
            inFlight.remove(item.key, item);
        }
        long end = clock.nanoTime();
        Translation translation = new Translation(item.request, result, new LatencyBreakdown(
                Duration.ofNanos(item.dispatchedAt - item.acceptedAt), Duration.ZERO,
                Duration.ofNanos(end - item.dispatchedAt), Duration.ofNanos(end - item.acceptedAt)));
        boolean enqueue;
        Translation[] events = null;
        s.lock.lock();
        try {
            s.finals.pollFirst();
            s.inFlight = false;
            enqueue = !s.finals.isEmpty();
            s.inRing |= enqueue;
            if (features) {
                s.outbox.add(translation);
                if (!s.delivering) {
                    s.delivering = true;
                    events = claim(s);
                }
            }
        } finally {
            s.lock.unlock();
        }
        if (enqueue) {
            ring.offer(s);
        }
        if (!features) {
            done.countDown();
            return;
        }
        while (events != null) {
            for (int i = 0; i < events.length; i++) {
                done.countDown();
            }
            delivered.add(events.length);
            s.lock.lock();
            try {
                events = s.outbox.isEmpty() ? null : claim(s);
                s.delivering = events != null;
            } finally {
                s.lock.unlock();
            }
        }
    }

    private static Translation[] claim(SketchSession s) {
        Translation[] events = s.outbox.toArray(new Translation[0]);
        s.outbox.clear();
        return events;
    }

    /** A log-linear bucket, 16 per power of two, like core-queue's histogram. */
    private static int bucket(long nanos) {
        if (nanos < 16) {
            return (int) Math.max(0, nanos);
        }
        int exponent = 63 - Long.numberOfLeadingZeros(nanos);
        int sub = (int) ((nanos >>> (exponent - 4)) & 15);
        return Math.min(HISTOGRAM_BUCKETS - 1, (exponent - 3) * 16 + sub);
    }
}
