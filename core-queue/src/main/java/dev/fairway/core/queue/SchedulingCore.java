package dev.fairway.core.queue;

import dev.fairway.api.FailureReason;
import dev.fairway.api.LatencyBreakdown;
import dev.fairway.api.PermanentProviderException;
import dev.fairway.api.RateLimitedException;
import dev.fairway.api.SegmentFailure;
import dev.fairway.api.SessionId;
import dev.fairway.api.SubmitOutcome;
import dev.fairway.api.TransientProviderException;
import dev.fairway.api.Translation;
import dev.fairway.api.TranslationResult;
import dev.fairway.api.limit.ConcurrencyLimiter;
import dev.fairway.api.limit.Permits;
import dev.fairway.api.limit.RateLimiter;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The deterministic part of the scheduler: per-session queues, the deficit-round-robin ring, the
 * timers of sessions that wait (a limiter refusal, a retry backoff), supersession, staleness, retries,
 * deduplication and in-order delivery. It owns no thread: the runtime ({@link FairScheduler}) calls
 * {@link #dispatch} from its dispatcher loop (or a test calls it by hand), launches the calls it
 * returns, and reports each call's end to {@link #finish}. Everything runs under {@link #lock}, except
 * a submit's checks ({@link #offer}, under the session's submit lock), which leave the segment in an
 * inbox that every lock-holder takes in first; the limiters are asked under the lock (they never block
 * and never call back), except the concurrency permit a finishing worker takes before it (see
 * {@link #dispatch(long, List, long)}). Listener events are queued in each session's outbox and delivered by the
 * runtime outside the lock, and so are the ends of spans.
 */
final class SchedulingCore {

    static final long NEVER = Long.MAX_VALUE;
    /** When the concurrency limiter refuses, look again after this long even without a completion. */
    static final long CONCURRENCY_RECHECK_NANOS = 20_000_000L;
    /** How long a session waits when the rate limiter threw instead of answering. */
    static final long LIMITER_ERROR_WAIT_NANOS = 100_000_000L;

    private static final SubmitOutcome CLOSED_OUTCOME =
            SubmitOutcome.refused(SubmitOutcome.Status.CLOSED, "the session or the scheduler is closed");

    final FairScheduler owner;
    final Settings settings;
    final RateLimiter rateLimiter;
    final ConcurrencyLimiter concurrencyLimiter;

    final ReentrantLock lock = new ReentrantLock();
    /** Signalled when the dispatcher may have something to do. */
    final Condition wake = lock.newCondition();
    /** Signalled when the scheduler may have terminated. */
    final Condition terminated = lock.newCondition();

    // Everything below is guarded by lock.
    final HashMap<SessionId, SessionState> sessions = new HashMap<>();
    private final ArrayDeque<SessionState> ring = new ArrayDeque<>();
    private final PriorityQueue<Timer> timers = new PriorityQueue<>();
    private final CallTable inFlightByKey;
    final ArrayDeque<SessionState> toDrain = new ArrayDeque<>();
    /** Finished items whose spans are still to be ended, outside the lock, by whoever claims deliveries. */
    private final ArrayList<Item> toEnd = new ArrayList<>();
    /**
     * Whether {@link #toDrain} may hold sessions; read without the lock to skip an empty drain. Safe:
     * whoever queues an event drains afterwards.
     */
    volatile boolean drainPending;
    private final LatencyHistogram queueWait = new LatencyHistogram();

    /** Written under the lock; read by {@link #offer} without it. */
    volatile boolean shutdown;
    /** Segments accepted by {@link #offer} and not yet taken in by a lock-holder. */
    private final java.util.concurrent.ConcurrentLinkedQueue<Item> inbox = new java.util.concurrent.ConcurrentLinkedQueue<>();
    boolean closed;
    /**
     * Submits and completing workers run dispatch passes themselves (the runtime); the dispatcher
     * thread is then only woken for deadlines. Off when tests pump by hand.
     */
    boolean inlineDispatch;
    boolean dispatcherWaiting;
    /** Until when the waiting dispatcher sleeps; a pass that finds an earlier deadline wakes it. */
    long dispatcherDeadline = NEVER;
    /** When the dispatcher must look again at the latest (kept up to date as sessions become ready). */
    long nextWakeAt = NEVER;
    private int openSessions;
    private int inFlightCalls;
    private long liveItems;
    private long nextDispatchAt = Long.MIN_VALUE;
    private long timerSeq;

    private long estimatedTokensUsed;
    private long providerCalls;
    private long deduplicated;
    private long retries;
    private long delivered;
    private long failed;
    private long superseded;
    private long droppedStale;

    SchedulingCore(FairScheduler owner, Settings settings, RateLimiter rateLimiter,
            ConcurrencyLimiter concurrencyLimiter) {
        this.owner = owner;
        this.settings = settings;
        this.rateLimiter = rateLimiter;
        this.concurrencyLimiter = concurrencyLimiter;
        this.inFlightByKey = new CallTable(settings.maxConcurrent());
    }

    /** A session waiting until {@code at}; stale when the session's timer version moved on. */
    private record Timer(long at, long seq, SessionState session, int version) implements Comparable<Timer> {
        @Override
        public int compareTo(Timer o) {
            int c = Long.compare(at, o.at);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    /** Tries before parking in {@link #lockHot()} (about a microsecond). */
    static final int SPINS = 50;

    /**
     * Takes {@link #lock} on a hot path: a few tries with {@link Thread#onSpinWait()} first, because the
     * critical sections are short and parking a virtual thread (unmount, then resubmit to its
     * scheduler) costs more than such a wait.
     */
    void lockHot() {
        if (lock.tryLock()) {
            return;
        }
        for (int i = 0; i < SPINS; i++) {
            Thread.onSpinWait();
            if (lock.tryLock()) {
                return;
            }
        }
        lock.lock();
    }

    // ---------------------------------------------------------------- sessions and submits

    /** Registers a new session; throws when the id is taken or the scheduler is shut down. */
    void register(SessionState s) {
        lock.lock();
        try {
            if (shutdown) {
                throw new IllegalStateException("the scheduler is shut down: cannot open session " + s.id);
            }
            SessionState old = sessions.get(s.id);
            if (old != null) {
                throw new IllegalStateException(old.closed
                        ? "session " + s.id + " is closed but still finishing its finals: use another id"
                        : "session " + s.id + " is already open");
            }
            sessions.put(s.id, s);
            openSessions++;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Validates a segment and accepts it into the {@link #inbox}, or says why not, without the core's
     * lock: the checks need only the session's own submit state, under its submit lock (contended
     * only by concurrent submits to one session). A lock-holder takes accepted segments in
     * ({@link #processInbox}) before it reads or changes anything, so every later operation sees
     * them; {@link #takeIn} makes sure one does.
     */
    SubmitOutcome offer(Item item) {
        SessionState s = item.session;
        s.lockSubmit();
        try {
            if (shutdown || s.closed) {
                return CLOSED_OUTCOME;
            }
            long seq = item.sequence();
            if (seq <= s.lastSubmitted) {
                return SubmitOutcome.refused(SubmitOutcome.Status.OUT_OF_ORDER, "sequence " + seq
                        + " must be greater than " + s.lastSubmitted + ", the last one session " + s.id + " submitted");
            }
            if (item.isFinal()) {
                int unresolved = s.unresolvedFinals();
                if (unresolved >= settings.maxQueuedFinalsPerSession()) {
                    return SubmitOutcome.refused(SubmitOutcome.Status.BACKPRESSURE, "session " + s.id + " has "
                            + unresolved + " finals not yet translated, the most it may have; send final "
                            + seq + " again after the next translation arrives");
                }
                s.addUnresolvedFinals(1);
            }
            s.lastSubmitted = seq;
            inbox.add(item);
            return SubmitOutcome.ACCEPTED;
        } finally {
            s.unlockSubmit();
        }
    }

    /**
     * After an {@link #offer}: returns once a lock-holder has taken the inbox in. When the lock is free
     * the caller does it, runs a dispatch pass if one could start or join a call (appending the calls
     * to launch to {@code out}, when dispatching inline), and claims the events to deliver into
     * {@code claimed}. When the lock is busy, its holder takes the inbox in before it dispatches, so a
     * busy scheduler's submits mostly return without the lock (flat combining); the caller waits for
     * the lock only after spinning a while.
     */
    void takeIn(long now, List<Call> out, List<Object> claimed) {
        for (int spins = 0; !inbox.isEmpty(); spins++) {
            boolean locked;
            if (spins < SPINS) {
                locked = lock.tryLock();
            } else {
                lock.lock();
                locked = true;
            }
            if (!locked) {
                Thread.onSpinWait();
                continue;
            }
            try {
                boolean joinable = processInbox(now, true);
                if (inlineDispatch && out != null && (joinable || inFlightCalls < settings.maxConcurrent())) {
                    safeDispatch(now, out);
                } else if (inlineDispatch) {
                    // Every call slot is taken: the next completion runs the pass.
                    nextWakeAt = Math.min(nextWakeAt, now);
                }
                claimDeliveries(claimed);
            } finally {
                lock.unlock();
            }
            return;
        }
    }

    /**
     * Takes in the accepted segments: supersession, the queue of finals, the ring. Lock held.
     *
     * @param willDispatch whether the caller runs a dispatch pass next; if not, the dispatcher thread
     *     is woken when something became ready
     * @return whether a segment taken in is identical to a call in flight, which it could join
     */
    boolean processInbox(long now, boolean willDispatch) {
        Item item = inbox.poll();
        if (item == null) {
            return false;
        }
        boolean joinable = false;
        do {
            accept(item);
            joinable |= item.key != null && inFlightByKey.size() != 0 && inFlightByKey.get(item.key) != null;
        } while ((item = inbox.poll()) != null);
        if (!willDispatch && inlineDispatch) {
            nextWakeAt = Math.min(nextWakeAt, now);
            signalDispatcher();
        }
        return joinable;
    }

    /** The part of accepting a segment that needs the lock. */
    private void accept(Item item) {
        SessionState s = item.session;
        long now = item.acceptedAt;
        s.requestCount++;
        s.lastRequestAt = now;
        liveItems++;
        if (!item.isFinal()) {
            if (s.pendingPartial != null) {
                supersede(s.pendingPartial, now);
            }
            if (s.closed) {
                // Offered just before its session closed: closing drops partials.
                finish(item, "cancelled", now);
                return;
            }
            s.pendingPartial = item;
        } else {
            if (s.pendingPartial != null) {
                supersede(s.pendingPartial, now);
                s.pendingPartial = null;
            }
            Item running = s.partialInFlight;
            if (running != null && running.state == Item.IN_FLIGHT) {
                supersede(running, now);
                detach(running);
            }
            if (s.parkedPartial != null) {
                supersede(s.parkedPartial, now);
                s.parkedPartial = null;
            }
            s.finals().addLast(item);
        }
        reschedule(s, now);
    }

    /** Waits out any submit to the session that passed its checks before this, so that it is in the inbox. */
    private static void fence(SessionState s) {
        s.lockSubmit();
        s.unlockSubmit();
    }

    /** Closes one session: drops its partials, keeps its finals going. Idempotent. */
    void closeSession(SessionState s, long now) {
        lock.lock();
        try {
            if (s.closed) {
                return;
            }
            s.lockSubmit();
            s.closed = true;
            s.unlockSubmit();
            processInbox(now, false);
            openSessions--;
            cancelPartials(s, now);
            safeCloseInLimiter(s.id);
            maybeFinish(s);
            checkTerminated();
        } finally {
            lock.unlock();
        }
    }

    /** Closes everything: unfinished finals are reported as {@link FailureReason#SHUTDOWN}. */
    void closeAll(long now) {
        lock.lock();
        try {
            shutdown = true;
            if (closed) {
                return;
            }
            for (SessionState s : sessions.values()) {
                fence(s);
            }
            processInbox(now, false);
            closed = true;
            for (SessionState s : new ArrayList<>(sessions.values())) {
                if (!s.closed) {
                    s.closed = true;
                    openSessions--;
                }
                cancelPartials(s, now);
                if (s.finals != null) {
                    for (Item f : s.finals) {
                        if (f.state == Item.DONE) {
                            continue;
                        }
                        if (f.state == Item.IN_FLIGHT) {
                            detach(f);
                        }
                        f.state = Item.DONE;
                        f.outcome = new SegmentFailure(f.request, FailureReason.SHUTDOWN,
                                "the scheduler closed before this final was translated");
                    }
                }
                flushFinals(s, now);
                maybeFinish(s);
            }
            ring.clear();
            timers.clear();
            wake.signalAll();
            checkTerminated();
        } finally {
            lock.unlock();
        }
    }

    void shutdown(long now) {
        lock.lock();
        try {
            shutdown = true;
            for (SessionState s : sessions.values()) {
                fence(s);
            }
            processInbox(now, false);
            wake.signalAll();
            checkTerminated();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Listener events queued and not yet handed to their listener. Termination waits for them too, so
     * that {@code awaitTermination} returning means every outcome has reached its session.
     */
    final java.util.concurrent.atomic.AtomicLong undelivered = new java.util.concurrent.atomic.AtomicLong();

    /** Provider answers that were a 429 (rate limited). */
    final java.util.concurrent.atomic.AtomicLong rateLimitedResponses = new java.util.concurrent.atomic.AtomicLong();

    boolean isTerminated() {
        return shutdown && liveItems == 0 && inbox.isEmpty() && inFlightCalls == 0 && toEnd.isEmpty()
                && undelivered.get() == 0;
    }

    /** Called by a deliverer, without the lock, after handing {@code count} events to listeners. */
    void delivered(int count) {
        if (undelivered.addAndGet(-count) == 0 && shutdown) {
            lock.lock();
            try {
                checkTerminated();
            } finally {
                lock.unlock();
            }
        }
    }

    /** Whether the dispatcher loop should end: closed, or shut down with nothing left to dispatch. */
    boolean dispatcherDone() {
        return closed || (shutdown && liveItems == 0 && inbox.isEmpty());
    }

    private void checkTerminated() {
        if (shutdown && liveItems == 0 && inbox.isEmpty()) {
            wake.signalAll();
            if (inFlightCalls == 0 && toEnd.isEmpty() && undelivered.get() == 0) {
                terminated.signalAll();
            }
        }
    }

    // ---------------------------------------------------------------- dispatch

    /**
     * {@link #dispatch}, but a failure (a bug) is logged and retried shortly instead of reaching the
     * submitter, the worker or the dispatcher thread that ran the pass. Lock held by caller.
     */
    void safeDispatch(long now, List<Call> out) {
        safeDispatch(now, out, ConcurrencyLimiter.NO_PERMIT);
    }

    /** {@link #safeDispatch(long, List)} with a concurrency permit taken before the lock (or NO_PERMIT). */
    void safeDispatch(long now, List<Call> out, long concurrencyPermit) {
        try {
            dispatch(now, out, concurrencyPermit);
        } catch (RuntimeException e) {
            FairScheduler.LOG.log(System.Logger.Level.ERROR, "a dispatch pass failed; trying again shortly", e);
            nextWakeAt = now + LIMITER_ERROR_WAIT_NANOS;
            signalDispatcher();
        }
    }

    /**
     * Dispatches what may be dispatched now, appending the provider calls to launch to {@code out};
     * sets {@link #nextWakeAt} to when to look again if nothing (else) happens. Lock held by caller.
     */
    void dispatch(long now, List<Call> out) {
        dispatch(now, out, ConcurrencyLimiter.NO_PERMIT);
    }

    /**
     * {@link #dispatch(long, List)}, using first a concurrency permit the caller took before the lock
     * (a finishing worker does, so that the limiter's lock is not taken under this one); it is released
     * here when the pass does not use it.
     */
    void dispatch(long now, List<Call> out, long preAcquired) {
        long concurrencyPermit = preAcquired;
        try {
            nextWakeAt = NEVER;
            if (closed) {
                return;
            }
            processInbox(now, true);
            promoteTimers(now);
            for (;;) {
                SessionState s = ring.peekFirst();
                if (s == null) {
                    nextWakeAt = earliestTimer();
                    return;
                }
                Item item = nextReady(s, now);
                if (item == null) {
                    endTurn(s);
                    s.where = SessionState.IDLE;
                    if (!hasQueuedWork(s)) {
                        s.deficit = 0;
                    }
                    reschedule(s, now);
                    continue;
                }
                int cost = item.cost();
                if (!s.turnStarted) {
                    s.turnStarted = true;
                    if (s.deficit < cost) {
                        s.deficit += (long) settings.quantumTokens() * s.options.weight();
                    }
                }
                if (s.deficit < cost) {
                    endTurn(s);
                    ring.addLast(s);
                    continue;
                }
                DedupKey key = item.key;
                if (key != null) {
                    Call running = inFlightByKey.get(key);
                    if (running != null && !running.cancelled && !running.finished) {
                        attach(running, item, now);
                        continue;
                    }
                }
                if (inFlightCalls >= settings.maxConcurrent()) {
                    // A completion signals; nothing else can start a call before one.
                    nextWakeAt = NEVER;
                    return;
                }
                if (now < nextDispatchAt) {
                    nextWakeAt = nextDispatchAt;
                    return;
                }
                if (concurrencyPermit == ConcurrencyLimiter.NO_PERMIT) {
                    concurrencyPermit = tryConcurrency();
                    if (concurrencyPermit == ConcurrencyLimiter.NO_PERMIT) {
                        nextWakeAt = now + CONCURRENCY_RECHECK_NANOS;
                        return;
                    }
                }
                long permit;
                try {
                    permit = rateLimiter.tryAcquire(s.id, cost);
                } catch (IllegalArgumentException e) {
                    rejectUnadmittable(s, item, e, now);
                    continue;
                } catch (RuntimeException e) {
                    // A broken limiter must not kill the dispatcher: treat it as a refusal and ask later.
                    FairScheduler.LOG.log(System.Logger.Level.ERROR, "the rate limiter failed; session " + s.id
                            + " waits " + LIMITER_ERROR_WAIT_NANOS / 1_000_000 + " ms", e);
                    permit = Permits.refusal(LIMITER_ERROR_WAIT_NANOS);
                }
                if (!Permits.isGranted(permit)) {
                    // Over its share or the window is full: skip the session, do not block the others.
                    if (!item.refused) {
                        item.refused = true;
                        item.refusedAt = now;
                    }
                    endTurn(s);
                    s.where = SessionState.IDLE;
                    s.blocked = true;
                    s.blockedUntil = now + Permits.waitNanos(permit);
                    reschedule(s, now);
                    continue;
                }
                launch(s, item, permit, concurrencyPermit, key, now, out);
                concurrencyPermit = ConcurrencyLimiter.NO_PERMIT;
                s.deficit -= cost;
                if (settings.minRequestIntervalNanos() > 0) {
                    nextDispatchAt = now + settings.minRequestIntervalNanos();
                }
            }
        } finally {
            signalDispatcher();
            if (concurrencyPermit != ConcurrencyLimiter.NO_PERMIT) {
                releaseConcurrency(concurrencyPermit);
            }
        }
    }

    /** Gives back a concurrency permit that no call used. */
    private void releaseConcurrency(long permit) {
        try {
            concurrencyLimiter.release(permit, ConcurrencyLimiter.Outcome.IGNORED);
        } catch (RuntimeException e) {
            FairScheduler.LOG.log(System.Logger.Level.ERROR, "the concurrency limiter failed a release", e);
        }
    }

    long tryConcurrency() {
        try {
            return concurrencyLimiter.tryAcquire();
        } catch (RuntimeException e) {
            FairScheduler.LOG.log(System.Logger.Level.ERROR, "the concurrency limiter failed; trying again later", e);
            return ConcurrencyLimiter.NO_PERMIT;
        }
    }

    private void endTurn(SessionState s) {
        ring.pollFirst();
        s.turnStarted = false;
    }

    /** The session's next dispatchable segment: finals first (in order), then the pending partial. */
    private Item nextReady(SessionState s, long now) {
        if (s.finals != null && s.finalsInFlight < settings.maxFinalsInFlightPerSession()) {
            for (Item f : s.finals) {
                if (f.state == Item.QUEUED) {
                    return f;
                }
                if (f.state == Item.WAITING_RETRY) {
                    if (f.readyAt <= now) {
                        return f;
                    }
                    break;
                }
            }
        }
        Item p = s.pendingPartial;
        if (p != null && s.partialInFlight == null) {
            long stale = settings.partialStaleAfterNanos();
            if (stale > 0 && now - p.acceptedAt > stale) {
                s.pendingPartial = null;
                dropStale(s, p, now);
                return null;
            }
            return p;
        }
        return null;
    }

    private static boolean hasQueuedWork(SessionState s) {
        if (s.pendingPartial != null) {
            return true;
        }
        if (s.finals != null) {
            for (Item f : s.finals) {
                if (f.state == Item.QUEUED || f.state == Item.WAITING_RETRY) {
                    return true;
                }
            }
        }
        return false;
    }

    private void launch(SessionState s, Item item, long permit, long concurrencyPermit, DedupKey key, long now,
            List<Call> out) {
        markDispatched(item, now, false);
        Call call = new Call(owner, item, permit, concurrencyPermit, key);
        takeSlot(s, item, call);
        inFlightCalls++;
        providerCalls++;
        estimatedTokensUsed += item.cost();
        if (key != null) {
            inFlightByKey.put(call);
        }
        out.add(call);
    }

    private void attach(Call call, Item item, long now) {
        markDispatched(item, now, true);
        item.deduplicated = true;
        call.add(item);
        takeSlot(item.session, item, call);
        deduplicated++;
    }

    private static void takeSlot(SessionState s, Item item, Call call) {
        item.call = call;
        item.state = Item.IN_FLIGHT;
        if (item.isFinal()) {
            s.finalsInFlight++;
        } else {
            s.pendingPartial = null;
            s.partialInFlight = item;
        }
    }

    private void markDispatched(Item item, long now, boolean dedup) {
        long limiterWait = item.refused ? now - item.refusedAt : 0;
        long queued = Math.max(0, (item.refused ? item.refusedAt : now) - item.waitStart);
        item.refused = false;
        item.queueNanos += queued;
        item.limiterNanos += limiterWait;
        item.attempts++;
        item.dispatchedAt = now;
        if (item.attempts == 1) {
            queueWait.record(now - item.acceptedAt);
        }
        Tracing.dispatched(item, queued, limiterWait, dedup);
    }

    /** The limiter says this request could never be admitted (larger than the tokens-per-minute limit). */
    private void rejectUnadmittable(SessionState s, Item item, IllegalArgumentException e, long now) {
        String message = "the request can never be admitted by the rate limiter: " + e.getMessage();
        if (item.isFinal()) {
            item.state = Item.DONE;
            item.outcome = new SegmentFailure(item.request, FailureReason.PERMANENT_PROVIDER_ERROR, message);
            flushFinals(s, now);
        } else {
            s.pendingPartial = null;
            partialFailed(s, item, FailureReason.PERMANENT_PROVIDER_ERROR, message, "failed", now);
        }
    }

    // ---------------------------------------------------------------- timers and readiness

    /** Puts an idle or waiting session where its readiness says: the ring, a timer, or nowhere. */
    private void reschedule(SessionState s, long now) {
        if (s.where == SessionState.RING || s.finished) {
            return;
        }
        long at = readyAt(s, now);
        if (at == NEVER) {
            if (s.where == SessionState.TIMER) {
                s.timerVersion++;
                s.where = SessionState.IDLE;
            }
            return;
        }
        if (at <= now) {
            if (s.where == SessionState.TIMER) {
                s.timerVersion++;
            }
            s.where = SessionState.RING;
            ring.addLast(s);
            nextWakeAt = Math.min(nextWakeAt, now);
            if (!inlineDispatch) {
                signalDispatcher();
            }
            return;
        }
        if (s.where == SessionState.TIMER && s.timerAt == at) {
            return;
        }
        s.timerVersion++;
        s.where = SessionState.TIMER;
        s.timerAt = at;
        timers.add(new Timer(at, timerSeq++, s, s.timerVersion));
        if (at < nextWakeAt) {
            nextWakeAt = at;
            signalDispatcher();
        }
    }

    private long readyAt(SessionState s, long now) {
        long at = NEVER;
        if (s.pendingPartial != null && s.partialInFlight == null) {
            at = now;
        } else if (s.finals != null && s.finalsInFlight < settings.maxFinalsInFlightPerSession()) {
            for (Item f : s.finals) {
                if (f.state == Item.QUEUED) {
                    at = now;
                    break;
                }
                if (f.state == Item.WAITING_RETRY) {
                    at = Math.max(now, f.readyAt);
                    break;
                }
            }
        }
        if (at == NEVER) {
            return NEVER;
        }
        if (s.blocked) {
            if (s.blockedUntil > now) {
                return Math.max(at, s.blockedUntil);
            }
            s.blocked = false;
        }
        return at;
    }

    private void promoteTimers(long now) {
        Timer t;
        while ((t = timers.peek()) != null && t.at <= now) {
            timers.poll();
            SessionState s = t.session;
            if (s.where != SessionState.TIMER || s.timerVersion != t.version) {
                continue;
            }
            s.where = SessionState.IDLE;
            reschedule(s, now);
        }
    }

    private long earliestTimer() {
        Timer t;
        while ((t = timers.peek()) != null
                && (t.session.where != SessionState.TIMER || t.session.timerVersion != t.version)) {
            timers.poll();
        }
        return t == null ? NEVER : t.at;
    }

    /** Wakes the dispatcher if something must happen before it would wake by itself. */
    void signalDispatcher() {
        if (dispatcherWaiting && nextWakeAt < dispatcherDeadline) {
            wake.signal();
        }
    }

    // ---------------------------------------------------------------- completion

    /**
     * A call returned (or was skipped): hand its outcome to every segment waiting for it, then, when
     * dispatching inline and {@code out} is given, run a dispatch pass, and claim the listener events
     * to deliver into {@code claimed}, all under the same lock.
     *
     * @param concurrencyPermit a permit the worker took before the lock for the pass's first call, or
     *     {@link ConcurrencyLimiter#NO_PERMIT}; released here whenever no call uses it
     * @return whether the call had been cancelled (its thread may carry our interrupt)
     */
    boolean finish(Call call, TranslationResult result, Throwable error, long now, List<Call> out,
            List<Object> claimed, long concurrencyPermit) {
        long unused = concurrencyPermit;
        lockHot();
        try {
            call.thread = null;
            boolean cancelled = call.cancelled;
            complete(call, result, error, now);
            if (inlineDispatch && out != null && !closed) {
                unused = ConcurrencyLimiter.NO_PERMIT;
                safeDispatch(now, out, concurrencyPermit); // uses or releases it
            }
            claimDeliveries(claimed);
            return cancelled;
        } finally {
            if (unused != ConcurrencyLimiter.NO_PERMIT) {
                releaseConcurrency(unused);
            }
            lock.unlock();
        }
    }

    private void complete(Call call, TranslationResult result, Throwable error, long now) {
        {
            inFlightCalls--;
            call.finished = true;
            if (call.key != null) {
                inFlightByKey.remove(call);
            }
            for (Item w : call.waiterArray()) {
                SessionState s = w.session;
                if (w.isFinal()) {
                    s.finalsInFlight--;
                } else if (s.partialInFlight == w) {
                    s.partialInFlight = null;
                }
                w.call = null;
                if (w.state == Item.IN_FLIGHT) {
                    w.providerNanos += Math.max(0, now - w.dispatchedAt);
                    handle(s, w, result, error, now);
                }
                reschedule(s, now);
                maybeFinish(s);
            }
            if (!inlineDispatch) {
                signalDispatcher();
            }
            checkTerminated();
        }
    }

    private void handle(SessionState s, Item w, TranslationResult result, Throwable error, long now) {
        if (result != null) {
            Translation t = new Translation(w.request, result, latency(w, now));
            w.outcome = t;
            w.state = Item.DONE;
            if (w.isFinal()) {
                flushFinals(s, now);
            } else {
                partialDone(s, w, now);
            }
            return;
        }
        boolean retryable;
        long minDelay = 0;
        FailureReason reason;
        if (error instanceof RateLimitedException e) {
            retryable = true;
            reason = FailureReason.RETRIES_EXHAUSTED;
            minDelay = e.retryAfter().map(Duration::toNanos).orElse(0L);
        } else if (error instanceof TransientProviderException || error instanceof InterruptedException) {
            // An interrupt that was not a cancel came from the application (an executor shutting down).
            retryable = true;
            reason = FailureReason.RETRIES_EXHAUSTED;
        } else if (error instanceof PermanentProviderException) {
            retryable = false;
            reason = FailureReason.PERMANENT_PROVIDER_ERROR;
        } else {
            retryable = false;
            reason = FailureReason.INTERNAL;
        }
        String message = describe(error);
        if (!w.isFinal()) {
            partialFailed(s, w, reason, retryable ? "partials are not retried: " + message : message, "failed", now);
            return;
        }
        if (retryable && !closed) {
            long delay = Math.max(backoff(w.attempts), minDelay);
            if (w.attempts < settings.finalMaxAttempts()
                    && now + delay - w.acceptedAt <= settings.finalRetryDeadlineNanos()) {
                w.state = Item.WAITING_RETRY;
                w.readyAt = now + delay;
                w.waitStart = w.readyAt;
                retries++;
                Tracing.retry(w, delay, message);
                return;
            }
            message = "gave up after " + w.attempts + (w.attempts == 1 ? " attempt" : " attempts") + ": " + message;
        }
        w.state = Item.DONE;
        w.outcome = new SegmentFailure(w.request, reason, message);
        flushFinals(s, now);
    }

    private long backoff(int attempts) {
        long d = settings.retryInitialBackoffNanos();
        for (int i = 1; i < attempts && d < settings.retryMaxBackoffNanos(); i++) {
            d *= 2;
        }
        return Math.min(d, settings.retryMaxBackoffNanos());
    }

    private static String describe(Throwable error) {
        if (error == null) {
            return "the call was not made";
        }
        String m = error.getMessage();
        return m == null || m.isBlank() ? error.getClass().getSimpleName() : m;
    }

    private static LatencyBreakdown latency(Item w, long now) {
        long total = Math.max(now - w.acceptedAt, w.queueNanos + w.limiterNanos + w.providerNanos);
        return new LatencyBreakdown(Duration.ofNanos(w.queueNanos), Duration.ofNanos(w.limiterNanos),
                Duration.ofNanos(w.providerNanos), Duration.ofNanos(total));
    }

    // ---------------------------------------------------------------- delivery in order

    /** Emits the session's resolved finals from the head, then a held partial when its turn has come. */
    private void flushFinals(SessionState s, long now) {
        ArrayDeque<Item> f = s.finals;
        while (f != null && !f.isEmpty() && f.peekFirst().state == Item.DONE) {
            Item head = f.pollFirst();
            s.addUnresolvedFinals(-1);
            emitOutcome(s, head, head.outcome instanceof Translation ? "delivered" : "failed", now);
        }
        Item p = s.parkedPartial;
        if (p != null && !s.hasUnresolvedFinals()) {
            s.parkedPartial = null;
            deliverPartial(s, p, now);
        }
    }

    private void partialDone(SessionState s, Item p, long now) {
        if (s.hasUnresolvedFinals()) {
            // Finals submitted before it are not delivered yet: hold it, newest wins.
            if (s.parkedPartial != null) {
                supersede(s.parkedPartial, now);
            }
            s.parkedPartial = p;
        } else {
            deliverPartial(s, p, now);
        }
    }

    private void deliverPartial(SessionState s, Item p, long now) {
        if (p.sequence() > s.lastDelivered && !s.closed) {
            emitOutcome(s, p, "delivered", now);
        } else {
            supersede(p, now);
        }
    }

    /** A partial that will not be translated: reported when that keeps the order, else only counted. */
    private void partialFailed(SessionState s, Item p, FailureReason reason, String message, String outcome,
            long now) {
        if (!s.hasUnresolvedFinals() && p.sequence() > s.lastDelivered && !s.closed) {
            p.outcome = new SegmentFailure(p.request, reason, message);
            emitOutcome(s, p, outcome, now);
        } else {
            finish(p, outcome, now);
        }
    }

    private void dropStale(SessionState s, Item p, long now) {
        s.droppedStale++;
        droppedStale++;
        long waitedMs = (now - p.acceptedAt) / 1_000_000;
        partialFailed(s, p, FailureReason.STALE, "waited " + waitedMs + " ms for its turn, longer than the "
                + settings.partialStaleAfterNanos() / 1_000_000 + " ms staleness deadline", "stale", now);
    }

    private void emitOutcome(SessionState s, Item item, String outcome, long now) {
        s.emit(item.outcome);
        queueDrain(s);
        s.lastDelivered = Math.max(s.lastDelivered, item.sequence());
        if (item.outcome instanceof Translation) {
            s.delivered++;
            delivered++;
        } else {
            s.failed++;
            failed++;
        }
        finish(item, outcome, now);
    }

    private void supersede(Item item, long now) {
        item.session.superseded++;
        superseded++;
        finish(item, "superseded", now);
    }

    /**
     * The item is done with. Its span and the latency metric are ended outside the lock (an SDK's
     * metric and span processors have locks and queues of their own): the item waits in
     * {@link #toEnd} until a deliverer claims it. With no-op telemetry both are ended in place.
     */
    private void finish(Item item, String outcome, long now) {
        item.state = Item.FINISHED;
        item.outcome = null;
        liveItems--;
        if (owner.tracing().isNoop()) {
            owner.tracing().end(item, outcome, now);
            return;
        }
        item.endOutcome = outcome;
        item.endedAt = now;
        toEnd.add(item);
        drainPending = true;
    }

    /** Removes an in-flight segment from its call; the call is cancelled when nobody waits for it any more. */
    private void detach(Item item) {
        Call call = item.call;
        if (call != null && call.remove(item)) {
            if (call.key != null) {
                inFlightByKey.remove(call);
            }
            call.cancel();
        }
    }

    private void cancelPartials(SessionState s, long now) {
        if (s.pendingPartial != null) {
            finish(s.pendingPartial, "cancelled", now);
            s.pendingPartial = null;
        }
        Item running = s.partialInFlight;
        if (running != null && running.state == Item.IN_FLIGHT) {
            finish(running, "cancelled", now);
            detach(running);
        }
        if (s.parkedPartial != null) {
            finish(s.parkedPartial, "cancelled", now);
            s.parkedPartial = null;
        }
    }

    private void maybeFinish(SessionState s) {
        if (s.closed && !s.finished && !s.hasUnresolvedFinals()) {
            s.finished = true;
            s.timerVersion++;
            s.emit(SessionState.CLOSED_EVENT);
            queueDrain(s);
            if (sessions.get(s.id) == s) {
                sessions.remove(s.id);
            }
            // Finals sent after close() registered the session again; forget it for good.
            safeCloseInLimiter(s.id);
        }
    }

    private void safeCloseInLimiter(SessionId id) {
        try {
            rateLimiter.closeSession(id);
        } catch (RuntimeException e) {
            FairScheduler.LOG.log(System.Logger.Level.WARNING, "rate limiter failed to close session " + id, e);
        }
    }

    /**
     * Claims the queued listener events of every session that nobody is delivering to: appends the
     * session and an array of its events to {@code claimed} and marks it delivering. Lock held.
     */
    void claimDeliveries(List<Object> claimed) {
        if (!toEnd.isEmpty()) {
            // First, so that a span has ended by the time its segment's listener hears of it.
            undelivered.addAndGet(toEnd.size());
            claimed.add(null);
            claimed.add(toEnd.toArray());
            toEnd.clear();
        }
        SessionState s;
        while ((s = toDrain.pollFirst()) != null) {
            s.drainQueued = false;
            // A session being delivered to is skipped: its deliverer looks at pendingEvents after letting go.
            Object[] events = s.claimEvents();
            if (events != null) {
                claimed.add(s);
                claimed.add(events);
            }
        }
        drainPending = false;
    }

    private void queueDrain(SessionState s) {
        if (!s.drainQueued) {
            s.drainQueued = true;
            toDrain.addLast(s);
            drainPending = true;
        }
    }

    // ---------------------------------------------------------------- status

    SchedulerStatus status(Clock wallClock, long now) {
        Instant wallNow = wallClock.instant();
        lock.lock();
        try {
            processInbox(now, false);
            int queueLength = 0;
            Map<SessionId, SessionStatus> stats = new HashMap<>();
            for (SessionState s : sessions.values()) {
                int pending = s.pendingPartial != null ? 1 : 0;
                int queuedFinals = 0;
                int inFlight = s.finalsInFlight;
                if (s.partialInFlight != null && s.partialInFlight.state == Item.IN_FLIGHT) {
                    inFlight++;
                }
                if (s.finals != null) {
                    for (Item f : s.finals) {
                        if (f.state == Item.QUEUED || f.state == Item.WAITING_RETRY) {
                            queuedFinals++;
                        }
                    }
                }
                queueLength += pending + queuedFinals;
                Optional<Instant> last = s.requestCount == 0 ? Optional.empty()
                        : Optional.of(wallNow.minusNanos(Math.max(0, now - s.lastRequestAt)));
                stats.put(s.id, new SessionStatus(s.options.label(), s.options.weight(), s.requestCount, last,
                        pending, queuedFinals, inFlight, s.delivered, s.failed, s.superseded, s.droppedStale,
                        s.closed));
            }
            int limit = Math.min(settings.maxConcurrent(), Math.max(1, concurrencyLimiter.limit()));
            return new SchedulerStatus(queueLength, queueLength > 0 || inFlightCalls > 0, inFlightCalls,
                    settings.maxConcurrent(), estimatedTokensUsed, openSessions, stats, limit, providerCalls,
                    deduplicated, retries, delivered, failed, superseded, droppedStale, rateLimitedResponses.get(),
                    queueWait.snapshot(),
                    shutdown);
        } finally {
            lock.unlock();
        }
    }
}
