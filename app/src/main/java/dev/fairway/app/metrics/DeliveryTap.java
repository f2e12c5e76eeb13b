package dev.fairway.app.metrics;

import dev.fairway.api.FailureReason;
import dev.fairway.api.LatencyBreakdown;
import dev.fairway.api.NanoClock;
import dev.fairway.api.SegmentFailure;
import dev.fairway.api.SegmentKind;
import dev.fairway.api.Session;
import dev.fairway.api.SessionId;
import dev.fairway.api.SessionListener;
import dev.fairway.api.SessionOptions;
import dev.fairway.api.SubmitOutcome;
import dev.fairway.api.Translation;
import dev.fairway.api.TranslationScheduler;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The scheduler as a transport sees it, with what each session's outcomes say recorded as it is handed over:
 * the phases of each delivered translation ({@link LatencyBreakdown}), each session's time to its first
 * translation, and the failures the session is told of by reason. It also knows when each open session was
 * opened, for {@link FairShareFigures}. Per session it keeps two timestamps and a flag; per outcome it records
 * a few histogram points with attribute sets made once.
 */
final class DeliveryTap implements TranslationScheduler {

    static final AttributeKey<String> KIND = AttributeKey.stringKey("translation.kind");
    static final AttributeKey<String> PHASE = AttributeKey.stringKey("phase");
    static final AttributeKey<String> REASON = AttributeKey.stringKey("reason");

    private static final double NANOS_PER_MS = 1e6;

    private final TranslationScheduler scheduler;
    private final NanoClock clock;
    private final DoubleHistogram phases;
    private final DoubleHistogram firstTranslation;
    private final LongCounter failures;
    /** Open sessions and when they were opened (the clock's nanos). */
    private final Map<SessionId, Long> openedAt = new ConcurrentHashMap<>();
    private final Attributes[][] phaseAttributes = new Attributes[2][3];
    private final Map<FailureReason, Attributes> finalFailure = new EnumMap<>(FailureReason.class);
    private final Map<FailureReason, Attributes> partialFailure = new EnumMap<>(FailureReason.class);

    /**
     * @param scheduler the scheduler
     * @param meter where the instruments are made
     * @param clock the node's clock
     */
    DeliveryTap(TranslationScheduler scheduler, Meter meter, NanoClock clock) {
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.phases = meter.histogramBuilder(Instruments.PHASE_DURATION).setUnit("ms")
                .setDescription("Where a delivered translation's time went: waiting for its turn (queue), for a"
                        + " rate-limit permit (limiter), and in provider calls (provider), by phase and kind")
                .setExplicitBucketBoundariesAdvice(Instruments.LATENCY_BUCKETS_MS).build();
        this.firstTranslation = meter.histogramBuilder(Instruments.TIME_TO_FIRST_TRANSLATION).setUnit("ms")
                .setDescription("Per session, from its first segment to its first delivered translation")
                .setExplicitBucketBoundariesAdvice(Instruments.LATENCY_BUCKETS_MS).build();
        this.failures = meter.counterBuilder(Instruments.FAILURES).setUnit("{segment}")
                .setDescription("Segments reported to their session as failed, by kind and reason (a final is never"
                        + " dropped silently: each one not translated is counted here)")
                .build();
        String[] phaseNames = {"queue", "limiter", "provider"};
        for (int k = 0; k < 2; k++) {
            for (int p = 0; p < 3; p++) {
                phaseAttributes[k][p] = Attributes.of(KIND, k == 0 ? "final" : "partial", PHASE, phaseNames[p]);
            }
        }
        for (FailureReason reason : FailureReason.values()) {
            String name = reason.name().toLowerCase(java.util.Locale.ROOT);
            finalFailure.put(reason, Attributes.of(KIND, "final", REASON, name));
            partialFailure.put(reason, Attributes.of(KIND, "partial", REASON, name));
        }
        // A final's failures start at 0, so that an alert's rate() has a series before the first failure.
        for (FailureReason reason : FailureReason.values()) {
            if (reason != FailureReason.SUPERSEDED && reason != FailureReason.STALE) {
                failures.add(0, finalFailure.get(reason));
            }
        }
    }

    /**
     * How long each open session has been open.
     *
     * @param id a session
     * @return nanoseconds since it was opened, or -1 when it is not open here
     */
    long ageNanos(SessionId id) {
        Long opened = openedAt.get(id);
        return opened == null ? -1 : Math.max(0, clock.nanoTime() - opened);
    }

    @Override
    public Session open(SessionId id, SessionOptions options, SessionListener listener) {
        Objects.requireNonNull(listener, "listener");
        Tapped tapped = new Tapped(listener, id, clock.nanoTime());
        Session session = scheduler.open(id, options, tapped);
        openedAt.put(id, tapped.opened);
        return tapped.session(session);
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

    /** One session's listener and handle. */
    private final class Tapped implements SessionListener {

        private final SessionListener listener;
        private final SessionId id;
        private final Long opened;
        /** The clock's nanos at the first submit, 0 before it. */
        private final AtomicLong firstSubmit = new AtomicLong();
        private volatile boolean firstDelivered;

        Tapped(SessionListener listener, SessionId id, long opened) {
            this.listener = listener;
            this.id = id;
            this.opened = opened;
        }

        Session session(Session session) {
            return new Session() {
                @Override
                public SessionId id() {
                    return session.id();
                }

                @Override
                public SessionOptions options() {
                    return session.options();
                }

                @Override
                public SubmitOutcome submit(SegmentKind kind, long sequence, String text) {
                    // Before the submit: its translation may be delivered on another thread before it returns.
                    if (firstSubmit.get() == 0) {
                        firstSubmit.compareAndSet(0, Math.max(1, clock.nanoTime()));
                    }
                    return session.submit(kind, sequence, text);
                }

                @Override
                public void close() {
                    session.close();
                }
            };
        }

        @Override
        public void onTranslation(Translation translation) {
            try {
                LatencyBreakdown latency = translation.latency();
                Attributes[] attributes = phaseAttributes[translation.request().isFinal() ? 0 : 1];
                phases.record(latency.queueWait().toNanos() / NANOS_PER_MS, attributes[0]);
                phases.record(latency.limiterWait().toNanos() / NANOS_PER_MS, attributes[1]);
                phases.record(latency.providerTime().toNanos() / NANOS_PER_MS, attributes[2]);
                long first = firstSubmit.get();
                if (!firstDelivered && first != 0) {
                    firstDelivered = true;
                    firstTranslation.record(Math.max(0, clock.nanoTime() - first) / NANOS_PER_MS);
                }
            } catch (RuntimeException e) {
                // Metrics never cost a session its translation.
                System.getLogger(DeliveryTap.class.getName()).log(System.Logger.Level.DEBUG, "recording failed", e);
            }
            listener.onTranslation(translation);
        }

        @Override
        public void onFailure(SegmentFailure failure) {
            failures.add(1, (failure.request().isFinal() ? finalFailure : partialFailure).get(failure.reason()));
            listener.onFailure(failure);
        }

        @Override
        public void onClosed() {
            // Only this opening's entry: the same id may have been opened again since (a resume).
            openedAt.remove(id, opened);
            listener.onClosed();
        }
    }
}
