package dev.fairway.core.limiter;

import dev.fairway.api.NanoClock;
import dev.fairway.api.RateLimitFeedback;
import dev.fairway.api.SessionId;
import dev.fairway.api.SessionOptions;
import dev.fairway.api.TokenUsage;
import dev.fairway.api.limit.Permits;
import dev.fairway.api.limit.RateLimiter;
import dev.fairway.api.limit.RateLimiterStats;
import dev.fairway.api.limit.SessionRateStats;

import dev.fairway.core.limiter.internal.BackOffCount;
import dev.fairway.core.limiter.internal.PermitLayout;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The in-memory {@link RateLimiter}: a global sliding window of requests and tokens per minute, and a
 * per-session fair share chosen by {@link FairSharePolicy}.
 *
 * <p>It composes three parts: {@link SlidingWindow} keeps the global windows and their invariant (in
 * any 60 s, never more than the limits) and calibrates them from provider feedback; {@link FairShares}
 * keeps the sessions and decides, with the policy's {@link FairSharePolicy#cap}, what each may take;
 * {@link AdmissionWord} is the concurrency strategy: a lock-free admission in the common case, a lock
 * bit for everything else. This class checks arguments, orders the steps and encodes the permits.
 *
 * <p><b>Cost.</b> In the common case (MAX_MIN or NONE, nobody contending, room in the window, the
 * session seen in the last minute) an acquire is a map lookup and two compare-and-sets; see
 * {@link AdmissionWord}. {@code reconcile} is lock-free too in the common case (a refund waits for the
 * next lock-holder, a charge joins the head counts). Neither acquire nor reconcile allocates once the
 * session is registered. Buckets expire as the clock advances (bounded work per elapsed tick) and
 * sessions expire through a timing wheel (constant work per session and deadline).
 *
 * <p><b>Input and output tokens.</b> Where the provider limits input and output tokens apart
 * (Anthropic), {@link Builder#inputTokensPerMinute} and {@link Builder#outputTokensPerMinute} add a
 * global sliding window for each, beside the combined one; an admission needs room in every configured
 * window, and {@link #tryAcquire(SessionId, int, int)} reserves the estimate's two parts. Fair share
 * stays on requests and combined tokens. With either set, every admission takes the lock.
 *
 * <p><b>Finals first.</b> {@link #tryAcquirePartial} admits a partial only within what every window
 * and, where the policy caps the session, its share leave beyond a headroom kept for finals
 * ({@link Builder#finalHeadroom}, 20% by default); {@link #tryAcquire} (a final) may use all of both.
 * While nobody contends, a partial takes the lock-free path at the partials' caps.
 *
 * <p><b>Batches.</b> {@link #transfer} moves tokens charged under one session's permit to another
 * session's usage, for fair share only; the windows do not change.
 *
 * <p><b>Provider feedback.</b> A 429 pauses admission for the provider's retry-after, at most
 * {@link Builder#maxRetryAfter} (60 s), or, without one, for an exponential back-off with jitter
 * (0.5 s doubling to 8 s per consecutive 429; a success starts it again). Reset headers never pause:
 * they only say when a calibration leaves the window. A calibration keeps the safety margin: the
 * provider's {@code limit - remaining} is what the account used, and this limiter's budget is its
 * own limit less that.
 *
 * <p>Build one with {@link #builder()}.
 */
public final class FairShareRateLimiter implements RateLimiter {

    private static final System.Logger LOG = System.getLogger(FairShareRateLimiter.class.getName());

    private final RateLimiterSettings settings;
    private final long requestsPerMinute;
    private final long tokensPerMinute;
    private final FairSharePolicy policy;
    private final NanoClock clock;
    /** Whether input and output tokens have windows of their own. */
    private final boolean split;
    /** Whether partials keep a headroom for finals free; without one a partial is admitted like a final. */
    private final boolean headroom;
    /** What partials may fill of the limits (the lock-free path's caps for a partial). */
    private final long partialRequestsPerMinute;
    private final long partialTokensPerMinute;
    /** How long a 429 pauses; used under the lock only (its jitter source is not thread-safe). */
    private final RateLimitPause pauses;
    private final long origin;
    private final SlidingWindow window;
    private final FairShares shares;
    private final AdmissionWord admission;
    /** 429s since the last success; changed under the lock. */
    private final BackOffCount backOff = new BackOffCount();

    private FairShareRateLimiter(RateLimiterSettings settings, NanoClock clock) {
        this.settings = settings;
        this.requestsPerMinute = settings.requestsPerMinute();
        this.tokensPerMinute = settings.tokensPerMinute();
        this.policy = settings.policy();
        this.clock = clock;
        this.split = settings.split();
        this.headroom = settings.finalHeadroomPercent() > 0;
        this.pauses = RateLimitPause.create(settings.maxRetryAfter(), settings.backoffMin(), settings.backoffMax(),
                settings.random());
        this.origin = clock.nanoTime();
        this.window = new SlidingWindow(settings);
        this.partialRequestsPerMinute = SlidingWindow.partialCap(window.partialRequestsPerMinute, 1);
        this.partialTokensPerMinute = window.partialTokensPerMinute;
        this.shares = new FairShares(settings, window);
        this.admission = new AdmissionWord(window, shares);
    }

    /**
     * A builder with the original's defaults: 4,500 requests and 1,800,000 tokens per minute (90% of
     * 5,000 and 2,000,000), {@link FairSharePolicy#MAX_MIN}, 5 minutes idle expiry.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public void openSession(SessionId session, int weight) {
        requireSession(session);
        if (weight < 1 || weight > SessionOptions.MAX_WEIGHT) {
            throw new IllegalArgumentException("weight must be 1 to " + SessionOptions.MAX_WEIGHT + ", was " + weight);
        }
        long now = now();
        admission.lock();
        try {
            now = shares.advance(now);
            SessionState s = shares.registered(session, weight, now);
            shares.reweigh(s, weight);
            s.lastSeen = Math.max(s.lastSeen, now);
        } finally {
            admission.unlock();
        }
    }

    @Override
    public void closeSession(SessionId session) {
        requireSession(session);
        long now = now();
        admission.lock();
        try {
            shares.advance(now);
            SessionState s = shares.sessions.get(session);
            if (s != null && !s.removed) {
                shares.settle(s);
                shares.remove(s);
            }
        } finally {
            admission.unlock();
        }
    }

    @Override
    public long tryAcquire(SessionId session, int estimatedTokens) {
        requireSession(session);
        settings.checkEstimate(estimatedTokens);
        if (split) {
            // Without a split, the whole estimate is reserved in each of the separate windows (as much
            // of it as that window can ever hold); the reconcile corrects each with the usage's parts.
            return acquireLocked(session, estimatedTokens, settings.inputPart(estimatedTokens),
                    settings.outputPart(estimatedTokens), true, false);
        }
        SessionState s = shares.sessions.get(session);
        long now = now();
        if (s != null && policy != FairSharePolicy.STATIC_SPLIT && estimatedTokens <= AdmissionWord.HEAD_TOKEN_MAX) {
            long permit = admission.tryAdmit(s, estimatedTokens, now, requestsPerMinute, tokensPerMinute);
            if (permit >= 0) {
                return permit;
            }
        }
        return acquireLocked(s, session, estimatedTokens, 0, 0, false, false, now);
    }

    /**
     * {@inheritDoc} With separate input and output budgets, each part is reserved in its own window and
     * their sum in the combined one; otherwise the sum is reserved as by {@link #tryAcquire(SessionId, int)}.
     */
    @Override
    public long tryAcquire(SessionId session, int estimatedInputTokens, int estimatedOutputTokens) {
        if (!split) {
            return RateLimiter.super.tryAcquire(session, estimatedInputTokens, estimatedOutputTokens);
        }
        requireSession(session);
        settings.checkEstimate(estimatedInputTokens, estimatedOutputTokens);
        return acquireLocked(session, estimatedInputTokens + estimatedOutputTokens, estimatedInputTokens,
                estimatedOutputTokens, false, false);
    }

    /**
     * {@inheritDoc} With a {@linkplain Builder#finalHeadroom headroom for finals}, a partial is admitted
     * only if, after it, every window holds at most its limit less the headroom and, where the policy caps
     * the session (max-min while anyone contends, static split always), the session's usage is at most
     * its share less the headroom. A partial larger than a whole window's part for partials is admitted
     * into a window that holds nothing else. Its refusal says when it fits.
     */
    @Override
    public long tryAcquirePartial(SessionId session, int estimatedTokens) {
        if (!headroom) {
            return tryAcquire(session, estimatedTokens);
        }
        requireSession(session);
        settings.checkEstimate(estimatedTokens);
        if (split) {
            return acquireLocked(session, estimatedTokens, settings.inputPart(estimatedTokens),
                    settings.outputPart(estimatedTokens), true, true);
        }
        SessionState s = shares.sessions.get(session);
        long now = now();
        if (s != null && policy != FairSharePolicy.STATIC_SPLIT && estimatedTokens <= AdmissionWord.HEAD_TOKEN_MAX) {
            // The lock-free path decides only while nobody contends, when the window alone decides: at the
            // partials' caps it keeps the headroom as the locked path does.
            long permit = admission.tryAdmit(s, estimatedTokens, now, partialRequestsPerMinute,
                    SlidingWindow.partialCap(partialTokensPerMinute, estimatedTokens));
            if (permit >= 0) {
                return permit;
            }
        }
        return acquireLocked(s, session, estimatedTokens, 0, 0, false, true, now);
    }

    /**
     * {@inheritDoc} With separate input and output budgets, the headroom is kept in the input and output
     * windows too.
     */
    @Override
    public long tryAcquirePartial(SessionId session, int estimatedInputTokens, int estimatedOutputTokens) {
        if (!headroom) {
            return tryAcquire(session, estimatedInputTokens, estimatedOutputTokens);
        }
        if (!split) {
            return tryAcquirePartial(session, RateLimiter.sumOfEstimates(estimatedInputTokens, estimatedOutputTokens));
        }
        requireSession(session);
        settings.checkEstimate(estimatedInputTokens, estimatedOutputTokens);
        return acquireLocked(session, estimatedInputTokens + estimatedOutputTokens, estimatedInputTokens,
                estimatedOutputTokens, false, true);
    }

    private long acquireLocked(SessionId session, int tokens, int in, int out, boolean whole, boolean partial) {
        SessionState s = shares.sessions.get(session);
        return acquireLocked(s, session, tokens, in, out, whole, partial, now());
    }

    /**
     * An admission under the lock; {@code s} is the session's state as looked up without it (maybe
     * null or removed), {@code in} and {@code out} the parts for the separate windows (ignored without
     * them), {@code whole} that they are not a split of the estimate.
     */
    private long acquireLocked(SessionState s, SessionId session, int tokens, int in, int out, boolean whole,
            boolean partial, long now) {
        admission.lock();
        try {
            now = shares.advance(now);
            if (s == null || s.removed) {
                s = shares.registered(session, 1, now);
            }
            shares.settle(s);
            return admit(s, tokens, in, out, whole, partial, now);
        } finally {
            admission.unlock();
        }
    }

    /** The decision under the lock, the session settled: the pause, the separate windows, then the policy. */
    private long admit(SessionState s, int estimatedTokens, int in, int out, boolean whole, boolean partial,
            long now) {
        s.lastSeen = Math.max(s.lastSeen, now);
        if (now < window.pausedUntil) {
            return Permits.refusal(window.pausedUntil - now);
        }
        if (split) {
            // Global windows that fair share does not divide: checked first, so that a refusal here
            // leaves the policy's state alone.
            long refusal = window.ioRefusal(in, out, now, partial);
            if (refusal != 0) {
                return refusal;
            }
        }
        if (s.usage != null) {
            s.usage.advanceTo(window.coarseTick);
        }
        long refusal = shares.refusal(s, estimatedTokens, now, partial);
        if (refusal != 0) {
            return refusal;
        }
        long tick = window.fineTick;
        window.add(tick, 1, estimatedTokens);
        shares.record(s, window.coarseTick, 1, estimatedTokens);
        if (split) {
            window.addIo(tick, in, out);
            return PermitLayout.split(tick, whole, in, out);
        }
        return PermitLayout.whole(tick, estimatedTokens, AdmissionWord.PERMIT_TICK_MASK);
    }

    /**
     * The combined tokens a permit of this limiter reserved, for a store that keeps its own account of
     * what this limiter admitted (limiter-redis's local fallback).
     *
     * @param permit a permit this limiter granted
     * @return its combined token estimate
     */
    public long permitTokens(long permit) {
        return PermitLayout.tokens(permit, split);
    }

    /**
     * The input tokens a permit of this limiter reserved in its input window.
     *
     * @param permit a permit this limiter granted
     * @return its input estimate; 0 without separate input and output budgets
     */
    public long permitInputTokens(long permit) {
        return PermitLayout.inputTokens(permit, split);
    }

    /**
     * The output tokens a permit of this limiter reserved in its output window.
     *
     * @param permit a permit this limiter granted
     * @return its output estimate; 0 without separate input and output budgets
     */
    public long permitOutputTokens(long permit) {
        return PermitLayout.outputTokens(permit, split);
    }

    /** The fine tick a permit was charged to (the latest tick with its stored low bits). Under the lock. */
    private long permitTick(long permit) {
        return PermitLayout.tick(permit, split, window.fineTick, AdmissionWord.PERMIT_TICK_MASK);
    }

    /** A success starts the back-off after 429s again; costs a volatile read otherwise. */
    private void succeeded() {
        if (backOff.backingOff()) {
            admission.lock();
            try {
                backOff.reset();
            } finally {
                admission.unlock();
            }
        }
    }

    /**
     * {@inheritDoc} The tokens leave {@code from}'s usage in the bucket the permit was charged to (what
     * that bucket no longer holds, because a reconcile above the estimate charged the newest bucket,
     * from the newest one) and join {@code to}'s in the same bucket, so that they leave its usage when
     * they leave the window. Only the sessions' usage for fair share moves: no window changes, the
     * input and output windows neither (fair share divides combined tokens only). Never more moves than
     * {@code from} still holds there (nothing once the bucket has left the window or when {@code from}
     * is not registered); a {@code to} that is not registered (closed, expired) is not registered again:
     * the tokens then count in the window only, as a closed session's usage does.
     *
     * @throws IllegalArgumentException when a session is null, the permit is not a permit, or
     *     {@code tokens} is negative
     */
    @Override
    public void transfer(SessionId from, long permit, SessionId to, int tokens) {
        requireSession(from);
        requireSession(to);
        requirePermit(permit);
        if (tokens < 0) {
            throw new IllegalArgumentException("tokens must be >= 0, was " + tokens);
        }
        SessionState source = shares.sessions.get(from);
        if (tokens == 0 || from.equals(to) || source == null) {
            return;
        }
        long now = now();
        admission.lock();
        try {
            now = shares.advance(now);
            shares.transfer(source, shares.sessions.get(to), permitTick(permit), tokens, now);
        } finally {
            admission.unlock();
        }
    }

    @Override
    public void reconcile(SessionId session, long permit, int actualTokens) {
        requirePermit(permit);
        if (actualTokens < 0) {
            throw new IllegalArgumentException("actualTokens must be >= 0, was " + actualTokens);
        }
        succeeded();
        if (actualTokens == 0) {
            // Nothing reported (or 0 for an answer) is not a refund: the estimate stays charged.
            return;
        }
        if (split) {
            adjust(session, permit, 0, actualTokens - permitTokens(permit), 0, 0);
            return;
        }
        long delta = actualTokens - (permit & PermitLayout.TOKEN_MASK);
        if (delta == 0) {
            return;
        }
        SessionState s = shares.sessions.get(session);
        if (s != null && (delta > 0 ? admission.tryCharge(s, delta) : admission.tryDeferRefund(s, permit, -delta))) {
            return;
        }
        adjust(session, permit, 0, delta, 0, 0);
    }

    /**
     * {@inheritDoc} With separate input and output budgets, the prompt tokens reconcile the input
     * window and the completion tokens the output window; a part reported as 0 keeps its estimate.
     */
    @Override
    public void reconcile(SessionId session, long permit, TokenUsage usage) {
        if (!split) {
            reconcile(session, permit, usage.totalTokens());
            return;
        }
        requirePermit(permit);
        succeeded();
        long total = usage.totalTokens() == 0 ? 0 : usage.totalTokens() - permitTokens(permit);
        long in = usage.promptTokens() == 0 ? 0 : usage.promptTokens() - permitInputTokens(permit);
        long out = usage.completionTokens() == 0 ? 0 : usage.completionTokens() - permitOutputTokens(permit);
        if ((total | in | out) != 0) {
            adjust(session, permit, 0, total, in, out);
        }
    }

    @Override
    public void cancel(SessionId session, long permit, boolean reachedProvider) {
        requirePermit(permit);
        if (!reachedProvider) {
            adjust(session, permit, -1, -permitTokens(permit), -permitInputTokens(permit), -permitOutputTokens(permit));
        }
    }

    /**
     * Adds a reconciliation or a refund to the buckets the permit was charged to, if still in the window:
     * a refund (a negative part) goes to the permit's bucket, a charge to the current one, as on the
     * lock-free path. {@code deltaIn} and {@code deltaOut} are 0 without separate windows.
     */
    private void adjust(SessionId session, long permit, long deltaRequests, long deltaTokens, long deltaIn,
            long deltaOut) {
        SessionState s = shares.sessions.get(session);
        long now = now();
        admission.lock();
        try {
            shares.advance(now);
            long current = window.fineTick;
            long own = permitTick(permit);
            if ((deltaRequests | deltaTokens) != 0) {
                shares.adjust(s, deltaTokens > 0 ? current : own, deltaRequests, deltaTokens);
            }
            if (deltaIn != 0) {
                window.addIo(deltaIn > 0 ? current : own, deltaIn, 0);
            }
            if (deltaOut != 0) {
                window.addIo(deltaOut > 0 ? current : own, 0, deltaOut);
            }
        } finally {
            admission.unlock();
        }
    }

    @Override
    public void onFeedback(RateLimitFeedback feedback) {
        feedback(feedback, false);
    }

    @Override
    public void onRateLimited(RateLimitFeedback feedback) {
        feedback(feedback, true);
    }

    private void feedback(RateLimitFeedback feedback, boolean rateLimited) {
        if (feedback == null) {
            throw new IllegalArgumentException("feedback must not be null");
        }
        long now = now();
        long pause;
        admission.lock();
        try {
            now = shares.advance(now);
            window.calibrate(now, feedback);
            int inARow = backOff.record(rateLimited);
            // Reset headers say when a window is full again, not how long to wait: they never pause.
            pause = pauses.pauseNanos(feedback.retryAfter(), rateLimited, inARow);
            if (pause >= 0) {
                window.pause(now, pause);
            }
        } finally {
            admission.unlock();
        }
        if (pause >= 0) {
            LOG.log(System.Logger.Level.INFO, "provider rate limit: admission paused for {0} ms", pause / 1_000_000);
        }
    }

    @Override
    public RateLimiterStats stats() {
        long now = now();
        admission.lock();
        try {
            now = shares.advance(now);
            long phase = window.phase();
            Map<SessionId, SessionRateStats> perSession = new HashMap<>();
            for (SessionState s : shares.sessions.values()) {
                if (s.removed) {
                    continue;
                }
                long requests = 0;
                long tokens = 0;
                shares.settle(s);
                if (s.usage != null) {
                    s.usage.advanceTo(window.coarseTick);
                    requests = Math.max(0, shares.usedRequests(s, phase));
                    tokens = Math.max(0, shares.usedTokens(s, phase));
                }
                long shareRequests = Math.min(requestsPerMinute, shares.capRequests(s, requests, phase));
                long shareTokens = Math.min(tokensPerMinute, shares.capTokens(s, tokens, phase));
                perSession.put(s.id, new SessionRateStats(requests, tokens, shareRequests, shareTokens));
            }
            return new RateLimiterStats(window.global.requests(), requestsPerMinute, window.global.tokens(),
                    tokensPerMinute, perSession.size(), now < window.pausedUntil, perSession);
        } finally {
            admission.unlock();
        }
    }

    /**
     * The enforced requests-per-minute limit.
     *
     * @return the limit
     */
    public long requestsPerMinute() {
        return requestsPerMinute;
    }

    /**
     * The enforced tokens-per-minute limit.
     *
     * @return the limit
     */
    public long tokensPerMinute() {
        return tokensPerMinute;
    }

    /**
     * The fair-share policy.
     *
     * @return the policy
     */
    public FairSharePolicy policy() {
        return policy;
    }

    /**
     * The settings this limiter was built with.
     *
     * @return the settings
     */
    public RateLimiterSettings settings() {
        return settings;
    }

    /** Reads the clock (outside the lock). */
    private long now() {
        return clock.nanoTime() - origin;
    }

    private static void requireSession(SessionId session) {
        if (session == null) {
            throw new IllegalArgumentException("session must not be null");
        }
    }

    private static void requirePermit(long permit) {
        if (permit < 0) {
            throw new IllegalArgumentException("permit must be a granted permit (>= 0), was " + permit);
        }
    }

    /**
     * Builds a {@link FairShareRateLimiter}: the options every store shares ({@link RateLimiterSettings.Builder})
     * and the monotonic clock.
     */
    public static final class Builder extends RateLimiterSettings.Builder<Builder> {
        private NanoClock clock = NanoClock.SYSTEM;

        private Builder() {
        }

        /**
         * @param value the monotonic clock (default {@link NanoClock#SYSTEM})
         * @return this builder
         */
        public Builder clock(NanoClock value) {
            if (value == null) {
                throw new IllegalArgumentException("clock must not be null");
            }
            clock = value;
            return this;
        }

        /**
         * {@inheritDoc} The width must be 1 ms to 3 s and divide one minute into a multiple of 20 buckets,
         * the per-session rings' coarse buckets.
         */
        @Override
        protected void checkBucketWidth(Duration value) {
            long window = SlidingWindow.WINDOW_NANOS;
            int coarse = SlidingWindow.COARSE_BUCKETS;
            if (value == null || value.toNanos() < 1_000_000 || value.toNanos() > 3_000_000_000L
                    || window % value.toNanos() != 0 || (window / value.toNanos()) % coarse != 0) {
                throw new IllegalArgumentException("bucketWidth must be 1 ms to 3 s and divide one minute into a"
                        + " multiple of " + coarse + " buckets, was " + value);
            }
        }

        /**
         * @return the limiter
         */
        public FairShareRateLimiter build() {
            return new FairShareRateLimiter(toSettings(), clock);
        }
    }
}
