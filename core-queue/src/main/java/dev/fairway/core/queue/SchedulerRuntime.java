package dev.fairway.core.queue;

import dev.fairway.api.FinishReason;
import dev.fairway.api.NanoClock;
import dev.fairway.api.PermanentProviderException;
import dev.fairway.api.SegmentKind;
import dev.fairway.api.SessionId;
import dev.fairway.api.SessionListener;
import dev.fairway.api.SessionOptions;
import dev.fairway.api.SubmitOutcome;
import dev.fairway.api.TransientProviderException;
import dev.fairway.api.TranslationRequest;
import dev.fairway.api.TranslationResult;
import dev.fairway.api.limit.RateLimiter;
import dev.fairway.api.spi.BatchOutcome;
import dev.fairway.api.spi.TranslationProvider;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.function.BooleanSupplier;

import static dev.fairway.core.queue.FairScheduler.LOG;

/**
 * The scheduler's threads around its {@link SegmentLifecycle}: the submitter's thread (which makes
 * the segment, and runs a dispatch pass when a call slot may be free), the workers that run provider
 * calls on the application's executor (each, when its call returns, runs the next pass and then the
 * next call on its own thread), and the dispatcher thread, which only waits for deadlines (a limiter
 * wait, a retry backoff, pacing). Also the provider's side of a call: token estimates, the provider
 * span, the permanent-failure log. It reaches the lifecycle only through its methods.
 */
final class SchedulerRuntime {

    private final SegmentLifecycle lifecycle;
    private final TranslationProvider provider;
    private final RateLimiter rateLimiter;
    private final NanoClock clock;
    private final Clock wallClock;
    private final Executor executor;
    private final Tracing tracing;
    private final boolean inlineDispatch;
    private final boolean deduplicate;
    private final String providerName;
    private final String providerModel;
    private final PermanentFailureLog permanentFailures;
    private final Thread dispatcher;

    /**
     * @param threadFactory the dispatcher thread's factory, or null for manual dispatch (tests pump)
     */
    SchedulerRuntime(Settings settings, TranslationProvider provider, RateLimiter rateLimiter,
            dev.fairway.api.limit.ConcurrencyLimiter concurrencyLimiter, NanoClock clock, Clock wallClock,
            Executor executor, Tracing tracing, PermanentFailureLog permanentFailures, ThreadFactory threadFactory) {
        this.provider = provider;
        this.rateLimiter = rateLimiter;
        this.clock = clock;
        this.wallClock = wallClock;
        this.executor = executor;
        this.tracing = tracing;
        this.permanentFailures = permanentFailures;
        this.deduplicate = settings.deduplicate();
        this.providerName = provider.name();
        this.providerModel = provider.model();
        this.inlineDispatch = threadFactory != null;
        this.lifecycle = new SegmentLifecycle(settings, rateLimiter, concurrencyLimiter, tracing, inlineDispatch,
                this::run);
        if (threadFactory == null) {
            this.dispatcher = null;
        } else {
            this.dispatcher = threadFactory.newThread(this::dispatchLoop);
            if (dispatcher == null) {
                throw new IllegalStateException("the thread factory refused to make the dispatcher thread");
            }
            dispatcher.start();
        }
    }

    // ---------------------------------------------------------------- sessions

    SessionQueue open(SessionId id, SessionOptions options, SessionListener listener) {
        SessionQueue s = new SessionQueue(this, id, options, listener, tracing.sessionContext());
        lifecycle.open(s);
        rateLimiter.openSession(id, options.weight());
        return s;
    }

    /** Makes the segment (its estimates, request and span) and hands it to the lifecycle. */
    SubmitOutcome submit(SessionQueue s, SegmentKind kind, long sequence, String text) {
        if (kind == null) {
            throw new IllegalArgumentException("kind must not be null");
        }
        if (text == null) {
            throw new IllegalArgumentException("text must not be null");
        }
        int estimate = estimate(kind, text);
        TranslationRequest request = new TranslationRequest(s.id, kind, sequence, text,
                s.options.sourceLanguage(), s.options.targetLanguage(), estimate);
        long acceptedAt = clock.nanoTime();
        long acceptedAtEpoch = tracing.wallNanos();
        Span span = tracing.startSegment(request, s.openedIn, acceptedAtEpoch);
        DedupKey key = deduplicate ? DedupKey.of(providerName, providerModel, request) : null;
        Segment segment = new Segment(s, request, outputEstimate(kind, text, estimate), acceptedAt, acceptedAtEpoch,
                span, Tracing.contextOf(span), key);
        Deliveries out = new Deliveries();
        SegmentLifecycle.Submitted submitted = lifecycle.submit(segment, out);
        SubmitOutcome outcome = submitted.outcome();
        if (!outcome.accepted()) {
            Tracing.refused(segment, outcome.status());
            return outcome;
        }
        if (inlineDispatch && (submitted.joinable() || lifecycle.slotMayBeFree())) {
            // A call slot is free (or the segment can join a call in flight): dispatch now, on this thread.
            Dispatch pass = Dispatch.empty();
            lifecycle.dispatch(segment.acceptedAt, pass, out);
            launchAll(pass);
        }
        lifecycle.deliver(out);
        return outcome;
    }

    private int estimate(SegmentKind kind, String text) {
        try {
            return Math.max(1, provider.estimateTokens(kind, text));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "provider " + provider.name()
                    + " failed to estimate tokens; using 1 token per character", e);
            return Math.max(1, text.length());
        }
    }

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

    void closeSession(SessionQueue s) {
        Deliveries out = new Deliveries();
        lifecycle.closeSession(s, clock.nanoTime(), out);
        lifecycle.deliver(out);
    }

    // ---------------------------------------------------------------- the scheduler

    void shutdown() {
        lifecycle.shutdown();
    }

    boolean awaitTermination(long nanos) throws InterruptedException {
        return lifecycle.awaitTermination(nanos);
    }

    void close() {
        Deliveries out = new Deliveries();
        lifecycle.closeAll(clock.nanoTime(), out);
        lifecycle.deliver(out);
    }

    SchedulerStatus status() {
        return lifecycle.status(wallClock, clock.nanoTime());
    }

    // ---------------------------------------------------------------- the dispatcher thread

    private void dispatchLoop() {
        Deliveries out = new Deliveries();
        BooleanSupplier done = lifecycle::dispatcherDone;
        try {
            do {
                if (lifecycle.dispatcherDone()) {
                    return;
                }
                long now = clock.nanoTime();
                lifecycle.takeWake(now);
                Dispatch pass = Dispatch.empty();
                lifecycle.dispatch(now, pass, out);
                launchAll(pass);
                lifecycle.deliver(out);
            } while (lifecycle.awaitNextDeadline(clock, done));
        } catch (InterruptedException e) {
            LOG.log(System.Logger.Level.WARNING, "the dispatcher thread was interrupted: dispatching stops;"
                    + " close() the scheduler to report the finals left");
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Runs one dispatch pass now and launches what it dispatched (for tests built with manual
     * dispatch, which start no dispatcher thread).
     *
     * @return the provider calls launched
     */
    int pump() {
        Dispatch pass = Dispatch.empty();
        Deliveries out = new Deliveries();
        long now = clock.nanoTime();
        lifecycle.takeWake(SessionRing.NEVER); // any wake asked for: this pass is it
        lifecycle.dispatchOrThrow(now, pass, out);
        int launched = pass.size();
        launchAll(pass);
        lifecycle.deliver(out);
        return launched;
    }

    /** When the last manual {@link #pump()} asked to be called again, or {@link SessionRing#NEVER}. */
    long nextWakeAt() {
        return lifecycle.nextDeadline();
    }

    // ---------------------------------------------------------------- workers

    private void launchAll(Dispatch pass) {
        Call call;
        while ((call = pass.takeFirst()) != null) {
            try {
                executor.execute(call);
            } catch (RejectedExecutionException e) {
                LOG.log(System.Logger.Level.WARNING, "the worker executor rejected a provider call", e);
                // Its segments are retried (finals) or reported (partials); dispatch nothing more from here.
                TransientProviderException rejected = new TransientProviderException(
                        "the worker executor rejected the call", e);
                if (call.items != null) {
                    finishBatch(call, new boolean[call.items.length], rejected);
                }
                completeCall(call, null, rejected, false, Next.NONE);
            }
        }
    }

    /**
     * The body of {@link Call#run()} on a worker thread: runs the call, then, while dispatching finds
     * more, the next call on the same thread (no new thread, no hand-off while the scheduler is busy).
     */
    private void run(Call first) {
        Call call = first;
        while (call != null) {
            call = runOne(call);
        }
    }

    /** Runs one provider call; returns the next call for this thread, or null. */
    private Call runOne(Call call) {
        if (call.items != null) {
            return runBatch(call);
        }
        call.thread = Thread.currentThread();
        if (call.cancelled) {
            // Superseded or closed before it started: it never reached the provider.
            return completeCall(call, null, null, false, Next.RUN_HERE);
        }
        TranslationResult result = null;
        Throwable error = null;
        Span span = tracing.startProvider(call, providerName, providerModel, traceTime());
        Context context = span.isRecording() ? call.leader.context.with(span) : call.leader.context;
        try (Scope ignored = context.makeCurrent()) {
            result = provider.translate(call.request);
            if (result == null) {
                error = new IllegalStateException("provider " + provider.name() + " returned no result");
            }
        } catch (InterruptedException | RuntimeException e) {
            error = e;
        } catch (Error e) {
            completeCall(call, null, e, true, Next.LAUNCH);
            throw e;
        } finally {
            if (result != null) {
                Tracing.providerResult(span, result);
            }
            if (call.cancelled) {
                // Every segment waiting for it left and we interrupted it: whatever it ended with is ours.
                Tracing.providerCancelled(span);
            } else if (error != null) {
                Tracing.providerError(span, error);
            }
            Tracing.endProvider(span, call, traceTime());
        }
        return completeCall(call, result, error, true, Next.RUN_HERE);
    }

    /**
     * Runs a batch call: each rider completes (and its segments are delivered) as soon as its part of the answer
     * is in; riders the answer left out go back to their queues to be sent alone; then the carrier completes,
     * which accounts the call and frees its slot. A batch of one is a plain call of the provider.
     */
    private Call runBatch(Call carrier) {
        carrier.thread = Thread.currentThread();
        Call[] items = carrier.items;
        int n = items.length;
        boolean[] done = new boolean[n];
        Throwable error = null;
        BatchOutcome outcome = null;
        Span span = tracing.startBatch(carrier, providerName, providerModel, traceTime());
        List<FinishReason> reasons = span.isRecording() ? new ArrayList<>(n) : null;
        Context context = span.isRecording() ? carrier.leader.context.with(span) : carrier.leader.context;
        try (Scope ignored = context.makeCurrent()) {
            if (n == 1) {
                TranslationResult result = provider.translate(items[0].request);
                if (result == null) {
                    error = new IllegalStateException("provider " + provider.name() + " returned no result");
                } else {
                    done[0] = true;
                    carrier.itemTokens[0] = tokensOf(result, items[0]);
                    carrier.batchFeedback = result.rateLimit();
                    Tracing.providerResult(span, result);
                    completeCall(items[0], result, null, true, Next.NONE);
                }
            } else {
                List<TranslationRequest> requests = new ArrayList<>(n);
                for (Call c : items) {
                    requests.add(c.request);
                }
                outcome = provider.translateBatch(requests, (i, result) -> {
                    // The provider's checker validated the ids; a second or out-of-range answer is ignored.
                    if (i < 0 || i >= n || result == null || done[i]) {
                        return;
                    }
                    done[i] = true;
                    carrier.itemTokens[i] = tokensOf(result, items[i]);
                    if (reasons != null) {
                        reasons.add(result.finishReason());
                    }
                    completeCall(items[i], result, null, true, Next.NONE);
                });
                if (outcome == null) {
                    error = new IllegalStateException("provider " + provider.name() + " returned no batch outcome");
                } else {
                    carrier.batchFeedback = outcome.rateLimit();
                }
            }
        } catch (InterruptedException | RuntimeException e) {
            error = e;
        } catch (Error e) {
            finishBatch(carrier, done, e);
            completeCall(carrier, null, e, true, Next.LAUNCH);
            throw e;
        } finally {
            if (span.isRecording() && n > 1) {
                int answered = 0;
                for (boolean d : done) {
                    answered += d ? 1 : 0;
                }
                Tracing.batchResult(span, outcome == null ? null : outcome.usage(),
                        outcome == null ? "" : outcome.model(), outcome == null ? null : outcome.rateLimit(), reasons,
                        answered, outcome == null ? List.of() : outcome.problems());
            }
            if (error != null) {
                Tracing.providerError(span, error);
            }
            Tracing.endProvider(span, carrier, traceTime());
        }
        Throwable missing = error;
        if (missing == null) {
            String why = outcome == null || outcome.problems().isEmpty() ? "the batch's answer left it out"
                    : "the batch's answer left it out: " + String.join("; ", outcome.problems());
            missing = new BatchAnswerMissing(why);
        } else if (error instanceof PermanentProviderException permanent) {
            // A batch the provider cannot take (a server without structured output, say) is no reason to fail its
            // finals: each goes again on its own; after a few such calls in a row batching stops.
            missing = new BatchAnswerMissing("the batch call failed (" + permanent.getMessage() + ")");
            lifecycle.batchRefused(permanent);
        }
        finishBatch(carrier, done, missing);
        if (error == null && outcome != null) {
            lifecycle.batchAnswered();
            spread(carrier.itemTokens, outcome.usage().totalTokens());
        }
        return completeCall(carrier, null, error, true, Next.RUN_HERE);
    }

    /**
     * Scales the riders' tokens to the call's reported total (a provider that streams hands each segment an
     * estimated share and reports the call's usage only at the end), keeping their proportions.
     */
    static void spread(int[] tokens, int total) {
        long sum = 0;
        for (int t : tokens) {
            sum += t;
        }
        if (total <= 0 || sum == 0 || sum == total) {
            return;
        }
        long given = 0;
        for (int i = 0; i < tokens.length - 1; i++) {
            tokens[i] = (int) (tokens[i] * (long) total / sum);
            given += tokens[i];
        }
        tokens[tokens.length - 1] = (int) Math.max(0, total - given);
    }

    /** The scheduler's clock for a span's timestamp; not read when nothing is traced. */
    private long traceTime() {
        return tracing.isNoop() ? 0 : clock.nanoTime();
    }

    /** Completes the riders the answer did not give, with the whole call's error or as left out. */
    private void finishBatch(Call carrier, boolean[] done, Throwable error) {
        Call[] items = carrier.items;
        for (int i = 0; i < items.length; i++) {
            if (!done[i]) {
                done[i] = true;
                // Tokens the provider spent on a segment it did not answer validly: its estimate.
                carrier.itemTokens[i] = error instanceof BatchAnswerMissing ? items[i].leader.cost() : 0;
                completeCall(items[i], null, error, true, Next.NONE);
            }
        }
    }

    private static int tokensOf(TranslationResult result, Call item) {
        int t = result.usage().totalTokens();
        return t > 0 ? t : item.leader.cost();
    }

    /** What a completed call's thread does next. */
    private enum Next {
        /** Dispatch, and run the first call dispatched on this thread. */
        RUN_HERE,
        /** Dispatch, and launch every call dispatched on the executor. */
        LAUNCH,
        /** Nothing: the thread is not a worker (the executor rejected the call). */
        NONE
    }

    /**
     * Hands a returned call to the lifecycle (which dispatches what the freed capacity allows into
     * this worker's next pass), launches that, and delivers.
     *
     * @param next what this thread does afterwards; anything but {@link Next#NONE} means this thread
     *     is the call's worker, which our cancel may have interrupted
     * @return a call for this worker to run next ({@link Next#RUN_HERE} only), or null
     */
    private Call completeCall(Call call, TranslationResult result, Throwable error, boolean reachedProvider,
            Next next) {
        if (error instanceof PermanentProviderException permanent) {
            // Sessions hear of it as a failed segment; the operator hears of it here, once a minute per cause.
            permanentFailures.record(providerName, permanent);
        }
        boolean worker = next != Next.NONE;
        Dispatch pass = worker ? Dispatch.empty() : null;
        Deliveries out = new Deliveries();
        boolean cancelled = lifecycle.complete(call, result, error, reachedProvider, clock.nanoTime(), pass, out);
        // An interrupt that was not our cancel came from the application: keep it, run nothing more here.
        boolean interruptedByApp = worker && !cancelled && error instanceof InterruptedException;
        if (worker && cancelled) {
            // Our cancel may have interrupted this thread; it must not leak into the next call.
            Thread.interrupted();
        }
        Call kept = null;
        if (pass != null) {
            if (next == Next.RUN_HERE && !interruptedByApp) {
                kept = pass.takeFirst();
            }
            launchAll(pass);
        }
        lifecycle.deliver(out);
        if (interruptedByApp) {
            Thread.currentThread().interrupt();
        }
        return kept;
    }
}
