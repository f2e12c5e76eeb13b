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

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The in-memory {@link RateLimiter}: a global sliding window of requests and tokens per minute, and a
 * per-session fair share chosen by {@link FairSharePolicy}.
 *
 * <p><b>Invariant.</b> In any window of 60 seconds (any start, not only whole minutes) the admitted
 * requests never exceed the requests-per-minute limit and the admitted tokens never exceed the
 * tokens-per-minute limit (tokens as reserved, less refunds; a usage report above the estimate is
 * charged but cannot be undone). The global window is a ring of {@code 60 s / bucketWidth + 1}
 * buckets; the oldest one straddles the window start and counts as wholly inside. An admission at
 * tick {@code k} checks the sum of buckets {@code k - N .. k}, which holds every earlier admission
 * less than 60 s old, so every window ending at an admission, and hence every window, stays within
 * the limits. The price is that usage is held up to one bucket (100 ms by default) longer than 60 s.
 *
 * <p><b>Fair share.</b> Each session keeps its own usage in 20 coarse buckets of 3 s (the oldest
 * counted in proportion to the part still inside the window); see {@link FairSharePolicy}. Under
 * {@link FairSharePolicy#MAX_MIN} the limiter keeps the total weight of the contending sessions, a
 * coarse copy of the global window and a coarse ring of the contending sessions' usage (the
 * satisfied usage is the difference), all maintained incrementally, so a session's cap is one
 * division: no acquire visits other sessions. A session's ring is dropped once its usage has slid
 * out of the window, so an idle session costs a few dozen bytes.
 *
 * <p><b>Cost.</b> In the common case (MAX_MIN or NONE, nobody contending, room in the window, the
 * session seen in the last minute) an acquire is a map lookup and two compare-and-sets: one of a
 * single admission word that holds the lock bit, a generation and the counts admitted since the
 * lock was last held, and one of the session's own pending word. Threads admitting for different
 * sessions share only the admission word. {@code reconcile} is lock-free too in the common case (a
 * refund waits for the next lock-holder, a charge joins the head counts). Everything else (a new
 * tick, a refusal, contention, {@code cancel}, feedback, stats) takes the lock bit for a critical
 * section of a few dozen instructions (never {@code synchronized}, so virtual threads are not
 * pinned; nothing in it blocks, logs or allocates), in integer arithmetic. Neither acquire nor
 * reconcile allocates once the session is registered. Buckets expire as the clock advances (bounded work per elapsed tick) and sessions
 * expire through a timing wheel (constant work per session and deadline).
 *
 * <p><b>Input and output tokens.</b> Where the provider limits input and output tokens apart
 * (Anthropic), {@link Builder#inputTokensPerMinute} and {@link Builder#outputTokensPerMinute} add a
 * global sliding window for each, beside the combined one; an admission needs room in every configured
 * window, and {@link #tryAcquire(SessionId, int, int)} reserves the estimate's two parts. Fair share
 * stays on requests and combined tokens. With either set, every admission takes the lock.
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

    private static final long WINDOW_NANOS = RateLimiterSettings.WINDOW.toNanos();
    /** Coarse buckets per window for the per-session rings. */
    static final int COARSE_BUCKETS = 20;
    private static final int TOKEN_BITS = 31;
    /** The longest a session goes without the wheel visiting it. */
    private static final long SETTLE_HORIZON_NANOS = Duration.ofHours(1).toNanos();
    private static final long TOKEN_MASK = (1L << TOKEN_BITS) - 1;
    // A permit with separate input and output budgets: the fine tick's low 19 bits, a flag (the
    // combined estimate is the larger part, for a permit asked for without a split), 21 bits of input
    // and 21 of output tokens.
    private static final int PART_BITS = 21;
    /** The largest input or output estimate of one request when the budgets are separate. */
    static final long PART_MAX = (1L << PART_BITS) - 1;
    private static final int WHOLE_FLAG_SHIFT = 2 * PART_BITS;
    private static final int SPLIT_TICK_SHIFT = WHOLE_FLAG_SHIFT + 1;
    // 19 bits of tick, so that bit 62 stays clear: limiter-redis marks its own permits with it.
    private static final long SPLIT_TICK_MASK = (1L << (62 - SPLIT_TICK_SHIFT)) - 1;
    /** The cap of a window that is not configured: never reached. */
    private static final long UNLIMITED = Long.MAX_VALUE / 4;

    private final RateLimiterSettings settings;
    private final long requestsPerMinute;
    private final long tokensPerMinute;
    private final FairSharePolicy policy;
    private final NanoClock clock;
    private final long bucketNanos;
    private final int fineBuckets;
    private final int ratio;
    private final long coarseNanos;
    private final long idleTimeoutNanos;
    private final long contentionTimeoutNanos;
    private final long inputTokensPerMinute;
    private final long outputTokensPerMinute;
    /** Whether input and output tokens have windows of their own. */
    private final boolean split;
    /** How long a 429 pauses; used under the lock only (its jitter source is not thread-safe). */
    private final RateLimitPause pauses;
    private final long origin;

    private static final VarHandle WORD;
    private static final int HEAD_TOKEN_BITS = 24;
    private static final long HEAD_TOKEN_MAX = (1L << HEAD_TOKEN_BITS) - 1;
    private static final int HEAD_REQUEST_SHIFT = HEAD_TOKEN_BITS;
    private static final long HEAD_REQUEST_MAX = 0xFFFF;
    private static final int GENERATION_SHIFT = 40;
    private static final long GENERATION_MASK = ((1L << 23) - 1) << GENERATION_SHIFT;
    private static final long LOCKED = 1L << 63;

    private static final VarHandle REFUNDS;

    static {
        try {
            WORD = MethodHandles.lookup().findVarHandle(FairShareRateLimiter.class, "word", long.class);
            REFUNDS = MethodHandles.lookup().findVarHandle(FairShareRateLimiter.class, "refunds", SessionState.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * The admission word: the lock bit, a generation (23 bits) and the head counts (16 bits of
     * requests, 24 of tokens) admitted by the lock-free path into the current fine bucket since the
     * lock was last held. See {@link #tryAcquireLockFree}.
     */
    @SuppressWarnings("unused") // accessed through WORD
    private volatile long word;
    /** Sessions with a deferred refund (a lock-free stack linked through {@link SessionState#refundNext}). */
    @SuppressWarnings("unused") // accessed through REFUNDS
    private volatile SessionState refunds;
    private final ConcurrentHashMap<SessionId, SessionState> sessions = new ConcurrentHashMap<>();

    // Guarded by the lock bit of the word; read without it only by the lock-free path, which validates
    // what it read with the word's generation.
    private long lastNow;
    private long fineTick;
    /** When the next fine tick starts: the hot path compares instead of dividing. */
    private long nextTickAt;
    private long coarseTick;
    private final BucketRing global;
    /** Everything the global ring holds, in coarse buckets: what the per-session rings are compared with. */
    private final BucketRing coarseGlobal;
    /** Usage of the contending sessions; the rest of {@link #coarseGlobal} is the satisfied usage. */
    private final BucketRing contendingUsage;
    private final ExpiryWheel wheel;
    private long activeWeight;
    private long contendingWeight;
    private long reservedRequests;
    private long reservedTokens;
    private long pausedUntil = Long.MIN_VALUE;
    /** Input tokens (in the requests slots) and output tokens (in the tokens slots); null unless split. */
    private final BucketRing io;
    /** 429s since the last success; under the lock. */
    private int rateLimitedInARow;
    /** Whether {@link #rateLimitedInARow} is not 0: read by a success without the lock. */
    private volatile boolean backingOff;

    private FairShareRateLimiter(RateLimiterSettings settings, NanoClock clock) {
        this.settings = settings;
        this.requestsPerMinute = settings.requestsPerMinute();
        this.tokensPerMinute = settings.tokensPerMinute();
        this.policy = settings.policy();
        this.clock = clock;
        this.bucketNanos = settings.bucketWidth().toNanos();
        this.fineBuckets = (int) (WINDOW_NANOS / bucketNanos);
        this.ratio = fineBuckets / COARSE_BUCKETS;
        this.coarseNanos = bucketNanos * ratio;
        this.idleTimeoutNanos = settings.idleTimeout().toNanos();
        this.contentionTimeoutNanos = settings.contentionTimeout().toNanos();
        this.inputTokensPerMinute = settings.inputTokensPerMinute();
        this.outputTokensPerMinute = settings.outputTokensPerMinute();
        this.split = settings.split();
        this.pauses = RateLimitPause.create(settings.maxRetryAfter(), settings.backoffMin(), settings.backoffMax(),
                settings.random());
        this.origin = clock.nanoTime();
        this.global = new BucketRing(fineBuckets, 0);
        this.io = split ? new BucketRing(fineBuckets, 0) : null;
        this.coarseGlobal = new BucketRing(COARSE_BUCKETS, 0);
        this.contendingUsage = new BucketRing(COARSE_BUCKETS, 0);
        this.wheel = new ExpiryWheel(0, this::due);
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
        lock();
        try {
            now = advance(now);
            SessionState s = registered(session, weight, now);
            if (s.weight != weight) {
                activeWeight += weight - s.weight;
                if (s.contending) {
                    contendingWeight += weight - s.weight;
                }
                s.weight = weight;
            }
            s.lastSeen = Math.max(s.lastSeen, now);
        } finally {
            unlock();
        }
    }

    @Override
    public void closeSession(SessionId session) {
        requireSession(session);
        long now = now();
        lock();
        try {
            advance(now);
            SessionState s = sessions.get(session);
            if (s != null && !s.removed) {
                settle(s);
                remove(s);
            }
        } finally {
            unlock();
        }
    }

    @Override
    public long tryAcquire(SessionId session, int estimatedTokens) {
        requireSession(session);
        if (estimatedTokens <= 0 || estimatedTokens > tokensPerMinute) {
            throw new IllegalArgumentException("estimatedTokens must be 1 to the tokens-per-minute limit "
                    + tokensPerMinute + ", was " + estimatedTokens);
        }
        if (split) {
            // Without a split, the whole estimate is reserved in each of the separate windows (as much
            // of it as that window can ever hold); the reconcile corrects each with the usage's parts.
            if (estimatedTokens > PART_MAX) {
                throw new IllegalArgumentException("estimatedTokens must be at most " + PART_MAX
                        + " with separate input and output budgets, was " + estimatedTokens);
            }
            int in = (int) Math.min(estimatedTokens, capOf(inputTokensPerMinute));
            int out = (int) Math.min(estimatedTokens, capOf(outputTokensPerMinute));
            if (Math.max(in, out) != estimatedTokens) {
                throw new IllegalArgumentException("estimatedTokens must be at most the larger of the input and"
                        + " output tokens-per-minute limits, was " + estimatedTokens);
            }
            return acquireSplit(session, estimatedTokens, in, out, true);
        }
        SessionState s = sessions.get(session);
        long now = now();
        if (s != null && policy != FairSharePolicy.STATIC_SPLIT && estimatedTokens <= HEAD_TOKEN_MAX) {
            long permit = tryAcquireLockFree(s, estimatedTokens, now);
            if (permit >= 0) {
                return permit;
            }
        }
        lock();
        try {
            now = advance(now);
            if (s == null || s.removed) {
                s = registered(session, 1, now);
            }
            settle(s);
            return acquireLocked(s, estimatedTokens, 0, 0, false, now);
        } finally {
            unlock();
        }
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
        long sum = (long) estimatedInputTokens + estimatedOutputTokens;
        if (estimatedInputTokens < 0 || estimatedOutputTokens < 0 || sum <= 0 || sum > tokensPerMinute
                || estimatedInputTokens > Math.min(PART_MAX, capOf(inputTokensPerMinute))
                || estimatedOutputTokens > Math.min(PART_MAX, capOf(outputTokensPerMinute))) {
            throw new IllegalArgumentException("estimated input and output tokens must be >= 0, each at most its"
                    + " own limit (input " + limitText(inputTokensPerMinute) + ", output "
                    + limitText(outputTokensPerMinute) + ", " + PART_MAX + " at most), with a sum of 1 to the"
                    + " tokens-per-minute limit " + tokensPerMinute + ", were " + estimatedInputTokens + " and "
                    + estimatedOutputTokens);
        }
        return acquireSplit(session, (int) sum, estimatedInputTokens, estimatedOutputTokens, false);
    }

    private static long capOf(long limit) {
        return limit > 0 ? limit : PART_MAX;
    }

    private static String limitText(long limit) {
        return limit > 0 ? Long.toString(limit) : "not limited apart";
    }

    /** An admission with separate input and output windows: always under the lock. */
    private long acquireSplit(SessionId session, int tokens, int in, int out, boolean whole) {
        SessionState s = sessions.get(session);
        long now = now();
        lock();
        try {
            now = advance(now);
            if (s == null || s.removed) {
                s = registered(session, 1, now);
            }
            settle(s);
            return acquireLocked(s, tokens, in, out, whole, now);
        } finally {
            unlock();
        }
    }

    /**
     * The lock-free path, for the common case: nobody contends or waits with a reservation, no pause,
     * the session has a usage ring, and the fine tick has not ended. Then an admission needs only room
     * in the global window, which the word's head counts plus the ring's sums show, and one
     * compare-and-set of the word charges it. The state read besides the word is written only under
     * the lock, and every release of the lock moves the word to a new generation, so a successful
     * compare-and-set proves that what was read was current; a lock taken meanwhile makes it fail.
     * The next lock-holder moves the head counts into the rings before it changes anything. The
     * session's own usage is then charged with a compare-and-set of its pending word, which the
     * lock-holder {@linkplain #settle settles} into the session's ring before it reads that.
     *
     * @return the permit, or -1 when the locked path must decide (which includes every refusal)
     */
    private long tryAcquireLockFree(SessionState s, int tokens, long now) {
        long w = (long) WORD.getAcquire(this);
        for (int attempt = 0; attempt < 4; attempt++) {
            for (int spins = 0; (w & LOCKED) != 0; spins++) {
                if (spins == SpinLock.SPINS_BEFORE_YIELD) {
                    return -1;
                }
                Thread.onSpinWait();
                w = (long) WORD.getAcquire(this);
            }
            // A snapshot of the state the lock guards, valid while the generation stays the same.
            long generation = w & (GENERATION_MASK | LOCKED);
            if (now >= nextTickAt || now < pausedUntil || contendingWeight != 0 || reservedRequests != 0
                    || s.removed || s.contending || s.usage == null) {
                return -1;
            }
            long ringRequests = global.requests();
            long ringTokens = global.tokens();
            long tick = fineTick;
            long coarse = coarseTick;
            while (true) {
                long requests = ((w >>> HEAD_REQUEST_SHIFT) & HEAD_REQUEST_MAX) + 1;
                long admittedTokens = (w & HEAD_TOKEN_MAX) + tokens;
                if (requests > HEAD_REQUEST_MAX || admittedTokens > HEAD_TOKEN_MAX
                        || ringRequests + requests > requestsPerMinute || ringTokens + admittedTokens > tokensPerMinute) {
                    return -1;
                }
                long witness = (long) WORD.compareAndExchange(this, w, w + (1L << HEAD_REQUEST_SHIFT) + tokens);
                if (witness == w) {
                    chargeSession(s, coarse, 1, tokens, now);
                    return ((tick & 0xFFFF_FFFFL) << TOKEN_BITS) | tokens;
                }
                w = witness;
                if ((w & (GENERATION_MASK | LOCKED)) != generation) {
                    break; // the lock was taken: read the state again
                }
            }
        }
        return -1;
    }

    /**
     * The session's part of a lock-free admission: adds it to the session's pending word (the coarse
     * tick's low 16 bits, 16 bits of requests, 32 of tokens). A word of an older tick, or a full one,
     * is settled under the lock first.
     */
    private void chargeSession(SessionState s, long coarse, int requests, long tokens, long now) {
        if (now > s.lastSeen) {
            s.lastSeen = now;
        }
        long tickBits = (coarse & 0xFFFF) << 48;
        long p = s.pending();
        while (true) {
            long next;
            if (p == 0) {
                next = tickBits | ((long) requests << 32) | tokens;
            } else if ((p & (0xFFFFL << 48)) == tickBits && ((p >>> 32) & 0xFFFF) + requests <= 0xFFFF
                    && (p & 0xFFFF_FFFFL) + tokens <= 0xFFFF_FFFFL) {
                next = p + ((long) requests << 32) + tokens;
            } else {
                lock();
                try {
                    advance(now);
                    settle(s);
                    // It happened in the coarse tick the lock-free path saw: charge it there.
                    record(s, coarse, requests, tokens);
                } finally {
                    unlock();
                }
                return;
            }
            long witness = s.compareAndExchangePending(p, next);
            if (witness == p) {
                return;
            }
            p = witness;
        }
    }

    /** Adds to the global window's bucket of fine tick {@code tick} and to its coarse copy. Under the lock. */
    private void addToWindow(long tick, long requests, long tokens) {
        global.add(tick, requests, tokens);
        coarseGlobal.add(Math.floorDiv(tick, ratio), requests, tokens);
    }

    /** Moves the session's pending word (lock-free admissions) into its ring. Under the lock. */
    private void settle(SessionState s) {
        long p = s.takePending();
        if (p == 0) {
            return;
        }
        // The word's tick is at most the current one and at most an hour old: every session is due on
        // the wheel at least hourly (see schedule), and due() settles it, so 16 bits of ticks (55
        // hours) are never ambiguous.
        long coarse = coarseTick - ((coarseTick - (p >>> 48)) & 0xFFFF);
        record(s, coarse, (p >>> 32) & 0xFFFF, p & 0xFFFF_FFFFL);
    }

    /** Charges usage to the session's ring (made if need be) and, if it contends, to theirs. Under the lock. */
    private void record(SessionState s, long coarse, long requests, long tokens) {
        if (s.removed) {
            return; // it is in the global rings, which is all a closed session's usage needs
        }
        BucketRing own = s.usage;
        if (own == null) {
            own = new BucketRing(COARSE_BUCKETS, coarseTick);
            s.usage = own;
            schedule(s); // to drop the ring again once the window has forgotten it
        }
        own.advanceTo(coarseTick);
        own.add(coarse, requests, tokens);
        if (s.contending) {
            contendingUsage.add(coarse, requests, tokens);
        }
    }

    /**
     * An admission under the lock, the session settled; {@code in} and {@code out} are the parts for the
     * separate windows (ignored without them), {@code whole} that they are not a split of the estimate.
     */
    private long acquireLocked(SessionState s, int estimatedTokens, int in, int out, boolean whole, long now) {
        s.lastSeen = Math.max(s.lastSeen, now);
        if (now < pausedUntil) {
            return Permits.refusal(pausedUntil - now);
        }
        if (split) {
            // Global windows that fair share does not divide: checked first, so that a refusal here
            // leaves the policy's state alone.
            long refusal = ioRefusal(in, out, now);
            if (refusal != 0) {
                return refusal;
            }
        }
        if (s.usage != null) {
            s.usage.advanceTo(coarseTick);
        }
        long refusal = switch (policy) {
            case NONE -> globalRefusal(1, estimatedTokens, now);
            case STATIC_SPLIT -> {
                long r = globalRefusal(1, estimatedTokens, now);
                yield r != 0 ? r : shareRefusal(s, estimatedTokens, now);
            }
            case MAX_MIN -> maxMinRefusal(s, estimatedTokens, now);
        };
        if (refusal != 0) {
            return refusal;
        }
        addToWindow(fineTick, 1, estimatedTokens);
        record(s, coarseTick, 1, estimatedTokens);
        if (split) {
            io.add(fineTick, in, out);
            return ((fineTick & SPLIT_TICK_MASK) << SPLIT_TICK_SHIFT) | (whole ? 1L << WHOLE_FLAG_SHIFT : 0)
                    | ((long) in << PART_BITS) | out;
        }
        return ((fineTick & 0xFFFF_FFFFL) << TOKEN_BITS) | estimatedTokens;
    }

    /** 0 when the input and output windows have room for the parts, otherwise the refusal with the exact wait. */
    private long ioRefusal(long in, long out, long now) {
        long inCap = inputTokensPerMinute > 0 ? inputTokensPerMinute : UNLIMITED;
        long outCap = outputTokensPerMinute > 0 ? outputTokensPerMinute : UNLIMITED;
        if (io.requests() + in <= inCap && io.tokens() + out <= outCap) {
            return 0;
        }
        long ticks = io.ticksUntilFits(in, out, inCap, outCap);
        return Permits.refusal((fineTick + ticks) * bucketNanos - now);
    }

    /**
     * The combined tokens a permit of this limiter reserved, for a store that keeps its own account of
     * what this limiter admitted (limiter-redis's local fallback).
     *
     * @param permit a permit this limiter granted
     * @return its combined token estimate
     */
    public long permitTokens(long permit) {
        if (!split) {
            return permit & TOKEN_MASK;
        }
        long in = (permit >>> PART_BITS) & PART_MAX;
        long out = permit & PART_MAX;
        return ((permit >>> WHOLE_FLAG_SHIFT) & 1) != 0 ? Math.max(in, out) : in + out;
    }

    /**
     * The input tokens a permit of this limiter reserved in its input window.
     *
     * @param permit a permit this limiter granted
     * @return its input estimate; 0 without separate input and output budgets
     */
    public long permitInputTokens(long permit) {
        return split ? (permit >>> PART_BITS) & PART_MAX : 0;
    }

    /**
     * The output tokens a permit of this limiter reserved in its output window.
     *
     * @param permit a permit this limiter granted
     * @return its output estimate; 0 without separate input and output budgets
     */
    public long permitOutputTokens(long permit) {
        return split ? permit & PART_MAX : 0;
    }

    /** The fine tick a permit was charged to (the latest tick with its stored low bits). Under the lock. */
    private long permitTick(long permit) {
        if (split) {
            return fineTick - ((fineTick - (permit >>> SPLIT_TICK_SHIFT)) & SPLIT_TICK_MASK);
        }
        return fineTick - ((fineTick - (permit >>> TOKEN_BITS)) & 0xFFFF_FFFFL);
    }

    /** A success starts the back-off after 429s again; costs a volatile read otherwise. */
    private void succeeded() {
        if (backingOff) {
            lock();
            try {
                rateLimitedInARow = 0;
                backingOff = false;
            } finally {
                unlock();
            }
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
            adjustSplit(session, permit, 0, actualTokens - permitTokens(permit), 0, 0);
            return;
        }
        long delta = actualTokens - (permit & TOKEN_MASK);
        if (delta == 0) {
            return;
        }
        SessionState s = sessions.get(session);
        if (s != null && (delta > 0 ? chargeLockFree(s, delta) : deferRefund(s, permit, -delta))) {
            return;
        }
        adjust(session, permit, 0, delta);
    }

    /**
     * A usage report above the estimate, without the lock: the extra tokens join the head counts of
     * the admission word (the current bucket, which stays in the window at least as long as the
     * permit's own: conservative) and the session's pending word.
     *
     * @return false when the locked path must do it
     */
    private boolean chargeLockFree(SessionState s, long tokens) {
        if (tokens > HEAD_TOKEN_MAX) {
            return false;
        }
        long w = (long) WORD.getAcquire(this);
        while ((w & LOCKED) == 0 && (w & HEAD_TOKEN_MAX) + tokens <= HEAD_TOKEN_MAX) {
            long coarse = coarseTick; // current unless the lock is taken meanwhile, which fails the CAS
            long witness = (long) WORD.compareAndExchange(this, w, w + tokens);
            if (witness == w) {
                chargeSession(s, coarse, 0, tokens, Long.MIN_VALUE);
                return true;
            }
            w = witness;
        }
        return false;
    }

    /**
     * A refund without the lock: it must go to the permit's own bucket, which only the lock may touch,
     * so it waits in the session's refund word (the permit's tick and the tokens; refunds of one tick
     * add up) and the session joins a lock-free stack that the next lock-holder empties before
     * anything else. Until then the window counts the refund as used: conservative.
     *
     * @return false when the locked path must do it (a refund of another tick is already waiting)
     */
    private boolean deferRefund(SessionState s, long permit, long tokens) {
        long tick = permit >>> TOKEN_BITS;
        long p = s.refund();
        while (true) {
            long next;
            if (p == 0) {
                next = (tick << 32) | tokens;
            } else if ((p >>> 32) == tick && (p & 0xFFFF_FFFFL) + tokens <= 0xFFFF_FFFFL) {
                next = p + tokens;
            } else {
                return false;
            }
            long witness = s.compareAndExchangeRefund(p, next);
            if (witness == p) {
                break;
            }
            p = witness;
        }
        if (s.markRefundQueued()) {
            SessionState head;
            do {
                head = (SessionState) REFUNDS.getVolatile(this);
                s.refundNext = head;
            } while (!REFUNDS.compareAndSet(this, head, s));
        }
        return true;
    }

    /** Applies the refunds that {@link #deferRefund} queued. Under the lock. */
    private void applyDeferredRefunds() {
        SessionState q = (SessionState) REFUNDS.getAndSet(this, null);
        while (q != null) {
            SessionState next = q.refundNext;
            q.refundNext = null;
            // Unmark before taking the word: a refund added after this re-queues the session.
            q.unmarkRefundQueued();
            long p = q.takeRefund();
            if (p != 0) {
                long tick = fineTick - ((fineTick - (p >>> 32)) & 0xFFFF_FFFFL);
                applyAdjustment(q, tick, 0, -(p & 0xFFFF_FFFFL));
            }
            q = next;
        }
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
        long in = usage.promptTokens() == 0 ? 0 : usage.promptTokens() - ((permit >>> PART_BITS) & PART_MAX);
        long out = usage.completionTokens() == 0 ? 0 : usage.completionTokens() - (permit & PART_MAX);
        if ((total | in | out) != 0) {
            adjustSplit(session, permit, 0, total, in, out);
        }
    }

    @Override
    public void cancel(SessionId session, long permit, boolean reachedProvider) {
        requirePermit(permit);
        if (!reachedProvider) {
            if (split) {
                adjustSplit(session, permit, -1, -permitTokens(permit), -((permit >>> PART_BITS) & PART_MAX),
                        -(permit & PART_MAX));
            } else {
                adjust(session, permit, -1, -(permit & TOKEN_MASK));
            }
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

    @Override
    public RateLimiterStats stats() {
        long now = now();
        lock();
        try {
            now = advance(now);
            long phase = phase();
            Map<SessionId, SessionRateStats> perSession = new HashMap<>();
            for (SessionState s : sessions.values()) {
                if (s.removed) {
                    continue;
                }
                long requests = 0;
                long tokens = 0;
                settle(s);
                if (s.usage != null) {
                    s.usage.advanceTo(coarseTick);
                    requests = Math.max(0, s.usage.requestsInterpolated(phase, ratio));
                    tokens = Math.max(0, s.usage.tokensInterpolated(phase, ratio));
                }
                long shareRequests = Math.min(requestsPerMinute, cap(s, requestsPerMinute, requests, satisfiedRequests(phase)));
                long shareTokens = Math.min(tokensPerMinute, cap(s, tokensPerMinute, tokens, satisfiedTokens(phase)));
                perSession.put(s.id, new SessionRateStats(requests, tokens, shareRequests, shareTokens));
            }
            return new RateLimiterStats(global.requests(), requestsPerMinute, global.tokens(), tokensPerMinute,
                    perSession.size(), now < pausedUntil, perSession);
        } finally {
            unlock();
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

    // ---- internals; every method below runs under the lock unless it says otherwise ----

    /** Takes the lock bit of the word, then moves the head counts of the lock-free path into the rings. */
    private void lock() {
        long w = (long) WORD.getVolatile(this);
        int spins = 0;
        while (true) {
            if ((w & LOCKED) == 0) {
                long witness = (long) WORD.compareAndExchange(this, w, w | LOCKED);
                if (witness == w) {
                    long requests = (w >>> HEAD_REQUEST_SHIFT) & HEAD_REQUEST_MAX;
                    long tokens = w & HEAD_TOKEN_MAX;
                    if ((requests | tokens) != 0) {
                        // Charged while the fine tick was the current one; the lock-free path stops at its end.
                        addToWindow(fineTick, requests, tokens);
                    }
                    if (REFUNDS.getOpaque(this) != null) {
                        applyDeferredRefunds();
                    }
                    return;
                }
                w = witness;
                continue;
            }
            spins = SpinLock.backOff(spins);
            w = (long) WORD.getVolatile(this);
        }
    }

    /** Releases the lock bit with the next generation and empty head counts. */
    private void unlock() {
        long w = (long) WORD.getVolatile(this);
        WORD.setRelease(this, (w + (1L << GENERATION_SHIFT)) & GENERATION_MASK);
    }

    /** Reads the clock (outside the lock). */
    private long now() {
        return clock.nanoTime() - origin;
    }

    /** Moves the rings and the wheel to {@code now}; time never goes backwards. Returns the effective now. */
    private long advance(long now) {
        if (now < lastNow) {
            now = lastNow;
        }
        lastNow = now;
        if (now >= nextTickAt) {
            long fine = now / bucketNanos;
            fineTick = fine;
            nextTickAt = (fine + 1) * bucketNanos;
            global.advanceTo(fine);
            if (io != null) {
                io.advanceTo(fine);
            }
            long coarse = fine / ratio;
            if (coarse != coarseTick) {
                coarseTick = coarse;
                coarseGlobal.advanceTo(coarse);
                contendingUsage.advanceTo(coarse);
                wheel.advanceTo(coarse);
            }
        }
        return now;
    }

    private SessionState registered(SessionId id, int weight, long now) {
        SessionState s = sessions.get(id);
        if (s != null && !s.removed) {
            return s;
        }
        s = new SessionState(id, weight, now);
        sessions.put(id, s);
        activeWeight += weight;
        schedule(s);
        return s;
    }

    private void remove(SessionState s) {
        unreserve(s);
        if (s.contending) {
            satisfy(s);
        }
        s.removed = true;
        sessions.remove(s.id, s);
        activeWeight -= s.weight;
        wheel.unlink(s);
    }

    /** The wheel says the session may have a deadline behind it. */
    private void due(SessionState s) {
        settle(s);
        if (s.contending && lastNow >= s.contendingUntil) {
            satisfy(s);
        }
        if (s.reservedTokens != 0 && lastNow >= s.reservedUntil) {
            unreserve(s);
        }
        if (lastNow - s.lastSeen >= idleTimeoutNanos) {
            remove(s);
            return;
        }
        if (s.usage != null && !s.contending) {
            s.usage.advanceTo(coarseTick);
            if (s.usage.requests() == 0 && s.usage.tokens() == 0) {
                s.usage = null;
            }
        }
        schedule(s);
    }

    private void schedule(SessionState s) {
        // At least hourly, so that a lock-free admission's pending word is settled long before its
        // 16-bit coarse tick (55 hours) could wrap, whatever the idle timeout.
        long due = Math.min(s.lastSeen + idleTimeoutNanos, lastNow + SETTLE_HORIZON_NANOS);
        if (s.contending) {
            due = Math.min(due, s.contendingUntil);
        }
        if (s.reservedTokens != 0) {
            due = Math.min(due, s.reservedUntil);
        }
        if (s.usage != null && !s.contending) {
            // Everything it used has left the window 21 coarse ticks after its last request.
            due = Math.min(due, (s.lastSeen / coarseNanos + COARSE_BUCKETS + 1) * coarseNanos);
        }
        wheel.schedule(s, Math.ceilDiv(due, coarseNanos));
    }

    /** 0 when the global window has room for the need, otherwise the refusal with the exact wait. */
    private long globalRefusal(long needRequests, long needTokens, long now) {
        if (global.requests() + needRequests <= requestsPerMinute && global.tokens() + needTokens <= tokensPerMinute) {
            return 0;
        }
        long ticks = global.ticksUntilFits(needRequests, needTokens, requestsPerMinute, tokensPerMinute);
        return Permits.refusal((fineTick + ticks) * bucketNanos - now);
    }

    /** 0 when the session's usage plus the request fits its share, otherwise the refusal. */
    private long shareRefusal(SessionState s, int tokens, long now) {
        long phase = phase();
        long usedRequests = usedRequests(s, phase);
        long usedTokens = usedTokens(s, phase);
        long capRequests = cap(s, requestsPerMinute, usedRequests, satisfiedRequests(phase));
        long capTokens = cap(s, tokensPerMinute, usedTokens, satisfiedTokens(phase));
        if (usedRequests + 1 <= capRequests && usedTokens + tokens <= capTokens) {
            return 0;
        }
        long fineTicks = s.usage == null ? -1
                : s.usage.fineTicksUntilFitsInterpolated(1, tokens, capRequests, capTokens, phase, ratio);
        if (fineTicks <= 0) {
            // The cap itself is too small now; it grows when others stop contending: look again later.
            return Permits.refusal((coarseTick + 1) * coarseNanos - now);
        }
        return Permits.refusal((fineTick + fineTicks) * bucketNanos - now);
    }

    /**
     * MAX_MIN. While anyone contends, a session over its level is refused. Otherwise the request needs
     * global room beyond what waiting sessions have reserved (a waiting session itself needs only room
     * for itself). Any refusal makes the session contend for a while, which brings the levels in; a
     * session refused for room while under its level also waits with a reservation, so that it gets
     * the next room before anyone above it.
     */
    private long maxMinRefusal(SessionState s, int tokens, long now) {
        if (s.contending || contendingWeight != 0) {
            long refusal = shareRefusal(s, tokens, now);
            if (refusal != 0) {
                unreserve(s);
                contend(s, now, Permits.waitNanos(refusal));
                return refusal;
            }
        }
        boolean waiting = s.reservedTokens != 0;
        long refusal = globalRefusal(waiting ? 1 : 1 + reservedRequests, waiting ? tokens : tokens + reservedTokens, now);
        if (refusal == 0) {
            unreserve(s);
            return 0;
        }
        contend(s, now, Permits.waitNanos(refusal));
        if (shareRefusal(s, tokens, now) == 0) {
            reserve(s, tokens, now, Permits.waitNanos(refusal));
        }
        return refusal;
    }

    /** The session contends until it has gone unrefused for the wait it was told plus the contention timeout. */
    private void contend(SessionState s, long now, long wait) {
        s.contendingUntil = Math.max(s.contendingUntil, now + wait + contentionTimeoutNanos);
        if (!s.contending) {
            s.contending = true;
            contendingWeight += s.weight;
            if (s.usage != null) {
                s.usage.advanceTo(coarseTick);
                contendingUsage.addAll(s.usage, 1);
            }
            schedule(s);
        }
    }

    /** The session stops contending: its usage counts as satisfied again. */
    private void satisfy(SessionState s) {
        s.contending = false;
        contendingWeight -= s.weight;
        if (s.usage != null) {
            s.usage.advanceTo(coarseTick);
            contendingUsage.addAll(s.usage, -1);
        }
    }

    private void reserve(SessionState s, int tokens, long now, long wait) {
        if (s.reservedTokens == 0) {
            reservedRequests++;
        }
        reservedTokens += tokens - s.reservedTokens;
        s.reservedTokens = tokens;
        s.reservedUntil = now + wait + contentionTimeoutNanos;
        schedule(s);
    }

    private void unreserve(SessionState s) {
        if (s.reservedTokens != 0) {
            reservedRequests--;
            reservedTokens -= s.reservedTokens;
            s.reservedTokens = 0;
        }
    }

    private long phase() {
        return fineTick - coarseTick * ratio;
    }

    private long satisfiedRequests(long phase) {
        return coarseGlobal.requestsInterpolated(phase, ratio) - contendingUsage.requestsInterpolated(phase, ratio);
    }

    private long satisfiedTokens(long phase) {
        return coarseGlobal.tokensInterpolated(phase, ratio) - contendingUsage.tokensInterpolated(phase, ratio);
    }

    /**
     * What the session may use in the window, in one dimension. MAX_MIN: its water level, counting it
     * as contending: what the non-contending sessions leave, shared by weight among the contending ones.
     */
    private long cap(SessionState s, long limit, long used, long satisfiedUsage) {
        switch (policy) {
            case STATIC_SPLIT:
                return limit * s.weight / activeWeight;
            case MAX_MIN:
                long weight = contendingWeight;
                long others = satisfiedUsage;
                if (!s.contending) {
                    weight += s.weight;
                    others -= used;
                }
                return Math.max(0, limit - Math.max(0, others)) * s.weight / weight;
            default:
                return limit;
        }
    }

    private long usedRequests(SessionState s, long phase) {
        return s.usage == null ? 0 : s.usage.requestsInterpolated(phase, ratio);
    }

    private long usedTokens(SessionState s, long phase) {
        return s.usage == null ? 0 : s.usage.tokensInterpolated(phase, ratio);
    }

    /** Adds a reconciliation or a refund to the buckets the permit was charged to, if still in the window. */
    private void adjust(SessionId session, long permit, long deltaRequests, long deltaTokens) {
        SessionState s = sessions.get(session);
        long now = now();
        lock();
        try {
            advance(now);
            // A refund goes to the permit's bucket; a charge to the current one, as on the lock-free path.
            long tick = deltaTokens > 0 ? fineTick : permitTick(permit);
            applyAdjustment(s, tick, deltaRequests, deltaTokens);
        } finally {
            unlock();
        }
    }

    /** {@link #adjust} with separate input and output windows; each part's sign picks its bucket alike. */
    private void adjustSplit(SessionId session, long permit, long deltaRequests, long deltaTokens, long deltaIn,
            long deltaOut) {
        SessionState s = sessions.get(session);
        long now = now();
        lock();
        try {
            advance(now);
            long own = permitTick(permit);
            if ((deltaRequests | deltaTokens) != 0) {
                applyAdjustment(s, deltaTokens > 0 ? fineTick : own, deltaRequests, deltaTokens);
            }
            if (deltaIn != 0) {
                io.add(deltaIn > 0 ? fineTick : own, deltaIn, 0);
            }
            if (deltaOut != 0) {
                io.add(deltaOut > 0 ? fineTick : own, 0, deltaOut);
            }
        } finally {
            unlock();
        }
    }

    /** Adds a reconciliation or a refund to the buckets of fine tick {@code tick}, if still in the window. Under the lock. */
    private void applyAdjustment(SessionState s, long tick, long deltaRequests, long deltaTokens) {
        addToWindow(tick, deltaRequests, deltaTokens);
        long coarse = Math.floorDiv(tick, ratio);
        if (s != null && !s.removed) {
            settle(s);
            BucketRing own = s.usage;
            if (own != null) {
                own.advanceTo(coarseTick);
                // Refund no more than the bucket holds; a contending session's share moves alike.
                long r = Math.max(deltaRequests, -own.requestsAt(coarse));
                long t = Math.max(deltaTokens, -own.tokensAt(coarse));
                own.add(coarse, r, t);
                if (s.contending) {
                    contendingUsage.add(coarse, r, t);
                }
            }
        }
    }

    private void feedback(RateLimitFeedback feedback, boolean rateLimited) {
        if (feedback == null) {
            throw new IllegalArgumentException("feedback must not be null");
        }
        long now = now();
        long pause = -1;
        lock();
        try {
            now = advance(now);
            calibrate(now, feedback.requestLimit(), feedback.requestsRemaining(), feedback.requestsReset(), REQUESTS);
            calibrate(now, feedback.tokenLimit(), feedback.tokensRemaining(), feedback.tokensReset(), TOKENS);
            if (inputTokensPerMinute > 0) {
                calibrate(now, feedback.inputTokenLimit(), feedback.inputTokensRemaining(),
                        feedback.inputTokensReset(), INPUT_TOKENS);
            }
            if (outputTokensPerMinute > 0) {
                calibrate(now, feedback.outputTokenLimit(), feedback.outputTokensRemaining(),
                        feedback.outputTokensReset(), OUTPUT_TOKENS);
            }
            if (rateLimited) {
                rateLimitedInARow = Math.min(rateLimitedInARow + 1, 62);
                backingOff = true;
            } else {
                rateLimitedInARow = 0;
                backingOff = false;
            }
            // Reset headers say when a window is full again, not how long to wait: they never pause.
            pause = pauses.pauseNanos(feedback.retryAfter(), rateLimited, rateLimitedInARow);
            if (pause >= 0) {
                pausedUntil = Math.max(pausedUntil, saturatedAdd(now, pause));
            }
        } finally {
            unlock();
        }
        if (pause >= 0) {
            LOG.log(System.Logger.Level.INFO, "provider rate limit: admission paused for {0} ms", pause / 1_000_000);
        }
    }

    private static final int REQUESTS = 0;
    private static final int TOKENS = 1;
    private static final int INPUT_TOKENS = 2;
    private static final int OUTPUT_TOKENS = 3;
    /** The most parts a calibration is split into. */
    private static final long CALIBRATION_PARTS = 600;

    /**
     * Believes the provider when it says less is left than the window shows: charges the difference to
     * the bucket that leaves the window when the provider's window resets (or in a minute). With the
     * provider's limit, {@code limit - remaining} is what the account used, and what is left to this
     * limiter is its own limit (the provider's less the safety margin) less that: never more than the
     * provider's remaining, never past this limiter's limit.
     */
    private void calibrate(long now, OptionalLong providerLimit, OptionalLong remaining, Optional<Duration> reset,
            int window) {
        if (remaining.isEmpty()) {
            return;
        }
        long limit = switch (window) {
            case REQUESTS -> requestsPerMinute;
            case TOKENS -> tokensPerMinute;
            case INPUT_TOKENS -> inputTokensPerMinute;
            default -> outputTokensPerMinute;
        };
        long used = switch (window) {
            case REQUESTS -> global.requests();
            case TOKENS -> global.tokens();
            case INPUT_TOKENS -> io.requests();
            default -> io.tokens();
        };
        long left = remaining.getAsLong();
        if (providerLimit.isPresent()) {
            long accountUsed = Math.max(0, providerLimit.getAsLong() - left);
            left = Math.min(left, Math.max(0, limit - accountUsed));
        }
        long debt = limit - used - left;
        if (debt <= 0) {
            return;
        }
        // Without a reset the debt stays for a whole window. With one it leaves as the provider refills
        // (OpenAI and Anthropic refill continuously; the reset is the time to a full refill): in equal
        // parts, one a bucket, over the reset; what a reset longer than the window would still hold
        // leaves with the newest bucket. So a long reset slows admission to the provider's refill rate
        // instead of stopping it.
        long resetNanos = reset.map(FairShareRateLimiter::nanos).orElse(-1L);
        long spread = resetNanos < 0 ? 1 : Math.max(1, Math.ceilDiv(resetNanos, bucketNanos));
        long span = Math.min(spread, fineBuckets + 1);
        // At most CALIBRATION_PARTS parts (each leaving with the last bucket of its group: never earlier
        // than the refill), so that narrow buckets do not make this long under the lock.
        long step = Math.max(1, Math.ceilDiv(span, CALIBRATION_PARTS));
        long placed = 0;
        for (long m = step - 1; placed < debt; m = Math.min(m + step, span - 1)) {
            long upTo = m >= span - 1 ? debt : debt * (m + 1) / spread;
            long part = upTo - placed;
            placed = upTo;
            if (part == 0) {
                continue;
            }
            long leaves = saturatedAdd(now, resetNanos < 0 ? WINDOW_NANOS : (m + 1) * bucketNanos);
            // Bucket j leaves the window at (j + fineBuckets + 1) * bucketNanos.
            long tick = Math.ceilDiv(leaves, bucketNanos) - fineBuckets - 1;
            tick = Math.max(fineTick - fineBuckets, Math.min(fineTick, tick));
            switch (window) {
                case REQUESTS -> addToWindow(tick, part, 0);
                case TOKENS -> addToWindow(tick, 0, part);
                case INPUT_TOKENS -> io.add(tick, part, 0);
                default -> io.add(tick, 0, part);
            }
        }
    }

    private static long nanos(Duration d) {
        return d.compareTo(Duration.ofDays(365)) > 0 ? Duration.ofDays(365).toNanos() : d.toNanos();
    }

    private static long saturatedAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
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
            if (value == null || value.toNanos() < 1_000_000 || value.toNanos() > 3_000_000_000L
                    || WINDOW_NANOS % value.toNanos() != 0
                    || (WINDOW_NANOS / value.toNanos()) % COARSE_BUCKETS != 0) {
                throw new IllegalArgumentException("bucketWidth must be 1 ms to 3 s and divide one minute into a"
                        + " multiple of " + COARSE_BUCKETS + " buckets, was " + value);
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
