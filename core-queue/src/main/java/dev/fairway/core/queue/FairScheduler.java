package dev.fairway.core.queue;

import dev.fairway.api.NanoClock;
import dev.fairway.api.PermanentProviderException;
import dev.fairway.api.RateLimitedException;
import dev.fairway.api.SegmentFailure;
import dev.fairway.api.SegmentKind;
import dev.fairway.api.Session;
import dev.fairway.api.SessionId;
import dev.fairway.api.SessionListener;
import dev.fairway.api.SessionOptions;
import dev.fairway.api.SubmitOutcome;
import dev.fairway.api.Translation;
import dev.fairway.api.TranslationRequest;
import dev.fairway.api.TranslationResult;
import dev.fairway.api.TranslationScheduler;
import dev.fairway.api.limit.ConcurrencyLimiter;
import dev.fairway.api.limit.RateLimiter;
import dev.fairway.api.spi.TranslationProvider;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;

/**
 * The fair per-session {@link TranslationScheduler}.
 *
 * <p><b>Per session</b> it keeps at most one pending partial (a newer one supersedes it: latest wins)
 * and a FIFO of finals bounded by {@link Builder#maxQueuedFinalsPerSession}; a final supersedes the
 * pending partial and cancels the session's partial in flight. A full backlog refuses the submit with
 * {@link SubmitOutcome.Status#BACKPRESSURE}: nothing is dropped silently. Sequence numbers must
 * increase per session ({@link SubmitOutcome.Status#OUT_OF_ORDER} otherwise).
 *
 * <p><b>Dispatch.</b> A dispatch pass visits the sessions that have work in deficit round robin by
 * estimated tokens (a session of weight {@code w} earns {@code quantumTokens x w} per round), finals
 * before partials within a session, and asks the {@link RateLimiter} for the session's permit: a
 * session that is refused is skipped until the limiter's wait has passed, so it never holds up the
 * others. Calls in flight are bounded by {@code maxConcurrent} and by the {@link ConcurrencyLimiter};
 * {@code minRequestInterval} spaces dispatches. A pass never blocks and takes no lock shared by all
 * sessions: each session's state is under its own lock, the ring of sessions with work is lock-free,
 * so passes on different sessions run in parallel. Finishing workers run one themselves (and then run
 * the next call on their own thread), and so does a submit that finds a call slot open. One
 * dispatcher thread, made by the application's {@link ThreadFactory}, waits on a condition for the
 * next deadline (a limiter wait, a retry backoff, pacing) and never spins.
 *
 * <p><b>Workers.</b> Each provider call runs on the application's executor (by default a new thread of
 * its factory, virtual threads meant). Usage and rate-limit feedback go back to the limiter; a 429
 * cools it down. Finals are retried on transient faults and 429s with exponential backoff that honours
 * {@code Retry-After}, every attempt asking the limiter again, until delivered or reported failed.
 * Partials are never retried; one that waited longer than {@code partialStaleAfter} is dropped.
 *
 * <p><b>Order.</b> Each session's listener is called by one thread at a time, in sequence order: a
 * partial result is held until the finals submitted before it are delivered, and is never delivered
 * after a newer segment. Identical requests in flight are sent once and shared.
 *
 * <p>Build one with {@link #builder()}; it is thread-safe. See the module's README for the full
 * semantics, every knob and its default.
 */
public final class FairScheduler implements TranslationScheduler {

    static final System.Logger LOG = System.getLogger(FairScheduler.class.getName());

    // The ranges the builder accepts, public so that a configuration can offer exactly these.

    /** Fewest provider calls in flight ({@link Builder#maxConcurrent}). */
    public static final int MIN_CONCURRENT = 1;
    /** Most provider calls in flight ({@link Builder#maxConcurrent}). */
    public static final int MAX_CONCURRENT = 65_536;
    /** Shortest least time between two provider calls ({@link Builder#minRequestInterval}): none. */
    public static final Duration MIN_MIN_REQUEST_INTERVAL = Duration.ZERO;
    /** Longest least time between two provider calls ({@link Builder#minRequestInterval}). */
    public static final Duration MAX_MIN_REQUEST_INTERVAL = Duration.ofMinutes(1);
    /** Fewest finals a session may have waiting ({@link Builder#maxQueuedFinalsPerSession}). */
    public static final int MIN_QUEUED_FINALS_PER_SESSION = 1;
    /** Most finals a session may have waiting ({@link Builder#maxQueuedFinalsPerSession}). */
    public static final int MAX_QUEUED_FINALS_PER_SESSION = 100_000;
    /** Shortest wait before a partial is stale ({@link Builder#partialStaleAfter}): 0 is never. */
    public static final Duration MIN_PARTIAL_STALE_AFTER = Duration.ZERO;
    /** Longest wait before a partial is stale ({@link Builder#partialStaleAfter}). */
    public static final Duration MAX_PARTIAL_STALE_AFTER = Duration.ofHours(1);
    /** Fewest provider attempts for a final ({@link Builder#finalMaxAttempts}). */
    public static final int MIN_FINAL_ATTEMPTS = 1;
    /** Most provider attempts for a final ({@link Builder#finalMaxAttempts}). */
    public static final int MAX_FINAL_ATTEMPTS = 100;
    /** Shortest time a final may be retried ({@link Builder#finalRetryDeadline}): 0 is no retry. */
    public static final Duration MIN_FINAL_RETRY_DEADLINE = Duration.ZERO;
    /** Longest time a final may be retried ({@link Builder#finalRetryDeadline}). */
    public static final Duration MAX_FINAL_RETRY_DEADLINE = Duration.ofHours(1);
    /** Shortest cap of the wait a provider's {@code Retry-After} imposes on a retry ({@link Builder#maxRetryAfter}). */
    public static final Duration MIN_MAX_RETRY_AFTER = Duration.ofMillis(1);
    /** Longest cap of the wait a provider's {@code Retry-After} imposes on a retry ({@link Builder#maxRetryAfter}). */
    public static final Duration MAX_MAX_RETRY_AFTER = Duration.ofHours(1);

    private final SchedulingCore core;
    private final TranslationProvider provider;
    private final RateLimiter rateLimiter;
    private final ConcurrencyLimiter concurrencyLimiter;
    private final NanoClock clock;
    private final Clock wallClock;
    private final Executor executor;
    private final Tracing tracing;
    private final Thread dispatcher;
    private final boolean dedup;
    private final String providerName;
    private final String providerModel;
    private final PermanentFailureLog permanentFailures;

    private FairScheduler(Builder b) {
        this.provider = b.provider;
        this.rateLimiter = b.rateLimiter;
        this.concurrencyLimiter = b.concurrencyLimiter != null ? b.concurrencyLimiter : Unbounded.INSTANCE;
        this.clock = b.clock;
        this.wallClock = b.wallClock;
        this.tracing = new Tracing(b.openTelemetry);
        this.dedup = b.deduplicate;
        Settings settings = new Settings(b.maxConcurrent, b.minRequestInterval.toNanos(),
                b.maxQueuedFinalsPerSession, b.maxFinalsInFlightPerSession, b.partialStaleAfter.toNanos(),
                b.quantumTokens, b.finalMaxAttempts, b.retryInitialBackoff.toNanos(), b.retryMaxBackoff.toNanos(),
                b.finalRetryDeadline.toNanos(), b.maxRetryAfter.toNanos(), b.deduplicate);
        this.core = new SchedulingCore(this, settings, rateLimiter, concurrencyLimiter);
        this.providerName = provider.name();
        this.providerModel = provider.model();
        this.permanentFailures = new PermanentFailureLog(b.permanentFailureLogger, b.clock);
        if (b.executor != null) {
            this.executor = b.executor;
        } else {
            ThreadFactory factory = b.threadFactory;
            this.executor = task -> {
                Thread t = factory.newThread(task);
                if (t == null) {
                    throw new RejectedExecutionException("the thread factory refused to make a worker thread");
                }
                t.start();
            };
        }
        if (b.manualDispatch) {
            this.dispatcher = null;
        } else {
            core.inlineDispatch = true;
            this.dispatcher = b.threadFactory.newThread(this::dispatchLoop);
            if (dispatcher == null) {
                throw new IllegalStateException("the thread factory refused to make the dispatcher thread");
            }
            dispatcher.start();
        }
    }

    /** The tracing helper; the scheduling core ends spans and records the latency metric through it. */
    Tracing tracing() {
        return tracing;
    }

    /**
     * A builder with the defaults listed on its setters.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    // ---------------------------------------------------------------- TranslationScheduler

    @Override
    public Session open(SessionId id, SessionOptions options, SessionListener listener) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(listener, "listener");
        SessionState s = new SessionState(core, id, options, listener);
        core.register(s);
        rateLimiter.openSession(id, options.weight());
        return s;
    }

    @Override
    public void shutdown() {
        core.shutdown();
    }

    @Override
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        long nanos = timeout.toNanos();
        core.lock.lock();
        try {
            while (!core.isTerminated()) {
                if (nanos <= 0) {
                    return false;
                }
                nanos = core.terminated.awaitNanos(nanos);
            }
            return true;
        } finally {
            core.lock.unlock();
        }
    }

    @Override
    public void close() {
        List<Object> claimed = new ArrayList<>();
        core.closeAll(clock.nanoTime(), claimed);
        deliver(claimed);
        drain();
    }

    /**
     * A snapshot of the queues, calls in flight and counters; it visits every session, so it is meant
     * for a status page, not for a hot path.
     *
     * @return the status
     */
    public SchedulerStatus status() {
        return core.status(wallClock, clock.nanoTime());
    }

    // ---------------------------------------------------------------- sessions

    /**
     * The provider's output part of the estimate, within it, or -1 when it says none (or fails: the
     * limiter then reserves the whole estimate in each separate budget, which is safe).
     */
    private int outputEstimate(SegmentKind kind, String text, int estimate) {
        try {
            OptionalInt output = provider.estimateOutputTokens(kind, text);
            return output.isPresent() ? Math.max(0, Math.min(estimate, output.getAsInt())) : -1;
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "provider " + provider.name() + " failed to estimate output tokens", e);
            return -1;
        }
    }

    SubmitOutcome submit(SessionState s, SegmentKind kind, long sequence, String text) {
        if (kind == null) {
            throw new IllegalArgumentException("kind must not be null");
        }
        if (text == null) {
            throw new IllegalArgumentException("text must not be null");
        }
        int estimate;
        try {
            estimate = Math.max(1, provider.estimateTokens(kind, text));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "provider " + provider.name()
                    + " failed to estimate tokens; using 1 token per character", e);
            estimate = Math.max(1, text.length());
        }
        TranslationRequest request = new TranslationRequest(s.id, kind, sequence, text,
                s.options.sourceLanguage(), s.options.targetLanguage(), estimate);
        Span span = tracing.startItem(request);
        DedupKey key = dedup ? DedupKey.of(providerName, providerModel, request) : null;
        Item item = new Item(s, request, outputEstimate(kind, text, estimate), clock.nanoTime(), span,
                Tracing.contextOf(span), key);
        List<Object> claimed = new ArrayList<>(2);
        SchedulingCore.Accepted accepted = core.submit(item, claimed);
        SubmitOutcome outcome = accepted.outcome();
        if (!outcome.accepted()) {
            span.setAttribute(Tracing.OUTCOME, "refused");
            span.end();
            return outcome;
        }
        if (core.inlineDispatch && (accepted.joinable() || core.slotMayBeFree())) {
            // A call slot is free (or the segment can join a call in flight): dispatch now, on this thread.
            List<Call> dispatched = new ArrayList<>(2);
            core.safeDispatch(item.acceptedAt, dispatched, ConcurrencyLimiter.NO_PERMIT, claimed);
            launchAll(dispatched);
        }
        deliver(claimed);
        return outcome;
    }

    void closeSession(SessionState s) {
        List<Object> claimed = new ArrayList<>(2);
        core.closeSession(s, clock.nanoTime(), claimed);
        deliver(claimed);
    }

    // ---------------------------------------------------------------- dispatcher

    private void dispatchLoop() {
        List<Call> batch = new ArrayList<>();
        List<Object> claimed = new ArrayList<>();
        for (;;) {
            if (core.dispatcherDone()) {
                return;
            }
            long now = clock.nanoTime();
            core.consumeWake(now);
            core.safeDispatch(now, batch, ConcurrencyLimiter.NO_PERMIT, claimed);
            launchAll(batch);
            deliver(claimed);
            claimed.clear();
            core.lock.lock();
            try {
                if (core.dispatcherDone()) {
                    return;
                }
                long at = Math.min(core.nextWakeAt, core.earliestTimer());
                long waitFrom = clock.nanoTime();
                if (at > waitFrom) {
                    core.dispatcherWaiting = true;
                    core.dispatcherDeadline = at;
                    try {
                        if (at == SchedulingCore.NEVER) {
                            core.wake.await();
                        } else {
                            core.wake.awaitNanos(at - waitFrom);
                        }
                    } finally {
                        core.dispatcherWaiting = false;
                        core.dispatcherDeadline = SchedulingCore.NEVER;
                    }
                }
            } catch (InterruptedException e) {
                LOG.log(System.Logger.Level.WARNING, "the dispatcher thread was interrupted: dispatching stops;"
                        + " close() the scheduler to report the finals left");
                Thread.currentThread().interrupt();
                return;
            } finally {
                core.lock.unlock();
            }
        }
    }

    /**
     * Runs one dispatch pass now and launches what it dispatched (for tests built with manual
     * dispatch, which start no dispatcher thread).
     *
     * @return the provider calls launched
     */
    int pump() {
        List<Call> batch = new ArrayList<>();
        List<Object> claimed = new ArrayList<>();
        long now = clock.nanoTime();
        core.consumeWake(SchedulingCore.NEVER); // any wake asked for: this pass is it
        core.dispatch(now, batch, ConcurrencyLimiter.NO_PERMIT, claimed);
        int launched = batch.size();
        launchAll(batch);
        deliver(claimed);
        drain();
        return launched;
    }

    /** When the last manual {@link #pump()} asked to be called again, or {@link SchedulingCore#NEVER}. */
    long nextWakeAt() {
        core.lock.lock();
        try {
            return Math.min(core.nextWakeAt, core.earliestTimer());
        } finally {
            core.lock.unlock();
        }
    }

    private void launchAll(List<Call> batch) {
        for (int i = 0; i < batch.size(); i++) {
            Call call = batch.get(i);
            try {
                executor.execute(call);
            } catch (RejectedExecutionException e) {
                LOG.log(System.Logger.Level.WARNING, "the worker executor rejected a provider call", e);
                // Its segments are retried (finals) or reported (partials); dispatch nothing more from here.
                finishCall(call, null, new dev.fairway.api.TransientProviderException(
                        "the worker executor rejected the call", e), false, Next.NONE);
            }
        }
        batch.clear();
    }

    // ---------------------------------------------------------------- worker

    /**
     * The body of {@link Call#run()} on a worker thread: runs the call, then, while dispatching finds
     * more, the next call on the same thread (no new thread, no hand-off while the scheduler is busy).
     */
    void execute(Call first) {
        Call call = first;
        while (call != null) {
            call = runOne(call);
        }
    }

    /** Runs one provider call; returns the next call for this thread, or null. */
    private Call runOne(Call call) {
        call.thread = Thread.currentThread();
        if (call.cancelled) {
            // Superseded or closed before it started: it never reached the provider.
            return finishCall(call, null, null, false, Next.RUN_HERE);
        }
        TranslationResult result = null;
        Throwable error = null;
        Span span = tracing.startProvider(call.leader.context, provider.name(), provider.model(), call.attempt,
                call.waiters());
        Context context = span.isRecording() ? call.leader.context.with(span) : call.leader.context;
        try (Scope ignored = context.makeCurrent()) {
            result = provider.translate(call.request);
            if (result == null) {
                error = new IllegalStateException("provider " + provider.name() + " returned no result");
            }
        } catch (InterruptedException | RuntimeException e) {
            error = e;
        } catch (Error e) {
            finishCall(call, null, e, true, Next.LAUNCH);
            throw e;
        } finally {
            if (error != null) {
                Tracing.providerError(span, error);
            } else if (result != null) {
                Tracing.providerResult(span, result);
            }
            span.end();
        }
        return finishCall(call, result, error, true, Next.RUN_HERE);
    }

    /** What a finished call's thread does next. */
    private enum Next {
        /** Dispatch, and run the first call dispatched on this thread. */
        RUN_HERE,
        /** Dispatch, and launch every call dispatched on the executor. */
        LAUNCH,
        /** Nothing: the thread is not a worker (the executor rejected the call). */
        NONE
    }

    /**
     * Accounts a call with the limiters, lets the core hand its outcome to the waiting segments and
     * dispatch what the freed capacity allows (one lock), launches that, and delivers.
     *
     * @param reachedProvider whether the provider was called (for the rate limiter's refund)
     * @param next what this thread does afterwards; anything but {@link Next#NONE} means this thread
     *     is the call's worker, which our cancel may have interrupted
     * @return a call for this worker to run next ({@link Next#RUN_HERE} only), or null
     */
    private Call finishCall(Call call, TranslationResult result, Throwable error, boolean reachedProvider,
            Next next) {
        ConcurrencyLimiter.Outcome outcome = ConcurrencyLimiter.Outcome.IGNORED;
        try {
            if (result != null) {
                rateLimiter.reconcile(call.chargedSession, call.ratePermit, result.usage());
                if (result.rateLimit().isPresent()) {
                    rateLimiter.onFeedback(result.rateLimit());
                }
                outcome = ConcurrencyLimiter.Outcome.SUCCESS;
            } else if (error instanceof RateLimitedException e) {
                core.rateLimitedResponses.incrementAndGet();
                // The request reached the provider, and providers such as OpenAI count refused requests
                // against the per-minute limit: keep it counted (conservative), then pause admission.
                rateLimiter.cancel(call.chargedSession, call.ratePermit, true);
                rateLimiter.onRateLimited(e.feedback());
                outcome = ConcurrencyLimiter.Outcome.RATE_LIMITED;
            } else {
                rateLimiter.cancel(call.chargedSession, call.ratePermit, reachedProvider);
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "the rate limiter failed to account a finished call", e);
        }
        if (error instanceof PermanentProviderException permanent) {
            // Sessions hear of it as a failed segment; the operator hears of it here, once a minute per cause.
            permanentFailures.record(providerName, permanent);
        }
        List<Call> dispatched = next == Next.NONE ? null : new ArrayList<>(4);
        List<Object> claimed = new ArrayList<>(2);
        // The freed slot's next call usually starts from this pass: release this call's concurrency
        // permit and take the next one in one step, before the pass (it gives the new one back if unused).
        long permit = ConcurrencyLimiter.NO_PERMIT;
        try {
            if (dispatched != null && core.inlineDispatch) {
                permit = concurrencyLimiter.releaseAndTryAcquire(call.concurrencyPermit, outcome);
            } else {
                concurrencyLimiter.release(call.concurrencyPermit, outcome);
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "the concurrency limiter failed to account a finished call", e);
        }
        boolean cancelled = core.finish(call, result, error, clock.nanoTime(), dispatched, claimed, permit);
        // An interrupt that was not our cancel came from the application: keep it, run nothing more here.
        boolean worker = next != Next.NONE;
        boolean interruptedByApp = worker && !cancelled && error instanceof InterruptedException;
        if (worker && cancelled) {
            // Our cancel may have interrupted this thread; it must not leak into the next call.
            Thread.interrupted();
        }
        Call kept = null;
        if (dispatched != null && !dispatched.isEmpty()) {
            if (next == Next.RUN_HERE && !interruptedByApp) {
                kept = dispatched.remove(0);
            }
            launchAll(dispatched);
        }
        deliver(claimed);
        if (interruptedByApp) {
            Thread.currentThread().interrupt();
        }
        return kept;
    }

    // ---------------------------------------------------------------- listener delivery

    /** Ends the spans of items this thread finished and has not yet claimed. */
    private void drain() {
        List<Object> claimed = new ArrayList<>(2);
        core.claimSpans(claimed);
        deliver(claimed);
    }

    /**
     * Delivers claimed events: pairs of a session and an array of its events, or of null and an array
     * of finished items whose spans are to be ended.
     */
    private void deliver(List<Object> claimed) {
        // Spans first, so that a segment's span has ended by the time its listener hears of it.
        for (int i = 0; i < claimed.size(); i += 2) {
            if (claimed.get(i) == null) {
                endSpans((Object[]) claimed.get(i + 1));
            }
        }
        for (int i = 0; i < claimed.size(); i += 2) {
            if (claimed.get(i) != null) {
                deliver((SessionState) claimed.get(i), (Object[]) claimed.get(i + 1));
            }
        }
    }

    private void endSpans(Object[] items) {
        for (Object o : items) {
            Item item = (Item) o;
            try {
                tracing.end(item, item.endOutcome, item.endedAt);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "ending the span of a segment failed", e);
            }
        }
        core.delivered(items.length);
    }

    private void deliver(SessionState s, Object[] first) {
        Object[] events = first;
        while (events != null) {
            for (Object event : events) {
                try {
                    if (event instanceof Translation t) {
                        s.listener.onTranslation(t);
                    } else if (event instanceof SegmentFailure f) {
                        s.listener.onFailure(f);
                    } else {
                        s.listener.onClosed();
                    }
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "the listener of session " + s.id + " threw", e);
                }
            }
            core.delivered(events.length);
            s.delivering = false;
            events = null;
            if (s.pendingEvents > 0) {
                // Events came while delivering; whoever queued them may have seen us still delivering.
                s.lock();
                try {
                    events = s.claimEvents();
                } finally {
                    s.unlock();
                }
            }
        }
    }

    /** No concurrency limiter: only {@code maxConcurrent} bounds calls in flight. */
    private static final class Unbounded implements ConcurrencyLimiter {
        static final Unbounded INSTANCE = new Unbounded();

        @Override
        public long tryAcquire() {
            return 0;
        }

        @Override
        public boolean release(long permit, Outcome outcome) {
            return permit == 0;
        }

        @Override
        public int limit() {
            return Integer.MAX_VALUE;
        }

        @Override
        public int inFlight() {
            return 0;
        }
    }

    // ---------------------------------------------------------------- builder

    /**
     * Builds a {@link FairScheduler}. {@link #provider}, {@link #rateLimiter} and {@link #threadFactory}
     * are required; everything else has a default. The scheduler starts its dispatcher thread when
     * built.
     */
    public static final class Builder {
        private TranslationProvider provider;
        private RateLimiter rateLimiter;
        private ConcurrencyLimiter concurrencyLimiter;
        private ThreadFactory threadFactory;
        private Executor executor;
        private NanoClock clock = NanoClock.SYSTEM;
        private Clock wallClock = Clock.systemUTC();
        private OpenTelemetry openTelemetry = OpenTelemetry.noop();
        private int maxConcurrent = 4;
        private Duration minRequestInterval = Duration.ZERO;
        private int maxQueuedFinalsPerSession = 32;
        private int maxFinalsInFlightPerSession = 1;
        private Duration partialStaleAfter = Duration.ofSeconds(2);
        private int quantumTokens = 1000;
        private int finalMaxAttempts = 5;
        private Duration retryInitialBackoff = Duration.ofMillis(250);
        private Duration retryMaxBackoff = Duration.ofSeconds(8);
        private Duration finalRetryDeadline = Duration.ofSeconds(60);
        private Duration maxRetryAfter = Duration.ofSeconds(60);
        private boolean deduplicate = true;
        private boolean manualDispatch;
        private System.Logger permanentFailureLogger = LOG;

        private Builder() {
        }

        /**
         * The provider that translates (required). Its {@code estimateTokens} fills each request's
         * token estimate.
         *
         * @param value the provider
         * @return this builder
         */
        public Builder provider(TranslationProvider value) {
            provider = Objects.requireNonNull(value, "provider");
            return this;
        }

        /**
         * The requests- and tokens-per-minute limiter (required), asked once per provider call. Its
         * fair-share policy is the "fair share off" rollback knob.
         *
         * @param value the limiter
         * @return this builder
         */
        public Builder rateLimiter(RateLimiter value) {
            rateLimiter = Objects.requireNonNull(value, "rateLimiter");
            return this;
        }

        /**
         * The limiter of calls in flight (default: none, only {@link #maxConcurrent} bounds them).
         *
         * @param value the limiter
         * @return this builder
         */
        public Builder concurrencyLimiter(ConcurrencyLimiter value) {
            concurrencyLimiter = Objects.requireNonNull(value, "concurrencyLimiter");
            return this;
        }

        /**
         * Where the dispatcher thread and, unless {@link #executor} is set, one worker thread per
         * provider call come from (required; for example {@code Thread.ofVirtual().name("fairway-", 0).factory()}).
         * The library starts no pool of its own.
         *
         * @param value the application's thread factory
         * @return this builder
         */
        public Builder threadFactory(ThreadFactory value) {
            threadFactory = Objects.requireNonNull(value, "threadFactory");
            return this;
        }

        /**
         * Runs provider calls (default: a new thread of {@link #threadFactory} per call). A call blocks
         * for the provider's latency, so the executor should be virtual-thread based.
         *
         * @param value the application's executor
         * @return this builder
         */
        public Builder executor(Executor value) {
            executor = Objects.requireNonNull(value, "executor");
            return this;
        }

        /**
         * The monotonic clock for waits, staleness and latency (default {@link NanoClock#SYSTEM}).
         *
         * @param value the clock
         * @return this builder
         */
        public Builder clock(NanoClock value) {
            clock = Objects.requireNonNull(value, "clock");
            return this;
        }

        /**
         * The wall clock that status' {@code lastRequestTime} is told in (default UTC system clock).
         *
         * @param value the clock
         * @return this builder
         */
        public Builder wallClock(Clock value) {
            wallClock = Objects.requireNonNull(value, "wallClock");
            return this;
        }

        /**
         * Where spans go (default {@link OpenTelemetry#noop()}).
         *
         * @param value the application's OpenTelemetry
         * @return this builder
         */
        public Builder openTelemetry(OpenTelemetry value) {
            openTelemetry = Objects.requireNonNull(value, "openTelemetry");
            return this;
        }

        /**
         * The most provider calls in flight at once (default 4, the original's value); 1 is the
         * original's sequential rollback mode. The concurrency limiter may hold it lower.
         *
         * @param value {@link #MIN_CONCURRENT} to {@link #MAX_CONCURRENT} (1 to 65,536)
         * @return this builder
         */
        public Builder maxConcurrent(int value) {
            maxConcurrent = range("maxConcurrent", value, MIN_CONCURRENT, MAX_CONCURRENT);
            return this;
        }

        /**
         * The least time between two provider calls (default 0: none). The original's 50 ms capped
         * dispatch at 20 calls a second, a quarter of its own budget; the rate limiter's sliding window
         * already paces calls to the limit, so Fairway needs none.
         *
         * @param value {@link #MIN_MIN_REQUEST_INTERVAL} to {@link #MAX_MIN_REQUEST_INTERVAL} (0 to 1 minute)
         * @return this builder
         */
        public Builder minRequestInterval(Duration value) {
            minRequestInterval = duration("minRequestInterval", value, MIN_MIN_REQUEST_INTERVAL,
                    MAX_MIN_REQUEST_INTERVAL);
            return this;
        }

        /**
         * The most finals a session may have accepted and not yet delivered or reported (default 32);
         * a final beyond it is refused with {@code BACKPRESSURE}.
         *
         * @param value {@link #MIN_QUEUED_FINALS_PER_SESSION} to {@link #MAX_QUEUED_FINALS_PER_SESSION} (1 to 100,000)
         * @return this builder
         */
        public Builder maxQueuedFinalsPerSession(int value) {
            maxQueuedFinalsPerSession = range("maxQueuedFinalsPerSession", value, MIN_QUEUED_FINALS_PER_SESSION,
                    MAX_QUEUED_FINALS_PER_SESSION);
            return this;
        }

        /**
         * The most finals of one session translated at once (default 1: a session's finals go one after
         * the other, so a session holds at most one final and one partial call). Results are delivered
         * in order whatever the value.
         *
         * @param value 1 to 64
         * @return this builder
         */
        public Builder maxFinalsInFlightPerSession(int value) {
            maxFinalsInFlightPerSession = range("maxFinalsInFlightPerSession", value, 1, 64);
            return this;
        }

        /**
         * How long a partial may wait for its turn before it is dropped as stale (default 2 s; 0 = never).
         *
         * @param value {@link #MIN_PARTIAL_STALE_AFTER} to {@link #MAX_PARTIAL_STALE_AFTER} (0 to 1 hour)
         * @return this builder
         */
        public Builder partialStaleAfter(Duration value) {
            partialStaleAfter = duration("partialStaleAfter", value, MIN_PARTIAL_STALE_AFTER, MAX_PARTIAL_STALE_AFTER);
            return this;
        }

        /**
         * Estimated tokens a session of weight 1 earns per round of the deficit round robin (default 1000).
         * Requests larger than this wait several rounds, so sessions share tokens, not just requests.
         *
         * @param value 1 to 10,000,000
         * @return this builder
         */
        public Builder quantumTokens(int value) {
            quantumTokens = range("quantumTokens", value, 1, 10_000_000);
            return this;
        }

        /**
         * The most provider attempts for one final (default 5), the first included.
         *
         * @param value {@link #MIN_FINAL_ATTEMPTS} to {@link #MAX_FINAL_ATTEMPTS} (1 to 100)
         * @return this builder
         */
        public Builder finalMaxAttempts(int value) {
            finalMaxAttempts = range("finalMaxAttempts", value, MIN_FINAL_ATTEMPTS, MAX_FINAL_ATTEMPTS);
            return this;
        }

        /**
         * The backoff before a final's retry: {@code initial}, doubled each attempt, at most {@code max},
         * and never shorter than the provider's {@code Retry-After} (default 250 ms, 8 s).
         *
         * @param initial the first backoff, 0 to 1 minute
         * @param max the longest backoff, {@code initial} to 10 minutes
         * @return this builder
         */
        public Builder retryBackoff(Duration initial, Duration max) {
            Duration i = duration("retryBackoff initial", initial, Duration.ZERO, Duration.ofMinutes(1));
            Duration m = duration("retryBackoff max", max, i, Duration.ofMinutes(10));
            retryInitialBackoff = i;
            retryMaxBackoff = m;
            return this;
        }

        /**
         * How long after its acceptance a final may still be retried (default 60 s); a retry that would
         * start later is not made and the final is reported as {@code RETRIES_EXHAUSTED}.
         *
         * @param value {@link #MIN_FINAL_RETRY_DEADLINE} to {@link #MAX_FINAL_RETRY_DEADLINE} (0 to 1 hour)
         * @return this builder
         */
        public Builder finalRetryDeadline(Duration value) {
            finalRetryDeadline = duration("finalRetryDeadline", value, MIN_FINAL_RETRY_DEADLINE,
                    MAX_FINAL_RETRY_DEADLINE);
            return this;
        }

        /**
         * The longest a final's retry waits because a provider's {@code Retry-After} said so (default
         * 60 s, as the official OpenAI and Anthropic SDKs cap it, and as the rate limiter caps its pause).
         *
         * @param value {@link #MIN_MAX_RETRY_AFTER} to {@link #MAX_MAX_RETRY_AFTER} (1 ms to 1 hour)
         * @return this builder
         */
        public Builder maxRetryAfter(Duration value) {
            maxRetryAfter = duration("maxRetryAfter", value, MIN_MAX_RETRY_AFTER, MAX_MAX_RETRY_AFTER);
            return this;
        }

        /**
         * Whether identical requests in flight share one provider call (default true).
         *
         * @param value on or off
         * @return this builder
         */
        public Builder deduplicate(boolean value) {
            deduplicate = value;
            return this;
        }

        /** Tests: start no dispatcher thread; the test calls {@link FairScheduler#pump()}. */
        Builder manualDispatch() {
            manualDispatch = true;
            return this;
        }

        /** Tests: where the lines about permanent provider failures go (this class's logger by default). */
        Builder permanentFailureLogger(System.Logger logger) {
            permanentFailureLogger = Objects.requireNonNull(logger, "logger");
            return this;
        }

        /**
         * Builds the scheduler and starts its dispatcher thread.
         *
         * @return the scheduler
         * @throws IllegalStateException when a required part is missing
         */
        public FairScheduler build() {
            if (provider == null) {
                throw new IllegalStateException("provider is required");
            }
            if (rateLimiter == null) {
                throw new IllegalStateException("rateLimiter is required");
            }
            if (threadFactory == null && !(manualDispatch && executor != null)) {
                throw new IllegalStateException("threadFactory is required: the library starts no threads of its"
                        + " own; pass for example Thread.ofVirtual().factory()");
            }
            return new FairScheduler(this);
        }

        private static int range(String field, int value, int min, int max) {
            if (value < min || value > max) {
                throw new IllegalArgumentException(field + " must be " + min + " to " + max + ", was " + value);
            }
            return value;
        }

        private static Duration duration(String field, Duration value, Duration min, Duration max) {
            if (value == null || value.compareTo(min) < 0 || value.compareTo(max) > 0) {
                throw new IllegalArgumentException(field + " must be " + min + " to " + max + ", was " + value);
            }
            return value;
        }
    }
}
