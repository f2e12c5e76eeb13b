package dev.fairway.core.limiter;

import dev.fairway.api.RateLimitFeedback;
import dev.fairway.api.limit.Permits;
import dev.fairway.core.limiter.internal.BucketRing;
import dev.fairway.core.limiter.internal.Calibration;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The global sliding windows of {@link FairShareRateLimiter}: requests and tokens (and, when the
 * provider limits them apart, input and output tokens) per minute, the clock's ticks, the pause a
 * 429 imposes and the calibration from provider feedback.
 *
 * <p><b>Invariant.</b> In any window of 60 seconds (any start, not only whole minutes) the admitted
 * requests never exceed the requests-per-minute limit and the admitted tokens never exceed the
 * tokens-per-minute limit (tokens as reserved, less refunds; a usage report above the estimate is
 * charged but cannot be undone). The window is a ring of {@code 60 s / bucketWidth + 1} buckets; the
 * oldest one straddles the window start and counts as wholly inside. An admission at tick {@code k}
 * checks the sum of buckets {@code k - N .. k}, which holds every earlier admission less than 60 s
 * old, so every window ending at an admission, and hence every window, stays within the limits. The
 * price is that usage is held up to one bucket (100 ms by default) longer than 60 s.
 *
 * <p>Not thread-safe: every field is written under the limiter's lock; the lock-free admission reads
 * {@link #nextTickAt}, {@link #pausedUntil}, {@link #fineTick}, {@link #coarseTick} and the global
 * ring's sums without it and validates what it read with the admission word's generation.
 */
final class SlidingWindow {

    static final long WINDOW_NANOS = RateLimiterSettings.WINDOW.toNanos();
    /** Coarse buckets per window, for the per-session rings and the coarse copy of the window. */
    static final int COARSE_BUCKETS = 20;
    /** The cap of a window that is not configured: never reached. */
    private static final long UNLIMITED = Long.MAX_VALUE / 4;
    /** The most parts a calibration is split into. */
    private static final long CALIBRATION_PARTS = 600;

    /** The windows a calibration can charge. */
    enum Kind { REQUESTS, TOKENS, INPUT_TOKENS, OUTPUT_TOKENS }

    final long requestsPerMinute;
    final long tokensPerMinute;
    final long inputTokensPerMinute;
    final long outputTokensPerMinute;
    /** What partials may fill of each limit: the limit less the headroom kept for finals. */
    final long partialRequestsPerMinute;
    final long partialTokensPerMinute;
    final long partialInputTokensPerMinute;
    final long partialOutputTokensPerMinute;
    final long bucketNanos;
    final int fineBuckets;
    /** Fine buckets per coarse bucket. */
    final int ratio;
    final long coarseNanos;

    /** Requests and tokens in fine buckets. */
    final BucketRing global;
    /** Everything {@link #global} holds, in coarse buckets: what the per-session rings are compared with. */
    final BucketRing coarse;
    /** Input tokens (in the requests slots) and output tokens (in the tokens slots); null unless split. */
    final BucketRing io;

    long lastNow;
    long fineTick;
    /** When the next fine tick starts: the hot path compares instead of dividing. */
    long nextTickAt;
    long coarseTick;
    /** No admission before this (a 429's pause). */
    long pausedUntil = Long.MIN_VALUE;

    SlidingWindow(RateLimiterSettings settings) {
        this.requestsPerMinute = settings.requestsPerMinute();
        this.tokensPerMinute = settings.tokensPerMinute();
        this.inputTokensPerMinute = settings.inputTokensPerMinute();
        this.outputTokensPerMinute = settings.outputTokensPerMinute();
        this.partialRequestsPerMinute = settings.partialPart(requestsPerMinute);
        this.partialTokensPerMinute = settings.partialPart(tokensPerMinute);
        this.partialInputTokensPerMinute = settings.partialPart(inputTokensPerMinute);
        this.partialOutputTokensPerMinute = settings.partialPart(outputTokensPerMinute);
        this.bucketNanos = settings.bucketWidth().toNanos();
        this.fineBuckets = (int) (WINDOW_NANOS / bucketNanos);
        this.ratio = fineBuckets / COARSE_BUCKETS;
        this.coarseNanos = bucketNanos * ratio;
        this.global = new BucketRing(fineBuckets, 0);
        this.coarse = new BucketRing(COARSE_BUCKETS, 0);
        this.io = settings.split() ? new BucketRing(fineBuckets, 0) : null;
    }

    /**
     * Moves the rings to {@code now}; time never goes backwards ({@link #lastNow} is the effective now).
     *
     * @return whether the coarse tick moved
     */
    boolean advance(long now) {
        if (now < lastNow) {
            now = lastNow;
        }
        lastNow = now;
        if (now < nextTickAt) {
            return false;
        }
        long fine = now / bucketNanos;
        fineTick = fine;
        nextTickAt = (fine + 1) * bucketNanos;
        global.advanceTo(fine);
        if (io != null) {
            io.advanceTo(fine);
        }
        long c = fine / ratio;
        if (c == coarseTick) {
            return false;
        }
        coarseTick = c;
        coarse.advanceTo(c);
        return true;
    }

    /** How far the current fine tick is into its coarse bucket. */
    long phase() {
        return fineTick - coarseTick * ratio;
    }

    /** Adds to the bucket of fine tick {@code tick} and to its coarse copy. */
    void add(long tick, long requests, long tokens) {
        global.add(tick, requests, tokens);
        coarse.add(Math.floorDiv(tick, ratio), requests, tokens);
    }

    /** Adds input and output tokens to the bucket of fine tick {@code tick} of the separate windows. */
    void addIo(long tick, long in, long out) {
        io.add(tick, in, out);
    }

    /** 0 when the window has room for the need, otherwise the refusal with the exact wait. */
    long refusal(long needRequests, long needTokens, long now) {
        return refusal(needRequests, needTokens, now, requestsPerMinute, tokensPerMinute);
    }

    /**
     * 0 when the window holds at most {@code capRequests} and {@code capTokens} with the need, otherwise
     * the refusal with the exact wait until it does.
     */
    long refusal(long needRequests, long needTokens, long now, long capRequests, long capTokens) {
        if (global.requests() + needRequests <= capRequests && global.tokens() + needTokens <= capTokens) {
            return 0;
        }
        long ticks = global.ticksUntilFits(needRequests, needTokens, capRequests, capTokens);
        return Permits.refusal((fineTick + ticks) * bucketNanos - now);
    }

    /**
     * What a partial of {@code own} may fill the window to: the partials' part of the limit, or the
     * partial itself when it is larger than that, so that such a partial is admitted into a window that
     * holds nothing else instead of never.
     */
    static long partialCap(long partialLimit, long own) {
        return Math.max(partialLimit, own);
    }

    /**
     * 0 when the input and output windows have room for the parts, otherwise the refusal with the exact
     * wait; a partial leaves the headroom for finals free in them too.
     */
    long ioRefusal(long in, long out, long now, boolean partial) {
        long inCap = inputTokensPerMinute <= 0 ? UNLIMITED
                : partial ? partialCap(partialInputTokensPerMinute, in) : inputTokensPerMinute;
        long outCap = outputTokensPerMinute <= 0 ? UNLIMITED
                : partial ? partialCap(partialOutputTokensPerMinute, out) : outputTokensPerMinute;
        if (io.requests() + in <= inCap && io.tokens() + out <= outCap) {
            return 0;
        }
        long ticks = io.ticksUntilFits(in, out, inCap, outCap);
        return Permits.refusal((fineTick + ticks) * bucketNanos - now);
    }

    /** Pauses admission for {@code pause} nanoseconds from {@code now} (a longer pause already set stays). */
    void pause(long now, long pause) {
        pausedUntil = Math.max(pausedUntil, saturatedAdd(now, pause));
    }

    /** Calibrates each window from the feedback's fields for it (input and output only when configured). */
    void calibrate(long now, RateLimitFeedback feedback) {
        calibrate(now, feedback.requestLimit(), feedback.requestsRemaining(), feedback.requestsReset(), Kind.REQUESTS);
        calibrate(now, feedback.tokenLimit(), feedback.tokensRemaining(), feedback.tokensReset(), Kind.TOKENS);
        if (inputTokensPerMinute > 0) {
            calibrate(now, feedback.inputTokenLimit(), feedback.inputTokensRemaining(), feedback.inputTokensReset(),
                    Kind.INPUT_TOKENS);
        }
        if (outputTokensPerMinute > 0) {
            calibrate(now, feedback.outputTokenLimit(), feedback.outputTokensRemaining(),
                    feedback.outputTokensReset(), Kind.OUTPUT_TOKENS);
        }
    }

    /**
     * Believes the provider when it says less is left than the window shows: charges the difference to
     * the bucket that leaves the window when the provider's window resets (or in a minute). With the
     * provider's limit, {@code limit - remaining} is what the account used, and what is left to this
     * limiter is its own limit (the provider's less the safety margin) less that: never more than the
     * provider's remaining, never past this limiter's limit.
     */
    private void calibrate(long now, OptionalLong providerLimit, OptionalLong remaining, Optional<Duration> reset,
            Kind kind) {
        if (remaining.isEmpty()) {
            return;
        }
        long limit = switch (kind) {
            case REQUESTS -> requestsPerMinute;
            case TOKENS -> tokensPerMinute;
            case INPUT_TOKENS -> inputTokensPerMinute;
            case OUTPUT_TOKENS -> outputTokensPerMinute;
        };
        long used = switch (kind) {
            case REQUESTS -> global.requests();
            case TOKENS -> global.tokens();
            case INPUT_TOKENS -> io.requests();
            case OUTPUT_TOKENS -> io.tokens();
        };
        long debt = limit - used - Calibration.left(providerLimit, remaining.getAsLong(), limit);
        if (debt <= 0) {
            return;
        }
        // Without a reset the debt stays for a whole window. With one it leaves as the provider refills
        // (OpenAI and Anthropic refill continuously; the reset is the time to a full refill): in equal
        // parts, one a bucket, over the reset; what a reset longer than the window would still hold
        // leaves with the newest bucket. So a long reset slows admission to the provider's refill rate
        // instead of stopping it.
        long resetNanos = reset.map(SlidingWindow::nanos).orElse(-1L);
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
            switch (kind) {
                case REQUESTS -> add(tick, part, 0);
                case TOKENS -> add(tick, 0, part);
                case INPUT_TOKENS -> io.add(tick, part, 0);
                case OUTPUT_TOKENS -> io.add(tick, 0, part);
            }
        }
    }

    private static long nanos(Duration d) {
        return d.compareTo(Duration.ofDays(365)) > 0 ? Duration.ofDays(365).toNanos() : d.toNanos();
    }

    static long saturatedAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }
}
