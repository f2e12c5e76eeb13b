package dev.fairway.app.overload;

import dev.fairway.api.spi.Admission;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A node's saturation, from three signals, and the admission answer it gives. The signals are fed from
 * outside ({@link OverloadProbe} samples the lag and the heap, {@link QueueWaitTap} records queue waits) and
 * {@link #evaluate()} turns them into a state, so the rules here are tested without threads or clocks.
 *
 * <p>A signal turns saturated above its threshold and clears only below 80% of it (the heap: 5 points below),
 * so a node near a threshold does not flap between admitting and refusing. While any signal is saturated,
 * {@link #admit()} refuses new sessions with a message naming the signal, its value and its threshold.
 * When the last signal clears, the node does not open its door at once to every client waiting to retry
 * (they would saturate it again before any signal could tell): it admits one session in the first probe
 * interval and twice as many in each next one, like TCP's slow start, until the door is open again
 * (after {@link #RECOVERY_TICKS} intervals, about 1.6 s). Sessions refused meanwhile get reason
 * {@code saturated} too, with a message saying the node is recovering.
 *
 * <p>Thread-safe: recording is wait-free ({@link Recorder}), the rest runs on the probe's thread under a lock
 * held for a few steps, and {@link #check()} and {@link #admit()} read a volatile field and, while recovering,
 * an atomic count.
 */
public final class OverloadMonitor implements Admission {

    /** Reason of every refusal: the token counted in {@code /status} and metrics. */
    public static final String REASON = "saturated";

    /** Lag samples in the median (one second at the probe's 100 ms). */
    static final int LAG_SAMPLES = 10;
    /** One-second intervals of queue waits in the percentile. */
    static final int QUEUE_WAIT_INTERVALS = 3;
    /** Fewer translations than this in the window say nothing about the queue. */
    public static final long QUEUE_WAIT_MIN_SAMPLES = 20;
    /** Collections whose lowest heap after GC is the heap signal. */
    static final int HEAP_SAMPLES = 5;

    /** Probe intervals of slow start after saturation: 2^16 sessions may pass in the last one. */
    static final int RECOVERY_TICKS = 16;

    private static final long MAX_MICROS = Duration.ofMinutes(10).toNanos() / 1000;
    private static final long OPEN = Long.MAX_VALUE;

    private final OverloadSettings settings;
    private final Recorder queueWaits = new Recorder(MAX_MICROS, 2);
    private final ReentrantLock lock = new ReentrantLock();
    private final long[] lagSamples = new long[LAG_SAMPLES];
    private int lagNext;
    private int lagCount;
    private final Histogram[] queueWindows = new Histogram[QUEUE_WAIT_INTERVALS];
    private int queueNext;
    private Histogram recycled;
    private long queueSamples;
    private long queueP95Micros;
    private final double[] heapSamples = new double[HEAP_SAMPLES];
    private int heapNext;
    private int heapCount;
    private boolean lagOver;
    private boolean queueOver;
    private boolean heapOver;
    private volatile Signals signals = new Signals(0, 0, 0, 0, false, false, false);
    private volatile Optional<Refusal> refusal = Optional.empty();
    /** Sessions that may still pass in this probe interval ({@link #OPEN}: no limit). */
    private final AtomicLong admissions = new AtomicLong(OPEN);
    /** Probe intervals since the last saturated one, while recovering; -1 when open. */
    private int recoveryTick = -1;
    /** The refusal while the door opens gradually; read without the lock, so built once, up front. */
    private final Refusal recovering;

    /**
     * @param settings the thresholds
     */
    public OverloadMonitor(OverloadSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.recovering = new Refusal(REASON, "this node is recovering from saturation and admits new sessions"
                + " gradually: try again later or another node", settings.retryAfter());
    }

    /** The thresholds. */
    public OverloadSettings settings() {
        return settings;
    }

    @Override
    public Optional<Refusal> check() {
        Optional<Refusal> saturated = refusal;
        if (saturated.isPresent()) {
            return saturated;
        }
        return admissions.get() > 0 ? Optional.empty() : Optional.of(recovering);
    }

    @Override
    public Optional<Refusal> admit() {
        Optional<Refusal> saturated = refusal;
        if (saturated.isPresent()) {
            return saturated;
        }
        long left = admissions.get();
        while (left != OPEN) {
            if (left <= 0) {
                return Optional.of(recovering);
            }
            if (admissions.compareAndSet(left, left - 1)) {
                return Optional.empty();
            }
            left = admissions.get();
        }
        return Optional.empty();
    }

    /**
     * Records how late the node's threads ran at one probe.
     *
     * @param lagNanos the lag, nanoseconds
     */
    public void schedulingLag(long lagNanos) {
        lock.lock();
        try {
            lagSamples[lagNext] = Math.max(0, lagNanos);
            lagNext = (lagNext + 1) % LAG_SAMPLES;
            lagCount = Math.min(LAG_SAMPLES, lagCount + 1);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Records how long a delivered translation waited in the queue for its turn. Wait-free: called on the
     * delivering thread of every translation.
     *
     * @param waitNanos the queue wait, nanoseconds
     */
    public void queueWait(long waitNanos) {
        queueWaits.recordValue(Math.min(MAX_MICROS, Math.max(0, waitNanos / 1000)));
    }

    /**
     * Records the heap in use after a garbage collection.
     *
     * @param used bytes in use after the collection
     * @param max the most the heap may grow to
     */
    public void heapAfterGc(long used, long max) {
        if (max <= 0) {
            return;
        }
        lock.lock();
        try {
            heapSamples[heapNext] = 100.0 * used / max;
            heapNext = (heapNext + 1) % HEAP_SAMPLES;
            heapCount = Math.min(HEAP_SAMPLES, heapCount + 1);
        } finally {
            lock.unlock();
        }
    }

    /** Closes the current one-second interval of queue waits (the probe calls it every second). */
    public void rollQueueWaits() {
        lock.lock();
        try {
            Histogram interval = queueWaits.getIntervalHistogram(recycled);
            recycled = queueWindows[queueNext];
            queueWindows[queueNext] = interval;
            queueNext = (queueNext + 1) % QUEUE_WAIT_INTERVALS;
            summarizeQueueWaits();
        } finally {
            lock.unlock();
        }
    }

    /** Turns the signals into the admission state. */
    public void evaluate() {
        lock.lock();
        try {
            long lagMicros = medianLagMicros();
            double heap = lowestHeapPercent();
            lagOver = over(lagOver, lagMicros, micros(settings.schedulingLag()));
            queueOver = over(queueOver, queueP95Micros, micros(settings.queueWait()));
            if (settings.heapPercent() == 0) {
                heapOver = false;
            } else if (heapOver) {
                heapOver = heap >= settings.heapPercent() - 5;
            } else {
                heapOver = heap > settings.heapPercent();
            }
            Signals now = new Signals(lagMicros, queueP95Micros, heap, queueSamples, lagOver, queueOver, heapOver);
            signals = now;
            if (now.saturated()) {
                refusal = Optional.of(refusalFor(now));
                recoveryTick = 0;
                admissions.set(0);
            } else {
                refusal = Optional.empty();
                recover();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Slow start after saturation: 1, 2, 4 ... sessions per probe interval, then open. Lock held. */
    private void recover() {
        if (recoveryTick < 0) {
            return;
        }
        if (recoveryTick >= RECOVERY_TICKS) {
            recoveryTick = -1;
            admissions.set(OPEN);
            return;
        }
        admissions.set(1L << recoveryTick);
        recoveryTick++;
    }

    /** Whether the node is admitting gradually after saturation. */
    public boolean recovering() {
        lock.lock();
        try {
            return recoveryTick >= 0 && refusal.isEmpty();
        } finally {
            lock.unlock();
        }
    }

    /** The signals at the last {@link #evaluate()}. */
    public Signals signals() {
        return signals;
    }

    /**
     * The {@code overload} section of {@code /status}.
     *
     * @return nested maps, strings, numbers and booleans
     */
    public Map<String, Object> status() {
        Signals s = signals;
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("saturated", s.saturated());
        doc.put("recovering", recovering());
        refusal.ifPresent(r -> doc.put("refusing", r.message()));
        doc.put("schedulingLag", signal(s.lagMicros() / 1000.0, settings.schedulingLag().toMillis(), s.lagOver()));
        Map<String, Object> queue = signal(s.queueWaitP95Micros() / 1000.0, settings.queueWait().toMillis(),
                s.queueOver());
        queue.put("samples", s.queueSamples());
        doc.put("queueWaitP95", queue);
        doc.put("heapAfterGcPercent", signal(Math.round(s.heapPercent() * 10) / 10.0, settings.heapPercent(),
                s.heapOver()));
        return doc;
    }

    private static Map<String, Object> signal(double value, long threshold, boolean over) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("value", value);
        m.put("threshold", threshold);
        m.put("saturated", over);
        return m;
    }

    private Refusal refusalFor(Signals s) {
        StringBuilder why = new StringBuilder("this node is saturated (");
        String sep = "";
        if (s.lagOver()) {
            why.append("scheduling lag ").append(s.lagMicros() / 1000).append(" ms over ")
                    .append(settings.schedulingLag().toMillis()).append(" ms");
            sep = ", ";
        }
        if (s.queueOver()) {
            why.append(sep).append("queue wait p95 ").append(s.queueWaitP95Micros() / 1000).append(" ms over ")
                    .append(settings.queueWait().toMillis()).append(" ms");
            sep = ", ";
        }
        if (s.heapOver()) {
            why.append(sep).append("heap after GC ").append(Math.round(s.heapPercent())).append("% over ")
                    .append(settings.heapPercent()).append('%');
        }
        why.append("): try again later or another node");
        return new Refusal(REASON, why.toString(), settings.retryAfter());
    }

    /** Over a threshold (0: off); once over, until below 80% of it. */
    private static boolean over(boolean wasOver, long value, long threshold) {
        if (threshold == 0) {
            return false;
        }
        return wasOver ? value * 5 >= threshold * 4 : value > threshold;
    }

    private long medianLagMicros() {
        if (lagCount == 0) {
            return 0;
        }
        long[] sorted = Arrays.copyOf(lagSamples, lagCount);
        Arrays.sort(sorted);
        return sorted[lagCount / 2] / 1000;
    }

    /** The window changed: its sample count and p95 (0 with too few samples), computed once per roll. Lock held. */
    private void summarizeQueueWaits() {
        Histogram union = new Histogram(MAX_MICROS, 2);
        for (Histogram h : queueWindows) {
            if (h != null) {
                union.add(h);
            }
        }
        queueSamples = union.getTotalCount();
        queueP95Micros = queueSamples < QUEUE_WAIT_MIN_SAMPLES ? 0 : union.getValueAtPercentile(95);
    }

    private double lowestHeapPercent() {
        if (heapCount == 0) {
            return 0;
        }
        double lowest = Double.MAX_VALUE;
        for (int i = 0; i < heapCount; i++) {
            lowest = Math.min(lowest, heapSamples[i]);
        }
        return lowest;
    }

    private static long micros(Duration d) {
        return d.toNanos() / 1000;
    }

    /**
     * The signals at one evaluation.
     *
     * @param lagMicros median scheduling lag of the last second, microseconds
     * @param queueWaitP95Micros 95th percentile queue wait of the last three seconds (0 with too few samples)
     * @param heapPercent lowest heap after GC of the last collections, percent of the maximum
     * @param queueSamples translations in the queue-wait window
     * @param lagOver whether the lag is saturated
     * @param queueOver whether the queue wait is saturated
     * @param heapOver whether the heap is saturated
     */
    public record Signals(long lagMicros, long queueWaitP95Micros, double heapPercent, long queueSamples,
            boolean lagOver, boolean queueOver, boolean heapOver) {

        /** Whether any signal is saturated. */
        public boolean saturated() {
            return lagOver || queueOver || heapOver;
        }
    }
}
