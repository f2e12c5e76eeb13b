package dev.fairway.core.queue;

import dev.fairway.api.FailureReason;
import dev.fairway.api.NanoClock;
import dev.fairway.api.PermanentProviderException;
import dev.fairway.api.SegmentFailure;
import dev.fairway.api.SessionId;
import dev.fairway.api.SubmitOutcome;
import dev.fairway.api.TranslationResult;
import dev.fairway.api.limit.ConcurrencyLimiter;
import dev.fairway.api.limit.Permits;
import dev.fairway.api.limit.RateLimiter;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * The owner of a segment's lifecycle: {@link #submit} takes it in, {@link #dispatch} sends it to the
 * provider through the limiters, {@link #complete} takes its call's outcome, {@link #deliver} hands
 * that to the session's listener. Also sessions' {@link #open}, {@link #closeSession close},
 * {@link #closeAll}, {@link #shutdown} and {@link #status}. It owns no thread: the runtime
 * ({@link SchedulerRuntime}) calls these from submitters, workers and its dispatcher thread, or a test
 * by hand, and runs the calls that a dispatch returns.
 *
 * <p><b>Locking.</b> Each session's own lock ({@link SessionQueue#lock()}) guards everything about
 * that session and its segments; submits, the session's turn in a dispatch pass and the handling of
 * its calls' outcomes take it, one session at a time. What sessions share needs no lock on a
 * segment's way: the ring of sessions with work is lock-free ({@link SessionRing}), so are the call
 * slots and the deduplication table ({@link InFlightCalls}) and the counters. The ring's small lock
 * guards only timers, pacing and the dispatcher's wake-up. So passes on different sessions run in
 * parallel. Listener events and the ends of spans are collected in the operation's
 * {@link Deliveries} and handed over outside every lock.
 */
final class SegmentLifecycle {

    private static final SubmitOutcome CLOSED_OUTCOME =
            SubmitOutcome.refused(SubmitOutcome.Status.CLOSED, "the session or the scheduler is closed");

    /** The result of {@link #submit}: the outcome, and whether the segment could join a call in flight now. */
    record Submitted(SubmitOutcome outcome, boolean joinable) {
    }

    private static final Submitted CLOSED = new Submitted(CLOSED_OUTCOME, false);
    private static final Submitted ACCEPTED = new Submitted(SubmitOutcome.ACCEPTED, false);
    private static final Submitted ACCEPTED_JOINABLE = new Submitted(SubmitOutcome.ACCEPTED, true);

    private final Settings settings;
    private final RateLimiter rateLimiter;
    private final ConcurrencyLimiter concurrencyLimiter;
    private final Tracing tracing;
    /**
     * Finishing workers run the next pass themselves (the runtime's inline dispatch), keeping their
     * call slot for it. Off when tests pump by hand.
     */
    private final boolean inlineDispatch;

    private final SchedulerCounters counters = new SchedulerCounters();
    private final SessionRing ring;
    private final InFlightCalls calls;
    private final SchedulerLifetime lifetime;
    private final Outcomes outcomes;
    private final SessionTurn turn;
    private final CallAccounting accounting;
    private final BatchPool batches;
    private final Call.Runner runner;

    SegmentLifecycle(Settings settings, RateLimiter rateLimiter, ConcurrencyLimiter concurrencyLimiter,
            Tracing tracing, boolean inlineDispatch, Call.Runner runner) {
        this.settings = settings;
        this.rateLimiter = rateLimiter;
        this.concurrencyLimiter = concurrencyLimiter;
        this.tracing = tracing;
        this.inlineDispatch = inlineDispatch;
        this.ring = new SessionRing(settings);
        this.calls = new InFlightCalls(settings.maxConcurrent(), counters.deduplicated);
        this.lifetime = new SchedulerLifetime(ring, calls);
        this.outcomes = new Outcomes(settings, counters, lifetime, ring, calls, rateLimiter, tracing);
        this.batches = new BatchPool(settings.batching(), settings.batchMaxSegments(), settings.batchMaxTokens());
        this.runner = runner;
        this.turn = new SessionTurn(settings, ring, calls, outcomes, counters, rateLimiter, concurrencyLimiter,
                runner, batches);
        this.accounting = new CallAccounting(rateLimiter, concurrencyLimiter, counters);
    }

    // ---------------------------------------------------------------- sessions

    /** Registers a new session; throws when the id is taken or the scheduler is shut down. */
    void open(SessionQueue s) {
        lifetime.open(s);
    }

    /** Closes one session: drops its partials, keeps its finals going. Idempotent. */
    void closeSession(SessionQueue s, long now, Deliveries out) {
        s.lock();
        try {
            if (s.closed) {
                return;
            }
            s.closed = true;
            outcomes.cancelPartials(s, now, out);
            if (!batches.isEmpty()) {
                ring.wakeBy(now); // a partial it abandoned in the batch pool gives its place back at the next pass
            }
            outcomes.closeInLimiter(s.id);
            outcomes.retireIfDrained(s);
            out.add(s.claimEvents());
        } finally {
            s.unlock();
        }
        lifetime.closed(1);
    }

    // ---------------------------------------------------------------- 1. submit

    /**
     * Validates a segment (closed, sequence, back-pressure) and takes it in under its session's lock:
     * supersession, the queue of finals, the session's place in the ring.
     */
    Submitted submit(Segment segment, Deliveries out) {
        SessionQueue s = segment.session;
        boolean joinable;
        s.lock();
        try {
            if (lifetime.isShutdown() || s.closed) {
                return CLOSED;
            }
            long seq = segment.sequence();
            if (seq <= s.lastSubmitted) {
                return new Submitted(SubmitOutcome.refused(SubmitOutcome.Status.OUT_OF_ORDER, "sequence " + seq
                        + " must be greater than " + s.lastSubmitted + ", the last one session " + s.id
                        + " submitted"), false);
            }
            if (segment.isFinal()) {
                int unresolved = s.unresolvedFinals();
                if (unresolved >= settings.maxQueuedFinalsPerSession()) {
                    return new Submitted(SubmitOutcome.refused(SubmitOutcome.Status.BACKPRESSURE, "session " + s.id
                            + " has " + unresolved + " finals not yet translated, the most it may have; send final "
                            + seq + " again after the next translation arrives"), false);
                }
            }
            s.lastSubmitted = seq;
            joinable = accept(s, segment, out);
            out.add(s.claimEvents());
        } finally {
            s.unlock();
        }
        return joinable ? ACCEPTED_JOINABLE : ACCEPTED;
    }

    /** The session's part of accepting a segment. Returns whether it could join a call in flight now. */
    private boolean accept(SessionQueue s, Segment segment, Deliveries out) {
        long now = segment.acceptedAt;
        s.requestCount++;
        s.lastRequestAt = now;
        lifetime.segmentAccepted();
        if (!segment.isFinal()) {
            if (s.pendingPartial != null) {
                outcomes.supersede(s.pendingPartial, now, out);
            }
            s.pendingPartial = segment;
        } else {
            // A final supersedes every partial of its session: pending, in flight, translated and held.
            if (s.pendingPartial != null) {
                outcomes.supersede(s.pendingPartial, now, out);
                s.pendingPartial = null;
            }
            Segment running = s.partialInFlight;
            if (running != null && running.state == Segment.IN_FLIGHT) {
                outcomes.supersede(running, now, out);
                calls.detach(running);
                if (!batches.isEmpty()) {
                    ring.wakeBy(now);
                }
            }
            if (s.heldPartial != null) {
                outcomes.supersede(s.heldPartial, now, out);
                s.heldPartial = null;
            }
            s.finals().addLast(segment);
        }
        return ring.reschedule(s, now) && calls.joinable(segment.key);
    }

    /** Whether a submit should run a pass now: a call slot may be free (a racy read). */
    boolean slotMayBeFree() {
        return calls.slotMayBeFree();
    }

    // ---------------------------------------------------------------- 2. dispatch

    /**
     * Dispatches what may be dispatched now into {@code pass}, for the caller to run. A failure (a bug)
     * is logged and the pass retried shortly instead of reaching the submitter, the worker or the
     * dispatcher thread that ran it.
     */
    void dispatch(long now, Dispatch pass, Deliveries out) {
        try {
            dispatchOrThrow(now, pass, out);
        } catch (RuntimeException e) {
            FairScheduler.LOG.log(System.Logger.Level.ERROR, "a dispatch pass failed; trying again shortly", e);
            ring.wakeBy(now + SessionTurn.LIMITER_ERROR_WAIT_NANOS);
        }
    }

    /**
     * {@link #dispatch} that lets a failure through (a test's pump). Uses first what {@code pass} holds:
     * a call slot and a concurrency permit that a finishing worker kept, so that the slot a completion
     * freed goes to that worker's next call and a submit meanwhile sees every slot taken; what the pass
     * does not use goes back.
     */
    void dispatchOrThrow(long now, Dispatch pass, Deliveries out) {
        try {
            for (;;) {
                // Batches first: when the pool holds segments the limit binds, and a batch carries many.
                sendBatches(now, pass, out);
                boolean waiting = passOverRing(now, pass, out);
                sendBatches(now, pass, out);
                if (pass.heldSlots == 0 || waiting) {
                    return;
                }
                // Give the kept slot back, then look again: a pass that found every slot taken (this
                // one) may have put a session back just after this pass found the ring empty. Of the
                // two, one sees the other (both write, then read, volatile state), so none is left
                // waiting with a free slot and no pass to come.
                calls.releaseSlots(pass.heldSlots);
                pass.heldSlots = 0;
                if (ring.isClosed() || ring.isEmpty() || !calls.slotMayBeFree()) {
                    return;
                }
            }
        } finally {
            if (pass.concurrencyPermit != ConcurrencyLimiter.NO_PERMIT) {
                turn.releaseConcurrency(pass.concurrencyPermit);
                pass.concurrencyPermit = ConcurrencyLimiter.NO_PERMIT;
            }
            if (pass.heldSlots > 0) {
                calls.releaseSlots(pass.heldSlots);
                pass.heldSlots = 0;
            }
        }
    }

    /**
     * Sends what the batch pool holds as batch calls while a call slot, a concurrency permit and a rate permit
     * can be had; a session of the batch pays its request (the most indebted that the rate limiter admits). When
     * the limiter refuses, the pool waits and the dispatcher wakes when it said. Riders whose segments all left
     * give their sessions' places back.
     */
    private void sendBatches(long now, Dispatch pass, Deliveries out) {
        if (batches.isEmpty()) {
            return;
        }
        ArrayList<Call> abandoned = new ArrayList<>(0);
        try {
            while (!batches.isEmpty() && !ring.isClosed()) {
                if (pass.heldSlots > 0) {
                    pass.heldSlots--;
                } else if (!calls.reserveSlot()) {
                    return; // a completion runs the next pass
                }
                if (pass.concurrencyPermit == ConcurrencyLimiter.NO_PERMIT) {
                    pass.concurrencyPermit = turn.tryConcurrency();
                    if (pass.concurrencyPermit == ConcurrencyLimiter.NO_PERMIT) {
                        pass.heldSlots++;
                        ring.wakeBy(now + SessionTurn.CONCURRENCY_RECHECK_NANOS);
                        return;
                    }
                }
                if (settings.minRequestIntervalNanos() > 0 && !ring.paced(now)) {
                    pass.heldSlots++;
                    ring.wakeBy(ring.nextDispatchAt());
                    return;
                }
                Call[] items = batches.take(abandoned);
                if (items.length == 0) {
                    pass.heldSlots++;
                    return;
                }
                if (!sendBatch(items, now, pass)) {
                    batches.putBack(items);
                    pass.heldSlots++;
                    return;
                }
            }
        } finally {
            for (Call c : abandoned) {
                complete(c, null, null, false, now, null, out);
            }
        }
    }

    /** Asks the rate limiter for the batch's permit, its sessions in order of debt; launches it when granted. */
    private boolean sendBatch(Call[] items, long now, Dispatch pass) {
        int tokens = 0;
        int output = 0;
        boolean anyFinal = false;
        for (Call c : items) {
            tokens += c.leader.cost();
            output = output < 0 || c.leader.outputCost < 0 ? -1 : output + c.leader.outputCost;
            anyFinal |= c.leader.isFinal();
        }
        long wait = SessionTurn.MAX_REFUSAL_WAIT_NANOS;
        for (SessionQueue payer : batches.payers(items)) {
            long permit;
            try {
                permit = SessionTurn.acquire(rateLimiter, payer.id, anyFinal, tokens, output);
            } catch (RuntimeException e) {
                FairScheduler.LOG.log(System.Logger.Level.ERROR, "the rate limiter failed a batch's permit", e);
                wait = SessionTurn.LIMITER_ERROR_WAIT_NANOS;
                break;
            }
            if (Permits.isGranted(permit)) {
                batches.booked(items, payer);
                Call carrier = Call.carrier(runner, items, payer.id, permit, pass.concurrencyPermit);
                pass.concurrencyPermit = ConcurrencyLimiter.NO_PERMIT;
                for (Call c : items) {
                    c.launchedAt = now;
                    Tracing.batched(c.leader, items.length, payer == c.leader.session, now);
                }
                counters.providerCalls.increment();
                counters.estimatedTokensUsed.add(tokens);
                counters.batchCalls.increment();
                counters.batchedSegments.add(items.length);
                if (settings.minRequestIntervalNanos() > 0) {
                    ring.dispatchedAt(now);
                }
                pass.add(carrier);
                return true;
            }
            wait = Math.min(wait, Permits.waitNanos(permit));
        }
        ring.wakeBy(now + Math.max(1, wait));
        return false;
    }

    /** Batch calls refused in a row as permanent failures; at {@link #BATCH_REFUSALS_TO_STOP} batching stops. */
    private final AtomicInteger batchRefusals = new AtomicInteger();
    static final int BATCH_REFUSALS_TO_STOP = 3;

    /** A batch call failed permanently (the provider cannot take batches as configured). */
    void batchRefused(PermanentProviderException e) {
        if (batchRefusals.incrementAndGet() == BATCH_REFUSALS_TO_STOP && batches.stop()) {
            FairScheduler.LOG.log(System.Logger.Level.WARNING, BATCH_REFUSALS_TO_STOP + " batch calls in a row failed"
                    + " permanently (" + e.getMessage() + "): batching is off until the scheduler restarts; their"
                    + " segments went again one by one. Turn batching off for this provider in its configuration.");
        }
    }

    /** A batch call was answered: the run of permanent failures is over. */
    void batchAnswered() {
        batchRefusals.set(0);
    }

    /**
     * Takes sessions from the ring and runs their turns until no call can start.
     *
     * @return whether it stopped to wait for time (pacing, a concurrency refusal) or because the
     *     scheduler closed, rather than for an empty ring or a lack of slots
     */
    private boolean passOverRing(long now, Dispatch pass, Deliveries out) {
        for (;;) {
            if (ring.isClosed()) {
                return true;
            }
            ring.promoteDueTimers(now);
            if (pass.heldSlots == 0 && !calls.slotMayBeFree()) {
                SessionQueue head = ring.peek();
                if (head == null || !calls.joinable(head.nextKey)) {
                    // Every slot is taken and the head's next segment is not identical to a call in
                    // flight: a completion runs the next pass.
                    return false;
                }
            }
            SessionQueue s = ring.poll();
            if (s == null) {
                return false;
            }
            s.where = SessionQueue.DISPATCHING;
            int next;
            s.lock();
            try {
                next = turn.run(s, now, pass, out);
                out.add(s.claimEvents());
            } finally {
                s.unlock();
            }
            if (next != SessionTurn.NEXT_SESSION) {
                return next == SessionTurn.WAIT;
            }
        }
    }

    // ---------------------------------------------------------------- 3. complete

    /**
     * A call returned (or was skipped, or never launched): accounts it with the limiters, hands its
     * outcome to every segment waiting for it, each under its session's lock, and, when {@code next}
     * is given and dispatching is inline, runs a dispatch pass into it with the call's slot.
     *
     * @param reachedProvider whether the provider was called (for the rate limiter's refund)
     * @param next the pass this worker runs next, or null (the thread is no worker); unused unless
     *     dispatching is inline
     * @return whether the call had been cancelled (its thread may carry our interrupt)
     */
    boolean complete(Call call, TranslationResult result, Throwable error, boolean reachedProvider, long now,
            Dispatch next, Deliveries out) {
        // A rider holds no permit and no slot: its carrier accounts the batch when the whole call returns.
        boolean rider = call.rider;
        Dispatch pass = null;
        if (!rider) {
            ConcurrencyLimiter.Outcome outcome = call.items != null ? accounting.rateBatch(call, error, reachedProvider)
                    : accounting.rate(call, result, error, reachedProvider);
            // Only with inline dispatch does the worker run a pass with this call's slot and a new permit.
            pass = inlineDispatch ? next : null;
            accounting.concurrency(call, outcome, pass);
        }
        boolean cancelled;
        Segment[] waiters;
        synchronized (call) {
            call.thread = null;
            cancelled = call.cancelled;
            call.completed = true;
            waiters = call.waiterArray();
        }
        calls.unregister(call);
        // A worker that runs a pass next keeps the call's slot for it (see dispatch); else it is freed now.
        boolean keepSlot = pass != null && !ring.isClosed();
        boolean traced = !tracing.isNoop();
        if (!keepSlot && !rider) {
            calls.releaseSlots(1);
        }
        try {
            for (Segment w : waiters) {
                SessionQueue s = w.session;
                s.lock();
                try {
                    if (traced) {
                        Tracing.servedBy(w, call);
                    }
                    s.returned(w);
                    if (w.state == Segment.IN_FLIGHT) {
                        long sentAt = w.dispatchedAt;
                        if (rider && call.launchedAt > sentAt) {
                            // The wait in the batch pool was a wait for the rate limiter.
                            w.limiterNanos += call.launchedAt - sentAt;
                            Tracing.pooled(w, sentAt, call.launchedAt);
                            sentAt = call.launchedAt;
                        }
                        w.providerNanos += Math.max(0, now - sentAt);
                        if (rider) {
                            s.batched++;
                        }
                        outcomes.callReturned(s, w, result, error, now, out);
                    }
                    ring.reschedule(s, now);
                    outcomes.retireIfDrained(s);
                    out.add(s.claimEvents());
                } finally {
                    s.unlock();
                }
            }
        } finally {
            // Even if handling an outcome failed (a bug), the slot and the permit go on or go back.
            if (keepSlot) {
                pass.heldSlots++;
                dispatch(now, pass, out);
            } else if (pass != null && pass.concurrencyPermit != ConcurrencyLimiter.NO_PERMIT) {
                turn.releaseConcurrency(pass.concurrencyPermit);
                pass.concurrencyPermit = ConcurrencyLimiter.NO_PERMIT;
            }
        }
        lifetime.callReturned();
        return cancelled;
    }

    // ---------------------------------------------------------------- 4. deliver

    /**
     * Hands over what an operation collected, outside every lock: first the spans of ended segments
     * (so a segment's span has ended by the time its listener hears of it), then each session's events,
     * and any that came for those sessions meanwhile. Each session's listener is called by one thread
     * at a time: the one that claimed its events.
     */
    void deliver(Deliveries d) {
        ArrayList<Segment> spans = d.spansToEnd();
        if (spans != null && !spans.isEmpty()) {
            for (int i = 0; i < spans.size(); i++) {
                Segment segment = spans.get(i);
                try {
                    tracing.end(segment, segment.endOutcome, segment.endedAt);
                } catch (RuntimeException e) {
                    FairScheduler.LOG.log(System.Logger.Level.WARNING, "ending the span of a segment failed", e);
                }
            }
            lifetime.delivered(spans.size());
        }
        if (d.first() != null) {
            deliver(d.first());
            ArrayList<SessionEvents> more = d.more();
            if (more != null) {
                for (int i = 0; i < more.size(); i++) {
                    deliver(more.get(i));
                }
            }
        }
        d.clear();
    }

    private void deliver(SessionEvents first) {
        SessionQueue s = first.session();
        SessionEvents events = first;
        while (events != null) {
            for (Segment segment : events.outcomes()) {
                try {
                    if (segment.translation != null) {
                        s.listener.onTranslation(segment.translation);
                    } else {
                        s.listener.onFailure(segment.failure);
                    }
                } catch (RuntimeException e) {
                    FairScheduler.LOG.log(System.Logger.Level.WARNING, "the listener of session " + s.id + " threw", e);
                }
            }
            if (events.closes()) {
                try {
                    s.listener.onClosed();
                } catch (RuntimeException e) {
                    FairScheduler.LOG.log(System.Logger.Level.WARNING, "the listener of session " + s.id + " threw", e);
                }
            }
            lifetime.delivered(events.count());
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

    // ---------------------------------------------------------------- the scheduler's end

    /** Refuses new sessions and submits; accepted work goes on. */
    void shutdown() {
        lifetime.shutdown();
    }

    /** Closes everything: unfinished finals are reported as {@link FailureReason#SHUTDOWN}. */
    void closeAll(long now, Deliveries out) {
        lifetime.shutdown();
        if (!ring.close(lifetime.sessions.values())) {
            return;
        }
        int closedNow = 0;
        for (SessionQueue s : new ArrayList<>(lifetime.sessions.values())) {
            s.lock();
            try {
                if (!s.closed) {
                    closedNow++;
                }
                s.closed = true;
                outcomes.cancelPartials(s, now, out);
                if (s.finals != null) {
                    for (Segment f : s.finals) {
                        if (f.state == Segment.RESOLVED) {
                            continue;
                        }
                        if (f.state == Segment.IN_FLIGHT) {
                            calls.detach(f);
                        }
                        f.resolve(new SegmentFailure(f.request, FailureReason.SHUTDOWN,
                                "the scheduler closed before this final was translated"));
                    }
                }
                outcomes.releaseResolved(s, now, out);
                outcomes.retireIfDrained(s);
                out.add(s.claimEvents());
            } finally {
                s.unlock();
            }
        }
        lifetime.closed(closedNow);
    }

    boolean awaitTermination(long nanos) throws InterruptedException {
        return lifetime.awaitTermination(nanos);
    }

    // ---------------------------------------------------------------- the dispatcher thread's deadlines

    /** Takes back the wake-up asked for by {@code now}: the pass about to run is it. */
    void takeWake(long now) {
        ring.takeWake(now);
    }

    /** When a pass must run next (a timer, a recheck, pacing), or {@link SessionRing#NEVER}. */
    long nextDeadline() {
        return ring.nextDeadline();
    }

    /** Whether the dispatcher thread should stop: closed, or shut down with nothing left to dispatch. */
    boolean dispatcherDone() {
        return lifetime.dispatcherDone();
    }

    /** The dispatcher thread's wait for the next deadline; false when it is to stop. */
    boolean awaitNextDeadline(NanoClock clock, BooleanSupplier done) throws InterruptedException {
        return ring.awaitNextDeadline(clock, done);
    }

    // ---------------------------------------------------------------- status

    SchedulerStatus status(Clock wallClock, long now) {
        Instant wallNow = wallClock.instant();
        int queueLength = 0;
        Map<SessionId, SessionStatus> stats = new HashMap<>();
        for (SessionQueue s : lifetime.sessions.values()) {
            SessionStatus line;
            s.lock();
            try {
                line = s.status(wallNow, now);
            } finally {
                s.unlock();
            }
            queueLength += line.pendingPartials() + line.queuedFinals();
            stats.put(s.id, line);
        }
        int limit = Math.min(settings.maxConcurrent(), Math.max(1, concurrencyLimiter.limit()));
        int inFlight = calls.slotsTaken();
        SchedulerCounters c = counters;
        return new SchedulerStatus(queueLength, queueLength > 0 || inFlight > 0, inFlight,
                settings.maxConcurrent(), c.estimatedTokensUsed.sum(), lifetime.openSessions(), stats, limit,
                c.providerCalls.sum(), c.deduplicated.sum(), c.retries.sum(), c.delivered.sum(), c.failed.sum(),
                c.superseded.sum(), c.droppedStale.sum(), c.rateLimitedResponses.sum(), c.queueWait.snapshot(),
                lifetime.isShutdown(), new SchedulerStatus.Batches(
                        batches.mode().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'),
                        c.batchCalls.sum(), c.batchedSegments.sum(), c.batchFallbacks.sum(), batches.size()));
    }
}
