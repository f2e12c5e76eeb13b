package dev.fairway.app.overload;

import com.sun.management.GarbageCollectionNotificationInfo;
import com.sun.management.GcInfo;

import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

/**
 * Feeds an {@link OverloadMonitor} from the running JVM: a platform thread wakes every 100 ms and measures
 * how late it woke and how long the virtual thread it started last waited for a carrier (translations run on
 * virtual threads, so a busy carrier pool delays them the same way); every second it closes the queue-wait
 * interval; garbage-collection notifications give the heap in use after each collection. The larger of the
 * two lags is the sample: one probe at a time, so a pool that never runs it reads as a lag that grows.
 */
public final class OverloadProbe implements AutoCloseable {

    /** Time between two probes. */
    public static final Duration INTERVAL = Duration.ofMillis(100);

    private static final long INTERVAL_NANOS = INTERVAL.toNanos();
    private static final int PROBES_PER_SECOND = 10;

    private final OverloadMonitor monitor;
    private final Thread thread;
    private final AtomicLong probeStartedAt = new AtomicLong();
    private final AtomicLong lastProbeDelay = new AtomicLong();
    private final List<Runnable> unregister = new ArrayList<>();
    private volatile boolean running = true;

    private OverloadProbe(OverloadMonitor monitor) {
        this.monitor = monitor;
        this.thread = Thread.ofPlatform().daemon().name("fairway-overload-probe").unstarted(this::loop);
    }

    /**
     * Starts probing.
     *
     * @param monitor the monitor to feed
     * @return the running probe; {@link #close()} stops it
     */
    public static OverloadProbe start(OverloadMonitor monitor) {
        OverloadProbe probe = new OverloadProbe(monitor);
        probe.listenToCollections();
        probe.thread.start();
        return probe;
    }

    private void loop() {
        long tick = 0;
        long expected = System.nanoTime() + INTERVAL_NANOS;
        while (running) {
            LockSupport.parkNanos(Math.max(0, expected - System.nanoTime()));
            if (!running) {
                return;
            }
            long now = System.nanoTime();
            long timerLag = Math.max(0, now - expected);
            monitor.schedulingLag(Math.max(timerLag, virtualThreadLag(now)));
            if (++tick % PROBES_PER_SECOND == 0) {
                monitor.rollQueueWaits();
            }
            monitor.evaluate();
            expected = Math.max(now, expected) + INTERVAL_NANOS;
        }
    }

    /** The delay of the last probe that ran, or the age of one still waiting; starts the next when none waits. */
    private long virtualThreadLag(long now) {
        long started = probeStartedAt.get();
        if (started != 0) {
            return now - started;
        }
        probeStartedAt.set(now);
        Thread.ofVirtual().name("fairway-overload-probe-v").start(() -> {
            lastProbeDelay.set(System.nanoTime() - probeStartedAt.get());
            probeStartedAt.set(0);
        });
        return lastProbeDelay.get();
    }

    private void listenToCollections() {
        Set<String> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP).map(MemoryPoolMXBean::getName)
                .collect(Collectors.toUnmodifiableSet());
        NotificationListener listener = (Notification n, Object handback) -> {
            if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
                GcInfo info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData()).getGcInfo();
                long used = 0;
                for (Map.Entry<String, MemoryUsage> pool : info.getMemoryUsageAfterGc().entrySet()) {
                    if (heapPools.contains(pool.getKey())) {
                        used += pool.getValue().getUsed();
                    }
                }
                monitor.heapAfterGc(used, Runtime.getRuntime().maxMemory());
            }
        };
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof NotificationEmitter emitter) {
                emitter.addNotificationListener(listener, null, null);
                unregister.add(() -> {
                    try {
                        emitter.removeNotificationListener(listener);
                    } catch (ListenerNotFoundException ignored) {
                        // already gone
                    }
                });
            }
        }
    }

    /** Stops probing and listening. */
    @Override
    public void close() {
        running = false;
        LockSupport.unpark(thread);
        unregister.forEach(Runnable::run);
    }
}
