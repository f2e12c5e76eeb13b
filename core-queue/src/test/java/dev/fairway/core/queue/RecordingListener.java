package dev.fairway.core.queue;

import dev.fairway.api.SegmentFailure;
import dev.fairway.api.SessionListener;
import dev.fairway.api.Translation;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Records a session's events as short strings: {@code T final 3 [fr] text}, {@code F STALE partial 5},
 * {@code closed}; and checks that it is never called by two threads at once.
 */
final class RecordingListener implements SessionListener {

    final ConcurrentLinkedQueue<Object> events = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<String> lines = new ConcurrentLinkedQueue<>();
    private final AtomicInteger inside = new AtomicInteger();
    volatile boolean overlapped;
    final CountDownLatch closed = new CountDownLatch(1);
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();

    @Override
    public void onTranslation(Translation t) {
        enter();
        events.add(t);
        lines.add("T " + kind(t.request().isFinal()) + " " + t.request().sequence() + " " + t.result().text());
        exit();
    }

    @Override
    public void onFailure(SegmentFailure f) {
        enter();
        events.add(f);
        lines.add("F " + f.reason() + " " + kind(f.request().isFinal()) + " " + f.request().sequence());
        exit();
    }

    @Override
    public void onClosed() {
        enter();
        lines.add("closed");
        exit();
        closed.countDown();
    }

    private void enter() {
        if (inside.incrementAndGet() != 1) {
            overlapped = true;
        }
    }

    private void exit() {
        inside.decrementAndGet();
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Waits (at most 30 s, a bound for a hung test, not a timing assertion) until {@code n} events arrived. */
    void awaitLines(int n) throws InterruptedException {
        long nanos = TimeUnit.SECONDS.toNanos(30);
        lock.lock();
        try {
            while (lines.size() < n) {
                if (nanos <= 0) {
                    throw new AssertionError("expected " + n + " events, got " + lines);
                }
                nanos = changed.awaitNanos(nanos);
            }
        } finally {
            lock.unlock();
        }
    }

    private static String kind(boolean isFinal) {
        return isFinal ? "final" : "partial";
    }

    List<String> lines() {
        return new ArrayList<>(lines);
    }

    List<Translation> translations() {
        List<Translation> out = new ArrayList<>();
        for (Object e : events) {
            if (e instanceof Translation t) {
                out.add(t);
            }
        }
        return out;
    }

    List<SegmentFailure> failures() {
        List<SegmentFailure> out = new ArrayList<>();
        for (Object e : events) {
            if (e instanceof SegmentFailure f) {
                out.add(f);
            }
        }
        return out;
    }
}
