package dev.fairway.app.overload;

import dev.fairway.api.Session;
import dev.fairway.api.SessionId;
import dev.fairway.api.SessionListener;
import dev.fairway.api.SessionOptions;
import dev.fairway.api.SegmentFailure;
import dev.fairway.api.Translation;
import dev.fairway.api.TranslationScheduler;

import java.time.Duration;
import java.util.Objects;

/**
 * The scheduler as a transport sees it, with each delivered translation's queue wait recorded in an
 * {@link OverloadMonitor}: the queue wait of dispatched work, measured where it is known, without reaching into
 * the scheduler.
 */
public final class QueueWaitTap implements TranslationScheduler {

    private final TranslationScheduler scheduler;
    private final OverloadMonitor monitor;

    /**
     * @param scheduler the scheduler
     * @param monitor where queue waits go
     */
    public QueueWaitTap(TranslationScheduler scheduler, OverloadMonitor monitor) {
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.monitor = Objects.requireNonNull(monitor, "monitor");
    }

    @Override
    public Session open(SessionId id, SessionOptions options, SessionListener listener) {
        Objects.requireNonNull(listener, "listener");
        return scheduler.open(id, options, new SessionListener() {
            @Override
            public void onTranslation(Translation translation) {
                monitor.queueWait(translation.latency().queueWait().toNanos());
                listener.onTranslation(translation);
            }

            @Override
            public void onFailure(SegmentFailure failure) {
                listener.onFailure(failure);
            }

            @Override
            public void onClosed() {
                listener.onClosed();
            }
        });
    }

    @Override
    public void shutdown() {
        scheduler.shutdown();
    }

    @Override
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        return scheduler.awaitTermination(timeout);
    }

    @Override
    public void close() {
        scheduler.close();
    }
}
