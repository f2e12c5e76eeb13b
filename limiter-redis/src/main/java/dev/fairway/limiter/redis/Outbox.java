package dev.fairway.limiter.redis;

import dev.fairway.api.RateLimitFeedback;
import dev.fairway.core.limiter.internal.Calibration;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What this node has to tell Redis with its next call: refunds (cancels, reconciles below the
 * estimate) to the earliest bucket they concern, charges (reconciles above it, and what the fallback
 * admitted), a pause after a 429, and what the provider's feedback says is left. A call takes it all
 * ({@link #take}); a call that fails gives it back ({@link #restore}). Guarded by the limiter's lock.
 */
final class Outbox {

    /** What one call took. */
    record Sent(Amounts refund, long refundTick, Amounts charge, long pauseUntil, ProviderLeft left) {
    }

    /**
     * What the provider's feedback leaves to this node's budget, per window, with the reset (ms);
     * -1 says nothing.
     */
    record ProviderLeft(long requests, long requestsReset, long tokens, long tokensReset, long input,
            long inputReset, long output, long outputReset) {

        static final ProviderLeft NOTHING = new ProviderLeft(-1, -1, -1, -1, -1, -1, -1, -1);

        boolean saysSomething() {
            return requests >= 0 || tokens >= 0 || input >= 0 || output >= 0;
        }
    }

    private final NodeSettings settings;
    private Amounts refund = Amounts.ZERO;
    private long refundTick = Long.MAX_VALUE;
    private Amounts charge = Amounts.ZERO;
    private long pauseUntil;
    private ProviderLeft left = ProviderLeft.NOTHING;
    /** What the fallback admitted, charged with the next call unless it has left the window by then. */
    private Amounts carry = Amounts.ZERO;
    private long carryUntil = Millis.NONE;

    Outbox(NodeSettings settings) {
        this.settings = settings;
    }

    void refund(Amounts amounts, long tick) {
        refund = refund.plus(amounts);
        refundTick = Math.min(refundTick, tick);
    }

    void charge(Amounts amounts) {
        charge = charge.plus(amounts);
    }

    void pause(long until) {
        pauseUntil = Math.max(pauseUntil, until);
    }

    boolean hasPause() {
        return pauseUntil != 0;
    }

    void carry(Amounts amounts, long until) {
        carry = carry.plus(amounts);
        carryUntil = until;
    }

    /** Whether a call has anything of this to send. */
    boolean isEmpty() {
        return refund.isZero() && charge.isZero() && pauseUntil == 0 && !left.saysSomething();
    }

    /**
     * Keeps what the provider says is left: several answers since the last call, the least left
     * wins, with the latest reset.
     */
    void providerSaid(RateLimitFeedback feedback) {
        long r = left(feedback.requestLimit(), feedback.requestsRemaining(), settings.requestsPerMinute());
        long t = left(feedback.tokenLimit(), feedback.tokensRemaining(), settings.tokensPerMinute());
        long i = settings.inputTokensPerMinute() == 0 ? -1
                : left(feedback.inputTokenLimit(), feedback.inputTokensRemaining(), settings.inputTokensPerMinute());
        long o = settings.outputTokensPerMinute() == 0 ? -1
                : left(feedback.outputTokenLimit(), feedback.outputTokensRemaining(), settings.outputTokensPerMinute());
        ProviderLeft was = left;
        left = new ProviderLeft(
                least(was.requests(), r), r >= 0 ? resetMs(feedback.requestsReset()) : was.requestsReset(),
                least(was.tokens(), t), t >= 0 ? resetMs(feedback.tokensReset()) : was.tokensReset(),
                least(was.input(), i), i >= 0 ? resetMs(feedback.inputTokensReset()) : was.inputReset(),
                least(was.output(), o), o >= 0 ? resetMs(feedback.outputTokensReset()) : was.outputReset());
    }

    /** Takes everything for one call at {@code now}. */
    Sent take(long now) {
        if (!carry.isZero()) {
            if (now < carryUntil) {
                charge = charge.plus(carry);
            }
            carry = Amounts.ZERO;
        }
        Sent sent = new Sent(refund, refundTick, charge, pauseUntil, left);
        refund = Amounts.ZERO;
        refundTick = Long.MAX_VALUE;
        charge = Amounts.ZERO;
        pauseUntil = 0;
        // The resets stay as they were: a "left" of -1 makes the script ignore them.
        left = new ProviderLeft(-1, left.requestsReset(), -1, left.tokensReset(), -1, left.inputReset(), -1,
                left.outputReset());
        return sent;
    }

    /** Gives back what a failed call took (a returned lease as a refund), so that the next call sends it. */
    void restore(ScriptCall call) {
        if (call.returned().anyPositive()) {
            refund(call.returned(), call.returnTick());
        }
        Sent sent = call.sent();
        if (sent.refund().anyPositive()) {
            refund(sent.refund(), sent.refundTick());
        }
        charge(sent.charge());
    }

    /** What the provider's feedback leaves to this limiter's budget ({@link Calibration#left}), or -1 when it says nothing. */
    private static long left(OptionalLong providerLimit, OptionalLong remaining, long ourLimit) {
        return remaining.isEmpty() ? -1 : Calibration.left(providerLimit, remaining.getAsLong(), ourLimit);
    }

    private static long least(long was, long now) {
        if (now < 0) {
            return was;
        }
        return was < 0 ? now : Math.min(was, now);
    }

    private static long resetMs(Optional<Duration> reset) {
        return reset.map(Millis::capped).orElse(-1L);
    }
}
