package dev.fairway.core.queue;

import dev.fairway.api.SessionId;
import dev.fairway.api.limit.ConcurrencyLimiter;
import dev.fairway.api.limit.Permits;
import dev.fairway.api.limit.RateLimiter;

/**
 * A session's turn in a dispatch pass, under the session's lock: the deficit round robin, then for
 * each ready segment a call slot, pacing, a concurrency permit and the rate limiter's permit, and the
 * provider call made (or an identical call in flight joined). The limiters are asked without any
 * shared lock (they never block and never call back).
 */
final class SessionTurn {

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

    /** What a turn tells the pass: go on with the next session. */
    static final int NEXT_SESSION = 0;
    /** No call slot is free. */
    static final int STOP = 1;
    /** Only time can help (pacing, a concurrency refusal), or the scheduler closed. */
    static final int WAIT = 2;

    private final Settings settings;
    private final SessionRing ring;
    private final InFlightCalls calls;
    private final Outcomes outcomes;
    private final SchedulerCounters counters;
    private final RateLimiter rateLimiter;
    private final ConcurrencyLimiter concurrencyLimiter;
    private final Call.Runner runner;
    private final BatchPool batches;

    SessionTurn(Settings settings, SessionRing ring, InFlightCalls calls, Outcomes outcomes,
            SchedulerCounters counters, RateLimiter rateLimiter, ConcurrencyLimiter concurrencyLimiter,
            Call.Runner runner, BatchPool batches) {
        this.settings = settings;
        this.ring = ring;
        this.calls = calls;
        this.outcomes = outcomes;
        this.counters = counters;
        this.rateLimiter = rateLimiter;
        this.concurrencyLimiter = concurrencyLimiter;
        this.runner = runner;
        this.batches = batches;
    }

    /**
     * Dispatches the session's ready segments while its deficit lasts, then puts it back where its
     * readiness says. Session lock held; the session is {@link SessionQueue#DISPATCHING}.
     *
     * @return {@link #NEXT_SESSION}, {@link #STOP} or {@link #WAIT}
     */
    int run(SessionQueue s, long now, Dispatch pass, Deliveries out) {
        for (;;) {
            Segment segment = nextReady(s, now, out);
            if (segment == null) {
                s.turnStarted = false;
                if (!s.hasQueuedWork()) {
                    s.deficit = 0;
                }
                ring.place(s, now);
                return NEXT_SESSION;
            }
            int cost = segment.cost();
            if (!s.turnStarted) {
                s.turnStarted = true;
                if (s.deficit < cost) {
                    s.deficit += (long) settings.quantumTokens() * s.options.weight();
                }
            }
            if (s.deficit < cost) {
                s.turnStarted = false;
                ring.toTail(s);
                return NEXT_SESSION;
            }
            if (joinCallInFlight(s, segment, now)) {
                continue;
            }
            if (batches.always() && pool(s, segment, now)) {
                continue;
            }
            if (settings.minRequestIntervalNanos() > 0 && !batches.isOff() && !ring.paced(now)
                    && pool(s, segment, now)) {
                // Pacing spreads the request budget over the minute: a segment that waits for it rides instead.
                continue;
            }
            int stopped = takeCapacity(s, now, pass);
            if (stopped >= 0) {
                return stopped;
            }
            long ratePermit;
            try {
                ratePermit = acquire(rateLimiter, s.id, segment.isFinal(), cost, segment.outputCost);
            } catch (IllegalArgumentException e) {
                pass.heldSlots++;
                outcomes.unadmittable(s, segment, e, now, out);
                continue;
            } catch (RuntimeException e) {
                // A broken limiter must not kill the dispatcher: treat it as a refusal and ask later.
                FairScheduler.LOG.log(System.Logger.Level.ERROR, "the rate limiter failed; session " + s.id
                        + " waits " + LIMITER_ERROR_WAIT_NANOS / 1_000_000 + " ms", e);
                ratePermit = Permits.refusal(LIMITER_ERROR_WAIT_NANOS);
            }
            if (!Permits.isGranted(ratePermit)) {
                if (pool(s, segment, now)) {
                    // Refused a request of its own, it rides in the next batch instead.
                    pass.heldSlots++;
                    continue;
                }
                refused(s, segment, ratePermit, now, pass);
                return NEXT_SESSION;
            }
            send(s, segment, ratePermit, now, pass);
        }
    }

    /**
     * Asks the rate limiter for a permit of {@code cost} tokens, {@code output} of them output ({@code -1}: unknown):
     * a final asks with {@code tryAcquire}, anything else with {@code tryAcquirePartial} (headroom for finals).
     */
    static long acquire(RateLimiter rateLimiter, SessionId session, boolean isFinal, int cost, int output) {
        if (isFinal) {
            return output < 0 ? rateLimiter.tryAcquire(session, cost) : rateLimiter.tryAcquire(session, cost - output, output);
        }
        return output < 0 ? rateLimiter.tryAcquirePartial(session, cost)
                : rateLimiter.tryAcquirePartial(session, cost - output, output);
    }

    /**
     * Puts the segment in the batch pool as a rider call: in flight for its session (and joinable by identical
     * segments), sent with the next batch.
     */
    private boolean pool(SessionQueue s, Segment segment, long now) {
        if (!batches.admits(segment) || ring.isClosed()) {
            return false;
        }
        firstDispatch(segment, now, false);
        Call rider = Call.rider(runner, segment);
        s.sent(segment, rider);
        s.deficit -= segment.cost();
        calls.register(rider);
        batches.add(rider);
        return true;
    }

    /** Joins an identical call in flight, if there is one that still runs. */
    private boolean joinCallInFlight(SessionQueue s, Segment segment, long now) {
        Call running = calls.callFor(segment.key);
        if (running == null || !calls.join(running, segment)) {
            return false;
        }
        firstDispatch(segment, now, true);
        segment.deduplicated = true;
        s.sent(segment, running);
        return true;
    }

    /**
     * Takes what a call needs besides the rate limiter's permit: a call slot (the one the pass holds,
     * else a free one), pacing and a concurrency permit. Returns -1 when it has them, else what the
     * turn returns; a slot taken is then back in {@link Dispatch#heldSlots} for the pass to give back.
     */
    private int takeCapacity(SessionQueue s, long now, Dispatch pass) {
        if (ring.isClosed()) {
            s.where = SessionQueue.IDLE;
            return WAIT;
        }
        if (pass.heldSlots > 0) {
            pass.heldSlots--;
        } else if (!calls.reserveSlot()) {
            // A completion runs the next pass; nothing else can start a call before one. Unless a slot
            // was freed just now, by a pass that found the ring empty before this session went back:
            // then this pass goes on (see SegmentLifecycle.dispatch).
            ring.stopTurn(s, SessionRing.NEVER);
            return calls.slotMayBeFree() ? NEXT_SESSION : STOP;
        }
        if (settings.minRequestIntervalNanos() > 0 && !ring.paced(now)) {
            pass.heldSlots++;
            ring.stopTurn(s, ring.nextDispatchAt());
            return WAIT;
        }
        if (pass.concurrencyPermit == ConcurrencyLimiter.NO_PERMIT) {
            pass.concurrencyPermit = tryConcurrency();
            if (pass.concurrencyPermit == ConcurrencyLimiter.NO_PERMIT) {
                pass.heldSlots++;
                ring.stopTurn(s, now + CONCURRENCY_RECHECK_NANOS);
                return WAIT;
            }
        }
        return -1;
    }

    /** Over its share or the window is full: the session is skipped, it does not block the others. */
    private void refused(SessionQueue s, Segment segment, long ratePermit, long now, Dispatch pass) {
        pass.heldSlots++;
        if (!segment.refused) {
            segment.refused = true;
            segment.refusedAt = now;
        }
        s.turnStarted = false;
        // A refusal's wait is the limiter's estimate; room can come sooner (others stop contending, a
        // calibration leaves), so a session with work asks again after at most a few seconds. A partial's
        // refusal (which may be for the headroom kept for finals) holds back only the session's partials.
        long until = now + Math.min(Permits.waitNanos(ratePermit), MAX_REFUSAL_WAIT_NANOS);
        if (segment.isFinal()) {
            s.blocked = true;
            s.blockedUntil = until;
        } else {
            s.partialsBlockedUntil = until;
        }
        ring.place(s, now);
    }

    /** Makes the provider call, with the pass's slot and concurrency permit and the rate permit. */
    private void send(SessionQueue s, Segment segment, long ratePermit, long now, Dispatch pass) {
        firstDispatch(segment, now, false);
        Call call = new Call(runner, segment, ratePermit, pass.concurrencyPermit);
        pass.concurrencyPermit = ConcurrencyLimiter.NO_PERMIT;
        s.sent(segment, call);
        int cost = segment.cost();
        s.deficit -= cost;
        counters.providerCalls.increment();
        counters.estimatedTokensUsed.add(cost);
        calls.register(call);
        if (settings.minRequestIntervalNanos() > 0) {
            ring.dispatchedAt(now);
        }
        pass.add(call);
    }

    private void firstDispatch(Segment segment, long now, boolean joined) {
        segment.dispatched(now, joined);
        if (segment.attempts == 1) {
            counters.queueWait.record(now - segment.acceptedAt);
        }
    }

    /** The session's next dispatchable segment: finals first (in order), then the pending partial. */
    private Segment nextReady(SessionQueue s, long now, Deliveries out) {
        if (s.finals != null && s.finalsInFlight < settings.maxFinalsInFlightPerSession()) {
            for (Segment f : s.finals) {
                if (f.state == Segment.QUEUED) {
                    return f;
                }
                if (f.state == Segment.WAITING_RETRY) {
                    if (f.readyAt <= now) {
                        return f;
                    }
                    break;
                }
            }
        }
        Segment p = s.pendingPartial;
        if (p != null && s.partialInFlight == null && now >= s.partialsBlockedUntil) {
            long stale = settings.partialStaleAfterNanos();
            if (stale > 0 && now - p.acceptedAt > stale) {
                s.pendingPartial = null;
                outcomes.dropStale(s, p, now, out);
                return null;
            }
            return p;
        }
        return null;
    }

    long tryConcurrency() {
        try {
            return concurrencyLimiter.tryAcquire();
        } catch (RuntimeException e) {
            FairScheduler.LOG.log(System.Logger.Level.ERROR, "the concurrency limiter failed; trying again later", e);
            return ConcurrencyLimiter.NO_PERMIT;
        }
    }

    /** Gives back a concurrency permit that no call used. */
    void releaseConcurrency(long permit) {
        try {
            concurrencyLimiter.release(permit, ConcurrencyLimiter.Outcome.IGNORED);
        } catch (RuntimeException e) {
            FairScheduler.LOG.log(System.Logger.Level.ERROR, "the concurrency limiter failed a release", e);
        }
    }
}
