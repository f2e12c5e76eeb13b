package dev.fairway.core.queue;

import dev.fairway.api.RateLimitFeedback;
import dev.fairway.api.RateLimitedException;
import dev.fairway.api.SessionId;
import dev.fairway.api.TranslationResult;
import dev.fairway.api.limit.ConcurrencyLimiter;
import dev.fairway.api.limit.RateLimiter;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the limiters hear when a provider call returns: the rate limiter its usage (or its refund) and
 * the provider's feedback, the concurrency limiter the call's outcome. A failing limiter is logged,
 * never thrown to the worker.
 */
final class CallAccounting {

    private final RateLimiter rateLimiter;
    private final ConcurrencyLimiter concurrencyLimiter;
    private final SchedulerCounters counters;

    CallAccounting(RateLimiter rateLimiter, ConcurrencyLimiter concurrencyLimiter, SchedulerCounters counters) {
        this.rateLimiter = rateLimiter;
        this.concurrencyLimiter = concurrencyLimiter;
        this.counters = counters;
    }

    /** Usage and feedback to the rate limiter; returns what the concurrency limiter is to hear. */
    ConcurrencyLimiter.Outcome rate(Call call, TranslationResult result, Throwable error,
            boolean reachedProvider) {
        ConcurrencyLimiter.Outcome outcome = ConcurrencyLimiter.Outcome.IGNORED;
        try {
            if (result != null) {
                rateLimiter.reconcile(call.chargedSession, call.ratePermit, result.usage());
                if (result.rateLimit().isPresent()) {
                    rateLimiter.onFeedback(result.rateLimit());
                }
                outcome = ConcurrencyLimiter.Outcome.SUCCESS;
            } else if (error instanceof RateLimitedException e) {
                counters.rateLimitedResponses.increment();
                // The request reached the provider, and providers such as OpenAI count refused requests
                // against the per-minute limit: keep it counted (conservative), then pause admission.
                rateLimiter.cancel(call.chargedSession, call.ratePermit, true);
                rateLimiter.onRateLimited(e.feedback());
                outcome = ConcurrencyLimiter.Outcome.RATE_LIMITED;
            } else {
                rateLimiter.cancel(call.chargedSession, call.ratePermit, reachedProvider);
            }
        } catch (RuntimeException e) {
            FairScheduler.LOG.log(System.Logger.Level.ERROR, "the rate limiter failed to account a finished call", e);
        }
        return outcome;
    }

    /**
     * A batch call returned (its riders completed as their parts of the answer came): the paying session's
     * permit is reconciled with its own segments' tokens, and each other session of the batch is charged its
     * segments' tokens ({@link RateLimiter#transfer}), so the window counts the whole call once. A failed call
     * is accounted as a single call's failure, all of it on the payer.
     */
    ConcurrencyLimiter.Outcome rateBatch(Call carrier, Throwable error, boolean reachedProvider) {
        ConcurrencyLimiter.Outcome outcome = ConcurrencyLimiter.Outcome.IGNORED;
        SessionId payer = carrier.chargedSession;
        try {
            if (error == null) {
                Call[] items = carrier.items;
                int[] tokens = carrier.itemTokens;
                long own = 0;
                LinkedHashMap<SessionId, Long> others = new LinkedHashMap<>();
                for (int i = 0; i < items.length; i++) {
                    SessionId s = items[i].leader.session.id;
                    if (s.equals(payer)) {
                        own += tokens[i];
                    } else {
                        others.merge(s, (long) tokens[i], Long::sum);
                    }
                }
                long total = own;
                for (long t : others.values()) {
                    total += t;
                }
                // The permit reserved every segment's estimate: the whole call's usage stays on the window, the
                // other sessions' parts then move to them.
                rateLimiter.reconcile(carrier.chargedSession, carrier.ratePermit, (int) Math.min(Integer.MAX_VALUE, total));
                for (Map.Entry<SessionId, Long> e : others.entrySet()) {
                    rateLimiter.transfer(payer, carrier.ratePermit, e.getKey(), (int) Math.min(Integer.MAX_VALUE,
                            e.getValue()));
                }
                RateLimitFeedback feedback = carrier.batchFeedback;
                if (feedback != null && feedback.isPresent()) {
                    rateLimiter.onFeedback(feedback);
                }
                outcome = ConcurrencyLimiter.Outcome.SUCCESS;
            } else if (error instanceof RateLimitedException e) {
                counters.rateLimitedResponses.increment();
                rateLimiter.cancel(payer, carrier.ratePermit, true);
                rateLimiter.onRateLimited(e.feedback());
                outcome = ConcurrencyLimiter.Outcome.RATE_LIMITED;
            } else {
                rateLimiter.cancel(payer, carrier.ratePermit, reachedProvider);
            }
        } catch (RuntimeException e) {
            FairScheduler.LOG.log(System.Logger.Level.ERROR, "the rate limiter failed to account a finished batch", e);
        }
        return outcome;
    }

    /**
     * Releases the call's concurrency permit. The freed slot's next call usually starts from the
     * worker's next pass ({@code next}, or null): then this releases and takes the next permit in one
     * step, into {@code next} (the pass gives it back if unused).
     */
    void concurrency(Call call, ConcurrencyLimiter.Outcome outcome, Dispatch next) {
        try {
            if (next != null) {
                next.concurrencyPermit = concurrencyLimiter.releaseAndTryAcquire(call.concurrencyPermit, outcome);
            } else {
                concurrencyLimiter.release(call.concurrencyPermit, outcome);
            }
        } catch (RuntimeException e) {
            FairScheduler.LOG.log(System.Logger.Level.ERROR, "the concurrency limiter failed to account a finished call",
                    e);
        }
    }
}
