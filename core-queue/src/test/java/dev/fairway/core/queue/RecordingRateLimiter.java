package dev.fairway.core.queue;

import dev.fairway.api.RateLimitFeedback;
import dev.fairway.api.SessionId;
import dev.fairway.api.limit.Permits;
import dev.fairway.api.limit.RateLimiter;
import dev.fairway.api.limit.RateLimiterStats;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToLongFunction;

/**
 * A rate limiter double: grants everything unless told to refuse a session (with a wait), and writes
 * every call to {@link #log} ("acquire s1 57", "grant s1", "refuse s1", "reconcile s1 15",
 * "cancel s1 reached=false", "transfer s1 s2 15", "rateLimited", "feedback", "open s1", "close s1").
 */
final class RecordingRateLimiter implements RateLimiter {

    final ConcurrentLinkedQueue<String> log = new ConcurrentLinkedQueue<>();
    private final AtomicLong nextPermit = new AtomicLong();
    private final Map<SessionId, Long> refuseWait = new ConcurrentHashMap<>();
    volatile ToLongFunction<SessionId> refusal = s -> refuseWait.getOrDefault(s, 0L);
    volatile int maxTokens = Integer.MAX_VALUE;
    /** Partials are refused with this wait (0: as any request), as a limiter keeping headroom for finals. */
    volatile long partialRefusalWait;

    /** Refuses the session with this wait until {@link #grant} is called. */
    void refuse(SessionId s, long waitNanos) {
        refuseWait.put(s, waitNanos);
    }

    void grant(SessionId s) {
        refuseWait.remove(s);
    }

    long count(String prefix) {
        return log.stream().filter(l -> l.startsWith(prefix)).count();
    }

    @Override
    public void openSession(SessionId session, int weight) {
        log.add("open " + session);
    }

    @Override
    public void closeSession(SessionId session) {
        log.add("close " + session);
    }

    @Override
    public long tryAcquire(SessionId session, int estimatedTokens) {
        if (estimatedTokens > maxTokens) {
            throw new IllegalArgumentException("estimatedTokens must be 1 to " + maxTokens + ", was " + estimatedTokens);
        }
        long wait = refusal.applyAsLong(session);
        if (wait > 0) {
            log.add("refuse " + session);
            return Permits.refusal(wait);
        }
        log.add("grant " + session + " " + estimatedTokens);
        return nextPermit.getAndIncrement();
    }

    @Override
    public long tryAcquirePartial(SessionId session, int estimatedTokens) {
        if (partialRefusalWait > 0) {
            log.add("refuse partial " + session);
            return Permits.refusal(partialRefusalWait);
        }
        return tryAcquire(session, estimatedTokens);
    }

    @Override
    public long tryAcquire(SessionId session, int estimatedInputTokens, int estimatedOutputTokens) {
        log.add("split " + session + " " + estimatedInputTokens + "+" + estimatedOutputTokens);
        return tryAcquire(session, estimatedInputTokens + estimatedOutputTokens);
    }

    @Override
    public void reconcile(SessionId session, long permit, int actualTokens) {
        log.add("reconcile " + session + " " + actualTokens);
    }

    @Override
    public void transfer(SessionId from, long permit, SessionId to, int tokens) {
        log.add("transfer " + from + " " + to + " " + tokens);
    }

    @Override
    public void cancel(SessionId session, long permit, boolean reachedProvider) {
        log.add("cancel " + session + " reached=" + reachedProvider);
    }

    @Override
    public void onFeedback(RateLimitFeedback feedback) {
        log.add("feedback");
    }

    @Override
    public void onRateLimited(RateLimitFeedback feedback) {
        log.add("rateLimited");
    }

    @Override
    public RateLimiterStats stats() {
        return new RateLimiterStats(0, 1, 0, 1, 0, false, Map.of());
    }
}
