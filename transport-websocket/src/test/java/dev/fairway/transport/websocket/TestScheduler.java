package dev.fairway.transport.websocket;

import dev.fairway.api.FailureReason;
import dev.fairway.api.FinishReason;
import dev.fairway.api.LatencyBreakdown;
import dev.fairway.api.RateLimitFeedback;
import dev.fairway.api.SegmentFailure;
import dev.fairway.api.SegmentKind;
import dev.fairway.api.Session;
import dev.fairway.api.SessionId;
import dev.fairway.api.SessionListener;
import dev.fairway.api.SessionOptions;
import dev.fairway.api.SubmitOutcome;
import dev.fairway.api.TokenUsage;
import dev.fairway.api.Translation;
import dev.fairway.api.TranslationRequest;
import dev.fairway.api.TranslationResult;
import dev.fairway.api.TranslationScheduler;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A scheduler double that makes the transport's tests deterministic. In {@link Mode#ECHO} it answers
 * every accepted segment at once, on the submitting thread, with {@code "<target>: <text>"}; in
 * {@link Mode#HOLD} it keeps accepted segments until the test {@linkplain TestSession#release() releases}
 * them; in {@link Mode#REFUSE} it refuses with {@link #refusal}. Like the real one, it refuses a sequence
 * number that is not greater than the last one accepted.
 */
final class TestScheduler implements TranslationScheduler {

    /** What submit does. */
    enum Mode { ECHO, HOLD, REFUSE }

    static final Duration TIMEOUT = Duration.ofSeconds(20);

    volatile Mode mode = Mode.ECHO;
    volatile SubmitOutcome refusal = SubmitOutcome.refused(SubmitOutcome.Status.BACKPRESSURE, "backlog full");
    volatile boolean refuseOpen;
    final BlockingQueue<TestSession> opened = new LinkedBlockingQueue<>();
    final List<TestSession> sessions = new CopyOnWriteArrayList<>();
    /** Every thread that called open or submit: the transport's callbacks must not run on Jetty's platform threads. */
    final List<Thread> callers = new CopyOnWriteArrayList<>();

    static TestScheduler echo() {
        return new TestScheduler();
    }

    static TestScheduler holding() {
        TestScheduler scheduler = new TestScheduler();
        scheduler.mode = Mode.HOLD;
        return scheduler;
    }

    @Override
    public Session open(SessionId id, SessionOptions options, SessionListener listener) {
        callers.add(Thread.currentThread());
        if (refuseOpen) {
            throw new IllegalStateException("scheduler is shut down");
        }
        TestSession session = new TestSession(id, options, listener, Span.current().getSpanContext());
        sessions.add(session);
        opened.add(session);
        return session;
    }

    /**
     * The next session opened, waiting for it.
     *
     * @return the session
     */
    TestSession nextOpened() throws InterruptedException {
        TestSession session = opened.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertNotNull(session, "no session was opened within " + TIMEOUT);
        return session;
    }

    @Override
    public void shutdown() {
        refuseOpen = true;
    }

    @Override
    public boolean awaitTermination(Duration timeout) {
        return true;
    }

    @Override
    public void close() {
        refuseOpen = true;
    }

    static Translation translation(TranslationRequest request, String text) {
        TranslationResult result = new TranslationResult(text, TokenUsage.of(10, 5), Duration.ofMillis(7),
                RateLimitFeedback.NONE, "test-model", FinishReason.STOP);
        LatencyBreakdown latency = new LatencyBreakdown(Duration.ofNanos(1_234_567), Duration.ZERO,
                Duration.ofMillis(7), Duration.ofNanos(8_234_567));
        return new Translation(request, result, latency);
    }

    /** One session of the double. */
    final class TestSession implements Session {
        final SessionId id;
        final SessionOptions options;
        final SessionListener listener;
        /** The span current when the transport opened the session (invalid: none). */
        final SpanContext openedIn;
        /** The span current at each submit, by sequence number. */
        final Map<Long, SpanContext> submittedIn = new ConcurrentHashMap<>();
        final List<TranslationRequest> accepted = new CopyOnWriteArrayList<>();
        final CountDownLatch closed = new CountDownLatch(1);
        private final List<TranslationRequest> held = new ArrayList<>();
        private final ReentrantLock lock = new ReentrantLock();
        private long lastSeq = -1;

        TestSession(SessionId id, SessionOptions options, SessionListener listener, SpanContext openedIn) {
            this.id = id;
            this.options = options;
            this.listener = listener;
            this.openedIn = openedIn;
        }

        @Override
        public SessionId id() {
            return id;
        }

        @Override
        public SessionOptions options() {
            return options;
        }

        @Override
        public SubmitOutcome submit(SegmentKind kind, long sequence, String text) {
            callers.add(Thread.currentThread());
            submittedIn.put(sequence, Span.current().getSpanContext());
            Mode m = mode;
            if (m == Mode.REFUSE) {
                return refusal;
            }
            TranslationRequest request;
            lock.lock();
            try {
                if (closed.getCount() == 0) {
                    return SubmitOutcome.refused(SubmitOutcome.Status.CLOSED, "session closed");
                }
                if (sequence <= lastSeq) {
                    return SubmitOutcome.refused(SubmitOutcome.Status.OUT_OF_ORDER, "sequence " + sequence
                            + " is not greater than " + lastSeq);
                }
                lastSeq = sequence;
                request = new TranslationRequest(id, kind, sequence, text, options.sourceLanguage(),
                        options.targetLanguage(), 10);
                accepted.add(request);
                if (m == Mode.HOLD) {
                    held.add(request);
                    return SubmitOutcome.ACCEPTED;
                }
            } finally {
                lock.unlock();
            }
            listener.onTranslation(translation(request, options.targetLanguage() + ": " + text));
            return SubmitOutcome.ACCEPTED;
        }

        /** Delivers every held segment's translation, in order, on the calling thread. */
        void release() {
            for (TranslationRequest request : takeHeld()) {
                listener.onTranslation(translation(request, options.targetLanguage() + ": " + request.text()));
            }
        }

        /**
         * Delivers the oldest held segment's translation on the calling thread.
         *
         * @return whether one was held
         */
        boolean releaseOne() {
            TranslationRequest request;
            lock.lock();
            try {
                if (held.isEmpty()) {
                    return false;
                }
                request = held.remove(0);
            } finally {
                lock.unlock();
            }
            listener.onTranslation(translation(request, options.targetLanguage() + ": " + request.text()));
            return true;
        }

        /**
         * Reports every held segment as failed, in order.
         *
         * @param reason why
         */
        void fail(FailureReason reason) {
            for (TranslationRequest request : takeHeld()) {
                listener.onFailure(new SegmentFailure(request, reason, "provider said no"));
            }
        }

        private List<TranslationRequest> takeHeld() {
            lock.lock();
            try {
                List<TranslationRequest> copy = List.copyOf(held);
                held.clear();
                return copy;
            } finally {
                lock.unlock();
            }
        }

        /** Waits until the transport closes this session. */
        void awaitClosed() throws InterruptedException {
            assertTrue(closed.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS), "session " + id + " was not closed");
        }

        boolean isClosed() {
            return closed.getCount() == 0;
        }

        @Override
        public void close() {
            lock.lock();
            try {
                closed.countDown();
            } finally {
                lock.unlock();
            }
        }
    }
}
