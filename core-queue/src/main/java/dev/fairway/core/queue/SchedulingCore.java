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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The deterministic part of the scheduler: per-session queues, the deficit-round-robin ring, the
 * timers of sessions that wait (a limiter refusal, a retry backoff), supersession, staleness, retries,
 * deduplication and in-order delivery. It owns no thread: the runtime ({@link FairScheduler}) runs
 * {@link #dispatch} passes (from submits, finishing workers and its dispatcher loop, or a test by
 * hand), launches the calls they return, and reports each call's end to {@link #finish}.
 *
 * <p><b>Locking.</b> Two levels, always taken in this order, never two session locks at once:
 * <ul>
 *   <li>a session's own lock ({@link SessionState#lock()}) guards everything about that session
 *       and its segments: its queues, readiness, deficit, outcomes and outbox. Submits, the session's
 *       turn in a dispatch pass and the handling of its calls' outcomes take it;</li>
 *   <li>the scheduler's {@link #lock} guards only what sessions share, each time for a few steps: the
 *       ring of sessions with work, the timers, the count of calls in flight and the deduplication table
 *       with its calls' waiters, pacing, and each session's place ({@link SessionState#where}).</li>
 * </ul>
 * A dispatch pass takes the ring's head under {@link #lock}, marks it {@link SessionState#DISPATCHING}
 * and lets go; then, under the session's lock, it runs the session's turn, taking {@link #lock} again
 * for a call slot and to register the call, and puts the session back where its readiness says when
 * the turn ends. So passes on different sessions run in parallel and one session's work never waits
 * for another's. The limiters are asked without {@link #lock} (they never block and never call back).
 * Listener events are queued in each session's outbox under its lock, claimed by the thread that
 * queued them, and delivered outside every lock, and so are the ends of spans.
 */
final class SchedulingCore {

    static final long NEVER = Long.MAX_VALUE;
    /** When the concurrency limiter refuses, look again after this long even without a completion. */
    static final long CONCURRENCY_RECHECK_NANOS = 20_000_000L;
    /** How long a session waits when the rate limiter threw instead of answering. */
    static final long LIMITER_ERROR_WAIT_NANOS = 100_000_000L;
    /**
     * The longest a session waits on one rate-limiter refusal before asking again. Without it, a refusal
     * that said 60 s (a calibration from the provider's headers held the window full) left a closed
     * session's last finals unasked for a minute after the window had room again.
     */
    static final long MAX_REFUSAL_WAIT_NANOS = 3_000_000_000L;

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

    final ConcurrentHashMap<SessionId, SessionState> sessions = new ConcurrentHashMap<>();

    /**
     * The sessions with work, in round-robin order; lock-free. A session is in it at most once: only a
     * move of {@link SessionState#where} to {@link SessionState#RING} (by its session's lock holder, or
     * by a timer under {@link #lock}) adds it, and only a pass that takes it out moves it on.
     */
    private final ConcurrentLinkedQueue<SessionState> ring = new ConcurrentLinkedQueue<>();
    /**
     * Sessions whose turn a pass had to stop (no call slot, pacing, a concurrency refusal): they go
     * before the ring's head, in the order they stopped. Usually empty. Same rule as {@link #ring}.
     */
    private final ConcurrentLinkedQueue<SessionState> front = new ConcurrentLinkedQueue<>();

    // Guarded by lock.
    private final PriorityQueue<Timer> timers = new PriorityQueue<>();
    /** The earliest timer's time, or NEVER; written under lock, read without it to skip an idle look. */
    private volatile long firstTimerAt = NEVER;
    private final LatencyHistogram queueWait = new LatencyHistogram();
    boolean dispatcherWaiting;
    /** Until when the waiting dispatcher sleeps; a pass that finds an earlier deadline wakes it. */
    long dispatcherDeadline = NEVER;
    /**
     * When the dispatcher must run a pass at the latest, besides the timers: a concurrency-limiter
     * recheck, pacing, a failed pass. Only lowered, by passes; the dispatcher (or a test's pump) takes
     * it back to {@link #NEVER} when it runs the pass it was for. A pass must never reset it: passes
     * run in parallel, and one that reset it could erase another's recheck and leave a session
     * waiting with no one to wake it. Guarded by lock.
     */
    long nextWakeAt = NEVER;
    private int openSessions;
    private long nextDispatchAt = Long.MIN_VALUE;
    private long timerSeq;

    // Without a lock.
    /** Calls in flight, slots reserved for calls about to start included; at most {@code maxConcurrent}. */
    private final AtomicInteger inFlightCalls = new AtomicInteger();
    /** Calls in flight by what identical requests share (deduplication); a call's own lock guards its waiters. */
    private final ConcurrentHashMap<DedupKey, Call> inFlightByKey = new ConcurrentHashMap<>();
    private final LongAdder estimatedTokensUsed = new LongAdder();
    private final LongAdder providerCalls = new LongAdder();
    private final LongAdder deduplicated = new LongAdder();

    /**
     * Finished items whose spans are still to be ended, outside every lock, by the thread that finished
     * them, at the end of the operation that did (a submit, a pass, a completion, a close).
     */
    private final ThreadLocal<ArrayList<Item>> toEnd = ThreadLocal.withInitial(ArrayList::new);

    /** Written under lock; read without it. */
    volatile boolean shutdown;
    /** Written under lock; read without it. */
    volatile boolean closed;
    /**
     * Submits and completing workers run dispatch passes themselves (the runtime); the dispatcher
     * thread is then only woken for deadlines. Off when tests pump by hand.
     */
    boolean inlineDispatch;

    /** Accepted segments not yet finished (delivered, reported, superseded, dropped or cancelled). */
    private final AtomicLong liveItems = new AtomicLong();
    private final LongAdder retries = new LongAdder();
    private final LongAdder delivered = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder superseded = new LongAdder();
    private final LongAdder droppedStale = new LongAdder();

    /**
     * Listener events queued and not yet handed to their listener. Termination waits for them too, so
     * that {@code awaitTermination} returning means every outcome has reached its session.
     */
    final AtomicLong undelivered = new AtomicLong();

    /** Provider answers that were a 429 (rate limited). */
    final AtomicLong rateLimitedResponses = new AtomicLong();

    SchedulingCore(FairScheduler owner, Settings settings, RateLimiter rateLimiter,
            ConcurrencyLimiter concurrencyLimiter) {
        this.owner = owner;
        this.settings = settings;
        this.rateLimiter = rateLimiter;
        this.concurrencyLimiter = concurrencyLimiter;
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

    /** Takes {@link #lock} on a hot path; see {@link #lockHot(ReentrantLock)}. */
    void lockHot() {
        lockHot(lock);
    }

    /**
     * Takes a lock held for a few steps at a time (the core's, a session's): a few tries with
     * {@link Thread#onSpinWait()} first, because parking a virtual thread (unmount, then resubmit to its
     * scheduler) costs more than such a wait; then it parks, so a holder that waits for another lock
     * never has its carrier taken by a spinner.
     */
    static void lockHot(ReentrantLock lock) {
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

    /** Whether a call slot is free now (a racy read: a pass checks again under the lock). */
    boolean slotMayBeFree() {
        return inFlightCalls.get() < settings.maxConcurrent();
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

    /** The result of {@link #submit}: the outcome, and whether the segment could join a call in flight now. */
    record Accepted(SubmitOutcome outcome, boolean joinable) {
    }

    private static final Accepted CLOSED_ACCEPTED = new Accepted(CLOSED_OUTCOME, false);
    private static final Accepted ACCEPTED = new Accepted(SubmitOutcome.ACCEPTED, false);
    private static final Accepted ACCEPTED_JOINABLE = new Accepted(SubmitOutcome.ACCEPTED, true);

    /**
     * Validates a segment and takes it in under its session's lock: supersession, the queue of finals,
     * the session's place in the ring. Events it causes are claimed into {@code claimed}.
     */
    Accepted submit(Item item, List<Object> claimed) {
        SessionState s = item.session;
        boolean joinable;
        s.lock();
        try {
            if (shutdown || s.closed) {
                return CLOSED_ACCEPTED;
            }
            long seq = item.sequence();
            if (seq <= s.lastSubmitted) {
                return new Accepted(SubmitOutcome.refused(SubmitOutcome.Status.OUT_OF_ORDER, "sequence " + seq
                        + " must be greater than " + s.lastSubmitted + ", the last one session " + s.id
                        + " submitted"), false);
            }
            if (item.isFinal()) {
                int unresolved = s.unresolvedFinals();
                if (unresolved >= settings.maxQueuedFinalsPerSession()) {
                    return new Accepted(SubmitOutcome.refused(SubmitOutcome.Status.BACKPRESSURE, "session " + s.id
                            + " has " + unresolved + " finals not yet translated, the most it may have; send final "
                            + seq + " again after the next translation arrives"), false);
                }
            }
            s.lastSubmitted = seq;
            joinable = accept(item);
            claim(s, claimed);
        } finally {
            s.unlock();
        }
        claimSpans(claimed);
        return joinable ? ACCEPTED_JOINABLE : ACCEPTED;
    }

    /** The session's part of accepting a segment. Session lock held. Returns whether it could join a call now. */
    private boolean accept(Item item) {
        SessionState s = item.session;
        long now = item.acceptedAt;
        s.requestCount++;
        s.lastRequestAt = now;
        liveItems.incrementAndGet();
        if (!item.isFinal()) {
            if (s.pendingPartial != null) {
                supersede(s.pendingPartial, now);
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
        return reschedule(s, now, item.key);
    }

    /** Closes one session: drops its partials, keeps its finals going. Idempotent. */
    void closeSession(SessionState s, long now, List<Object> claimed) {
        s.lock();
        try {
            if (s.closed) {
                return;
            }
            s.closed = true;
            cancelPartials(s, now);
            safeCloseInLimiter(s.id);
            maybeFinish(s);
            claim(s, claimed);
        } finally {
            s.unlock();
        }
        lock.lock();
        try {
            openSessions--;
            checkTerminated();
        } finally {
            lock.unlock();
        }
        claimSpans(claimed);
    }

    /** Closes everything: unfinished finals are reported as {@link FailureReason#SHUTDOWN}. */
    void closeAll(long now, List<Object> claimed) {
        lock.lock();
        try {
            shutdown = true;
            if (closed) {
                return;
            }
            closed = true;
            SessionState r;
            while ((r = pollHead()) != null) {
                r.where = SessionState.IDLE;
            }
            timers.clear();
            firstTimerAt = NEVER;
            for (SessionState s : sessions.values()) {
                s.timerVersion++;
                if (s.where == SessionState.TIMER) {
                    s.where = SessionState.IDLE;
                }
            }
            wake.signalAll();
        } finally {
            lock.unlock();
        }
        int closedNow = 0;
        for (SessionState s : new ArrayList<>(sessions.values())) {
            s.lock();
            try {
                if (!s.closed) {
                    closedNow++;
                }
                s.closed = true;
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
                claim(s, claimed);
            } finally {
                s.unlock();
            }
        }
        lock.lock();
        try {
            openSessions -= closedNow;
            checkTerminated();
        } finally {
            lock.unlock();
        }
        claimSpans(claimed);
    }

    void shutdown() {
        lock.lock();
        try {
            shutdown = true;
            wake.signalAll();
            checkTerminated();
        } finally {
            lock.unlock();
        }
    }

    boolean isTerminated() {
        return shutdown && liveItems.get() == 0 && inFlightCalls.get() == 0 && undelivered.get() == 0;
    }

    /** Called by a deliverer, without a lock, after handing {@code count} events to listeners. */
    void delivered(int count) {
        if (undelivered.addAndGet(-count) == 0 && shutdown) {
            checkTerminatedLocked();
        }
    }

    /** Whether the dispatcher loop should end: closed, or shut down with nothing left to dispatch. */
    boolean dispatcherDone() {
        return closed || (shutdown && liveItems.get() == 0);
    }

    private void checkTerminatedLocked() {
        lock.lock();
        try {
            checkTerminated();
        } finally {
            lock.unlock();
        }
    }

    /** Lock held. */
    private void checkTerminated() {
        if (shutdown && liveItems.get() == 0) {
            wake.signalAll();
            if (isTerminated()) {
                terminated.signalAll();
            }
        }
    }

    // ---------------------------------------------------------------- dispatch

    /**
     * {@link #dispatch(long, List, long, List)}, but a failure (a bug) is logged and retried shortly
     * instead of reaching the submitter, the worker or the dispatcher thread that ran the pass.
     */
    void safeDispatch(long now, List<Call> out, long concurrencyPermit, List<Object> claimed) {
        safeDispatch(now, out, concurrencyPermit, claimed, false);
    }

    /** {@link #safeDispatch(long, List, long, List)}; {@code slotHeld}: see {@link #dispatch}. */
    void safeDispatch(long now, List<Call> out, long concurrencyPermit, List<Object> claimed, boolean slotHeld) {
        try {
            dispatch(now, out, concurrencyPermit, claimed, slotHeld);
        } catch (RuntimeException e) {
            FairScheduler.LOG.log(System.Logger.Level.ERROR, "a dispatch pass failed; trying again shortly", e);
            lock.lock();
            try {
                nextWakeAt = Math.min(nextWakeAt, now + LIMITER_ERROR_WAIT_NANOS);
                signalDispatcher();
            } finally {
                lock.unlock();
            }
        }
    }

    /** What a session's turn tells the pass. */
    private static final int NEXT_SESSION = 0;
    /** No call slot is free. */
    private static final int STOP = 1;
    /** Only time can help (pacing, a concurrency refusal), or the scheduler closed. */
    private static final int WAIT = 2;

    /**
     * Dispatches what may be dispatched now, appending the provider calls to launch to {@code out}, and
     * lowers {@link #nextWakeAt} to when to look again if only time can change things. Takes no lock the
     * caller holds. Uses first a concurrency permit the caller took before ({@code preAcquired}, a
     * finishing worker does); it is released here when the pass does not use it.
     */
    void dispatch(long now, List<Call> out, long preAcquired, List<Object> claimed) {
        dispatch(now, out, preAcquired, claimed, false);
    }

    /**
     * {@link #dispatch(long, List, long, List)} by a finishing worker that kept its call slot
     * ({@code slotHeld}): the pass uses it for its first call, or gives it back. So a slot freed by a
     * completion goes to the next call of that worker's pass, and a submit meanwhile sees every slot
     * taken instead of starting the call on a new thread.
     */
    void dispatch(long now, List<Call> out, long preAcquired, List<Object> claimed, boolean slotHeld) {
        long[] permit = {preAcquired};
        int[] held = {slotHeld ? 1 : 0};
        try {
            for (;;) {
                boolean waiting = pass(now, out, permit, held, claimed);
                if (held[0] == 0 || waiting) {
                    return;
                }
                // Give the kept slot back, then look again: a pass that found every slot taken (this
                // one) may have put a session back just after this pass found the ring empty. Of the
                // two, one sees the other (both write, then read, volatile state), so none is left
                // waiting with a free slot and no pass to come.
                inFlightCalls.addAndGet(-held[0]);
                held[0] = 0;
                if (closed || front.isEmpty() && ring.isEmpty() || !slotMayBeFree()) {
                    return;
                }
            }
        } finally {
            if (permit[0] != ConcurrencyLimiter.NO_PERMIT) {
                releaseConcurrency(permit[0]);
            }
            if (held[0] > 0) {
                inFlightCalls.addAndGet(-held[0]);
            }
            claimSpans(claimed);
        }
    }

    /**
     * One pass: takes sessions from the ring and runs their turns until no call can start.
     *
     * @return whether it stopped to wait for time (pacing, a concurrency refusal) or because the
     *     scheduler closed, rather than for an empty ring or a lack of slots
     */
    private boolean pass(long now, List<Call> out, long[] permit, int[] held, List<Object> claimed) {
        for (;;) {
            if (closed) {
                return true;
            }
            if (now >= firstTimerAt) {
                promoteTimers(now);
            }
            if (held[0] == 0 && !slotMayBeFree()) {
                SessionState head = front.peek();
                if (head == null) {
                    head = ring.peek();
                }
                if (head == null || !mayJoin(head)) {
                    // Every slot is taken and the head's next segment is not identical to a call in
                    // flight: a completion runs the next pass.
                    return false;
                }
            }
            SessionState s = pollHead();
            if (s == null) {
                return false;
            }
            s.where = SessionState.DISPATCHING;
            int next;
            s.lock();
            try {
                next = turn(s, now, out, permit, held);
                claim(s, claimed);
            } finally {
                s.unlock();
            }
            if (next != NEXT_SESSION) {
                return next == WAIT;
            }
        }
    }

    /**
     * The session's turn: dispatches its ready segments while its deficit lasts, then puts it back
     * where its readiness says. Session lock held; the session is {@link SessionState#DISPATCHING}.
     */
    private int turn(SessionState s, long now, List<Call> out, long[] permit, int[] held) {
        for (;;) {
            Item item = nextReady(s, now);
            if (item == null) {
                s.turnStarted = false;
                if (!hasQueuedWork(s)) {
                    s.deficit = 0;
                }
                place(s, now);
                return NEXT_SESSION;
            }
            int cost = item.cost();
            if (!s.turnStarted) {
                s.turnStarted = true;
                if (s.deficit < cost) {
                    s.deficit += (long) settings.quantumTokens() * s.options.weight();
                }
            }
            if (s.deficit < cost) {
                s.turnStarted = false;
                toTail(s);
                return NEXT_SESSION;
            }
            DedupKey key = item.key;
            Call running = key == null ? null : inFlightByKey.get(key);
            if (running != null && join(running, item)) {
                markDispatched(item, now, true);
                item.deduplicated = true;
                takeSlot(s, item, running);
                continue;
            }
            if (closed) {
                s.where = SessionState.IDLE;
                return WAIT;
            }
            if (held[0] > 0) {
                held[0]--;
            } else if (!reserveSlot()) {
                // A completion runs the next pass; nothing else can start a call before one. Unless a
                // slot was freed just now, by a pass that found the ring empty before this session went
                // back: then this pass goes on (see dispatch).
                backToHead(s, NEVER);
                return slotMayBeFree() ? NEXT_SESSION : STOP;
            }
            if (settings.minRequestIntervalNanos() > 0 && !paced(now)) {
                held[0]++;
                backToHead(s, nextDispatchAt);
                return WAIT;
            }
            if (permit[0] == ConcurrencyLimiter.NO_PERMIT) {
                permit[0] = tryConcurrency();
                if (permit[0] == ConcurrencyLimiter.NO_PERMIT) {
                    held[0]++;
                    backToHead(s, now + CONCURRENCY_RECHECK_NANOS);
                    return WAIT;
                }
            }
            long ratePermit;
            try {
                int output = item.outputCost();
                ratePermit = output < 0 ? rateLimiter.tryAcquire(s.id, cost)
                        : rateLimiter.tryAcquire(s.id, cost - output, output);
            } catch (IllegalArgumentException e) {
                held[0]++;
                rejectUnadmittable(s, item, e, now);
                continue;
            } catch (RuntimeException e) {
                // A broken limiter must not kill the dispatcher: treat it as a refusal and ask later.
                FairScheduler.LOG.log(System.Logger.Level.ERROR, "the rate limiter failed; session " + s.id
                        + " waits " + LIMITER_ERROR_WAIT_NANOS / 1_000_000 + " ms", e);
                ratePermit = Permits.refusal(LIMITER_ERROR_WAIT_NANOS);
            }
            if (!Permits.isGranted(ratePermit)) {
                // Over its share or the window is full: skip the session, do not block the others.
                held[0]++;
                if (!item.refused) {
                    item.refused = true;
                    item.refusedAt = now;
                }
                s.turnStarted = false;
                s.blocked = true;
                // A refusal's wait is the limiter's estimate; room can come sooner (others stop contending,
                // a calibration leaves), so a session with work asks again after at most a few seconds.
                s.blockedUntil = now + Math.min(Permits.waitNanos(ratePermit), MAX_REFUSAL_WAIT_NANOS);
                place(s, now);
                return NEXT_SESSION;
            }
            markDispatched(item, now, false);
            Call call = new Call(owner, item, ratePermit, permit[0], key);
            permit[0] = ConcurrencyLimiter.NO_PERMIT;
            takeSlot(s, item, call);
            s.deficit -= cost;
            providerCalls.increment();
            estimatedTokensUsed.add(cost);
            if (key != null) {
                Call other = inFlightByKey.putIfAbsent(key, call);
                if (other != null && (other.cancelled || other.finished)) {
                    inFlightByKey.replace(key, other, call);
                }
            }
            if (settings.minRequestIntervalNanos() > 0) {
                lockHot();
                try {
                    nextDispatchAt = now + settings.minRequestIntervalNanos();
                } finally {
                    lock.unlock();
                }
            }
            out.add(call);
        }
    }

    /** Takes the next session to run a turn for: the stopped ones first, then the ring's head. */
    private SessionState pollHead() {
        SessionState s = front.poll();
        return s != null ? s : ring.poll();
    }

    /** Whether the session's next segment (as its last readiness check saw it) is identical to a call in flight. */
    private boolean mayJoin(SessionState s) {
        DedupKey key = s.nextKey;
        return key != null && inFlightByKey.get(key) != null;
    }

    /** Takes a call slot if one is free. */
    private boolean reserveSlot() {
        int n;
        while ((n = inFlightCalls.get()) < settings.maxConcurrent()) {
            if (inFlightCalls.compareAndSet(n, n + 1)) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code minRequestInterval} allows a dispatch now (it is then set by the launch). */
    private boolean paced(long now) {
        lockHot();
        try {
            return now >= nextDispatchAt;
        } finally {
            lock.unlock();
        }
    }

    /** Joins a call in flight unless it has ended or been abandoned meanwhile. */
    private boolean join(Call call, Item item) {
        synchronized (call) {
            if (call.cancelled || call.finished) {
                return false;
            }
            call.add(item);
        }
        deduplicated.increment();
        return true;
    }

    /**
     * The pass stops with the session's turn unfinished: it goes back to the head of the ring (its turn
     * goes on in the next pass), and the dispatcher looks again at {@code recheckAt} ({@link #NEVER}:
     * a completion will).
     */
    private void backToHead(SessionState s, long recheckAt) {
        if (requeue(s, front) && recheckAt != NEVER) {
            lockHot();
            try {
                nextWakeAt = Math.min(nextWakeAt, recheckAt);
                signalDispatcher();
            } finally {
                lock.unlock();
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

    private long tryConcurrency() {
        try {
            return concurrencyLimiter.tryAcquire();
        } catch (RuntimeException e) {
            FairScheduler.LOG.log(System.Logger.Level.ERROR, "the concurrency limiter failed; trying again later", e);
            return ConcurrencyLimiter.NO_PERMIT;
        }
    }

    /**
     * The session's next dispatchable segment: finals first (in order), then the pending partial.
     * Session lock held.
     */
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

    /** Session lock held. */
    private void markDispatched(Item item, long now, boolean dedup) {
        // Passes run in parallel, each with the time it started: a refusal may carry a later time than
        // the pass that dispatches the segment. Clamp, so no duration comes out negative.
        long limiterWait = item.refused ? Math.max(0, now - item.refusedAt) : 0;
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

    /** At the end of its turn: the session goes where its readiness says. Session lock held. */
    private void place(SessionState s, long now) {
        s.where = SessionState.IDLE;
        if (!s.finished) {
            reschedule(s, now, null);
        }
    }

    /** At the end of its turn with work left but no deficit: to the ring's tail. Session lock held. */
    private void toTail(SessionState s) {
        requeue(s, ring);
    }

    /** A session whose turn ended with work left goes into {@code queue}, unless the scheduler closed. */
    private boolean requeue(SessionState s, ConcurrentLinkedQueue<SessionState> queue) {
        if (closed) {
            s.where = SessionState.IDLE;
            return false;
        }
        s.where = SessionState.RING;
        queue.offer(s);
        return true;
    }

    /**
     * Puts an idle or waiting session where its readiness says: the ring, a timer, or nowhere. A session
     * in the ring or in a pass stays (the pass places it when its turn ends). Session lock held.
     *
     * <p>Only this session's lock holder moves it out of {@link SessionState#IDLE}, and out of
     * {@link SessionState#TIMER} other than into the ring (a timer does that, under {@link #lock}), so
     * an idle session needs no other lock, a waiting one {@link #lock}.
     *
     * @param key a segment just accepted, or null
     * @return whether that segment is identical to a call in flight it could join now
     */
    private boolean reschedule(SessionState s, long now, DedupKey key) {
        if (s.finished) {
            return false;
        }
        long at = readyAt(s, now);
        byte where = s.where;
        if (where == SessionState.RING || where == SessionState.DISPATCHING) {
            return false;
        }
        if (where == SessionState.IDLE) {
            if (at == NEVER || closed) {
                return false;
            }
            if (at <= now) {
                return enterRing(s, key);
            }
        }
        lockHot();
        try {
            if (s.where != SessionState.IDLE && s.where != SessionState.TIMER || closed) {
                // A timer put it in the ring meanwhile (or the scheduler closed).
                return false;
            }
            if (at == NEVER) {
                s.timerVersion++;
                s.where = SessionState.IDLE;
                return false;
            }
            if (at <= now) {
                s.timerVersion++;
                return enterRing(s, key);
            }
            if (s.where == SessionState.TIMER && s.timerAt == at) {
                return false;
            }
            s.timerVersion++;
            s.where = SessionState.TIMER;
            s.timerAt = at;
            timers.add(new Timer(at, timerSeq++, s, s.timerVersion));
            firstTimerAt = Math.min(firstTimerAt, at);
            signalDispatcher();
            return false;
        } finally {
            lock.unlock();
        }
    }

    /** Puts a ready session at the ring's tail; returns whether {@code key} could join a call in flight now. */
    private boolean enterRing(SessionState s, DedupKey key) {
        s.where = SessionState.RING;
        ring.offer(s);
        return key != null && inFlightByKey.get(key) != null;
    }

    /**
     * When the session has a segment to dispatch ({@link #NEVER}: nothing), and, in
     * {@link SessionState#nextKey}, that segment's deduplication key. Session lock held.
     */
    private long readyAt(SessionState s, long now) {
        long at = NEVER;
        DedupKey next = null;
        if (s.finals != null && s.finalsInFlight < settings.maxFinalsInFlightPerSession()) {
            for (Item f : s.finals) {
                if (f.state == Item.QUEUED) {
                    at = now;
                    next = f.key;
                    break;
                }
                if (f.state == Item.WAITING_RETRY) {
                    at = Math.max(now, f.readyAt);
                    next = f.readyAt <= now ? f.key : null;
                    break;
                }
            }
        }
        if (s.pendingPartial != null && s.partialInFlight == null) {
            if (next == null) {
                next = s.pendingPartial.key;
            }
            at = now;
        }
        s.nextKey = next;
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

    /** Moves the sessions whose timer is due into the ring; their readiness is checked again in their turn. */
    private void promoteTimers(long now) {
        lockHot();
        try {
            Timer t;
            while ((t = timers.peek()) != null && t.at <= now) {
                timers.poll();
                SessionState s = t.session;
                if (s.where != SessionState.TIMER || s.timerVersion != t.version || closed) {
                    continue;
                }
                s.timerVersion++;
                s.where = SessionState.RING;
                ring.offer(s);
            }
            firstTimerAt = earliestTimer();
        } finally {
            lock.unlock();
        }
    }

    /**
     * For the dispatcher (or a test's pump) about to run a pass: takes back {@link #nextWakeAt} if it
     * is due, since the pass is what it asked for.
     */
    void consumeWake(long now) {
        lock.lock();
        try {
            if (nextWakeAt <= now) {
                nextWakeAt = NEVER;
            }
        } finally {
            lock.unlock();
        }
    }

    /** Lock held. */
    long earliestTimer() {
        Timer t;
        while ((t = timers.peek()) != null
                && (t.session.where != SessionState.TIMER || t.session.timerVersion != t.version)) {
            timers.poll();
        }
        return t == null ? NEVER : t.at;
    }

    /** Wakes the dispatcher if something must happen before it would wake by itself. Lock held. */
    void signalDispatcher() {
        if (dispatcherWaiting && Math.min(nextWakeAt, firstTimerAt) < dispatcherDeadline) {
            wake.signal();
        }
    }

    // ---------------------------------------------------------------- completion

    /**
     * A call returned (or was skipped): hand its outcome to every segment waiting for it, each under
     * its session's lock, then, when dispatching inline and {@code out} is given, run a dispatch pass,
     * and claim the listener events to deliver into {@code claimed}.
     *
     * @param concurrencyPermit a permit the worker took before for the pass's first call, or
     *     {@link ConcurrencyLimiter#NO_PERMIT}; released here whenever no call uses it
     * @return whether the call had been cancelled (its thread may carry our interrupt)
     */
    boolean finish(Call call, TranslationResult result, Throwable error, long now, List<Call> out,
            List<Object> claimed, long concurrencyPermit) {
        boolean cancelled;
        Item[] waiters;
        synchronized (call) {
            call.thread = null;
            cancelled = call.cancelled;
            call.finished = true;
            waiters = call.waiterArray();
        }
        if (call.key != null) {
            inFlightByKey.remove(call.key, call);
        }
        // A worker that runs a pass next keeps the call's slot for it (see dispatch); else it is freed now.
        boolean keepSlot = inlineDispatch && out != null && !closed;
        if (!keepSlot) {
            inFlightCalls.decrementAndGet();
        }
        try {
            for (Item w : waiters) {
                SessionState s = w.session;
                s.lock();
                try {
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
                    reschedule(s, now, null);
                    maybeFinish(s);
                    claim(s, claimed);
                } finally {
                    s.unlock();
                }
            }
        } finally {
            // Even if handling an outcome failed (a bug), the slot and the permit go on or go back.
            if (keepSlot) {
                safeDispatch(now, out, concurrencyPermit, claimed, true); // uses or frees the slot and the permit
            } else {
                if (concurrencyPermit != ConcurrencyLimiter.NO_PERMIT) {
                    releaseConcurrency(concurrencyPermit);
                }
                claimSpans(claimed);
            }
        }
        if (shutdown) {
            checkTerminatedLocked();
        }
        return cancelled;
    }

    /** Session lock held. */
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
            // Honoured up to the cap: a provider's header never holds a final longer than that.
            minDelay = e.retryAfter().map(d -> d.compareTo(Duration.ofHours(1)) > 0 ? Long.MAX_VALUE : d.toNanos())
                    .map(n -> Math.min(n, settings.maxRetryAfterNanos())).orElse(0L);
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
                retries.increment();
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

    // ---------------------------------------------------------------- delivery in order (session lock held)

    /** Emits the session's resolved finals from the head, then a held partial when its turn has come. */
    private void flushFinals(SessionState s, long now) {
        ArrayDeque<Item> f = s.finals;
        while (f != null && !f.isEmpty() && f.peekFirst().state == Item.DONE) {
            Item head = f.pollFirst();
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
        droppedStale.increment();
        long waitedMs = (now - p.acceptedAt) / 1_000_000;
        partialFailed(s, p, FailureReason.STALE, "waited " + waitedMs + " ms for its turn, longer than the "
                + settings.partialStaleAfterNanos() / 1_000_000 + " ms staleness deadline", "stale", now);
    }

    private void emitOutcome(SessionState s, Item item, String outcome, long now) {
        s.emit(item.outcome);
        s.lastDelivered = Math.max(s.lastDelivered, item.sequence());
        if (item.outcome instanceof Translation) {
            s.delivered++;
            delivered.increment();
        } else {
            s.failed++;
            failed.increment();
        }
        finish(item, outcome, now);
    }

    private void supersede(Item item, long now) {
        item.session.superseded++;
        superseded.increment();
        finish(item, "superseded", now);
    }

    /**
     * The item is done with. Its span and the latency metric are ended outside every lock (an SDK's
     * metric and span processors have locks and queues of their own): the item waits in {@link #toEnd},
     * counted as undelivered, until its thread claims it at the end of the operation. With no-op
     * telemetry both are ended in place.
     */
    private void finish(Item item, String outcome, long now) {
        item.state = Item.FINISHED;
        item.outcome = null;
        if (liveItems.decrementAndGet() == 0 && shutdown) {
            checkTerminatedLocked();
        }
        if (owner.tracing().isNoop()) {
            owner.tracing().end(item, outcome, now);
            return;
        }
        item.endOutcome = outcome;
        item.endedAt = now;
        undelivered.incrementAndGet();
        toEnd.get().add(item);
    }

    /** Removes an in-flight segment from its call; the call is cancelled when nobody waits for it any more. */
    private void detach(Item item) {
        Call call = item.call;
        if (call == null) {
            return;
        }
        boolean abandoned = false;
        synchronized (call) {
            if (call.remove(item)) {
                call.cancel();
                abandoned = true;
            }
        }
        if (abandoned && call.key != null) {
            inFlightByKey.remove(call.key, call);
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
            s.emit(SessionState.CLOSED_EVENT);
            sessions.remove(s.id, s);
            // Finals sent after close() registered the session again; forget it for good.
            safeCloseInLimiter(s.id);
            lockHot();
            try {
                s.timerVersion++;
            } finally {
                lock.unlock();
            }
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
     * Claims the session's queued events when nobody is delivering to it: appends the session and its
     * events. Session lock held.
     */
    static void claim(SessionState s, List<Object> claimed) {
        Object[] events = s.claimEvents();
        if (events != null) {
            claimed.add(s);
            claimed.add(events);
        }
    }

    /** Claims the items this thread finished whose spans are to be ended: appends null and their array. */
    void claimSpans(List<Object> claimed) {
        if (owner.tracing().isNoop()) {
            return;
        }
        ArrayList<Item> items = toEnd.get();
        if (!items.isEmpty()) {
            claimed.add(null);
            claimed.add(items.toArray());
            items.clear();
        }
    }

    // ---------------------------------------------------------------- status

    SchedulerStatus status(Clock wallClock, long now) {
        Instant wallNow = wallClock.instant();
        int queueLength = 0;
        Map<SessionId, SessionStatus> stats = new HashMap<>();
        for (SessionState s : sessions.values()) {
            s.lock();
            try {
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
            } finally {
                s.unlock();
            }
        }
        lock.lock();
        try {
            int limit = Math.min(settings.maxConcurrent(), Math.max(1, concurrencyLimiter.limit()));
            int inFlight = inFlightCalls.get();
            return new SchedulerStatus(queueLength, queueLength > 0 || inFlight > 0, inFlight,
                    settings.maxConcurrent(), estimatedTokensUsed.sum(), openSessions, stats, limit,
                    providerCalls.sum(), deduplicated.sum(), retries.sum(), delivered.sum(), failed.sum(),
                    superseded.sum(), droppedStale.sum(),
                    rateLimitedResponses.get(), queueWait.snapshot(), shutdown);
        } finally {
            lock.unlock();
        }
    }
}
