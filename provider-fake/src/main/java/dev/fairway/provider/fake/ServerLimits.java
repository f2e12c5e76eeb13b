package dev.fairway.provider.fake;

import dev.fairway.api.RateLimitFeedback;

import java.time.Duration;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The fake provider's own rate limits: a sliding 60-second window over the admitted requests and
 * their tokens. Admissions are kept in a ring buffer of one-millisecond slots (time of the slot's
 * latest admission, requests, tokens); a slot leaves the window when the clock reaches its time plus
 * 60 s. Admissions within the same millisecond share a slot and stay until 60 s after the latest of
 * them, so the window errs on the strict side by less than a millisecond and never holds more than
 * about 60,000 slots, however high the limits and however fast the calls.
 *
 * <p>The lock guards only this bookkeeping, never a sleep: callers spend their latency after
 * {@link #tryAdmit} has returned.
 */
final class ServerLimits {

    /** The window's length: one minute, as "per minute" says. */
    static final long WINDOW_NANOS = 60_000_000_000L;

    /** Admissions closer than this share a slot. */
    static final long SLOT_NANOS = 1_000_000L;

    private static final int INITIAL_CAPACITY = 1024;
    private static final long NANOS_PER_MILLI = 1_000_000L;

    private final long requestLimit;
    private final long tokenLimit;
    private final ReentrantLock lock = new ReentrantLock();

    /** Per slot: the time of its latest admission. */
    private long[] times;
    /** Per slot: the requests admitted in it. */
    private long[] counts;
    /** Per slot: the tokens admitted in it. */
    private long[] tokens;
    private int head;
    private int slots;
    private long requestSum;
    private long tokenSum;

    /**
     * @param requestLimit requests per window, 0 for unlimited
     * @param tokenLimit tokens per window, 0 for unlimited
     */
    ServerLimits(long requestLimit, long tokenLimit) {
        this.requestLimit = requestLimit;
        this.tokenLimit = tokenLimit;
        int capacity = requestLimit > 0 ? (int) Math.min(requestLimit, INITIAL_CAPACITY) : INITIAL_CAPACITY;
        times = new long[capacity];
        counts = new long[capacity];
        tokens = new long[capacity];
    }

    /**
     * Whether neither requests nor tokens are limited; then nothing is tracked.
     *
     * @return true when both limits are 0
     */
    boolean unlimited() {
        return requestLimit == 0 && tokenLimit == 0;
    }

    /**
     * The slots the window holds, for tests of its bound.
     *
     * @return the number of slots
     */
    int slots() {
        lock.lock();
        try {
            return slots;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Whether a request of this many tokens could ever be admitted.
     *
     * @param requestTokens the request's tokens
     * @return false when it is larger than the token limit
     */
    boolean fits(int requestTokens) {
        return tokenLimit == 0 || requestTokens <= tokenLimit;
    }

    /**
     * The token limit.
     *
     * @return tokens per window, 0 for unlimited
     */
    long tokenLimit() {
        return tokenLimit;
    }

    /**
     * Admits one request of {@code requestTokens} tokens at {@code now} if the window has room for it.
     *
     * @param now the clock reading
     * @param requestTokens prompt and completion tokens, as the window counts them
     * @return admitted with the feedback after admission, or refused with the feedback and the wait
     */
    Decision tryAdmit(long now, int requestTokens) {
        if (unlimited()) {
            return Decision.ADMITTED_UNLIMITED;
        }
        lock.lock();
        try {
            if (slots > 0) {
                // A caller that read the clock before a later caller took the lock must not go back
                // in time: the slots stay in time order.
                now = Math.max(now, times[index(slots - 1)]);
            }
            evict(now);
            long requestWait = requestWait(now);
            long tokenWait = tokenWait(now, requestTokens);
            if (requestWait > 0 || tokenWait > 0) {
                long wait = Math.max(requestWait, tokenWait);
                long waitMillis = (wait + NANOS_PER_MILLI - 1) / NANOS_PER_MILLI;
                RateLimitFeedback.Builder feedback = feedback(now);
                feedback.retryAfter(Duration.ofMillis(waitMillis));
                return new Decision(false, feedback.build());
            }
            add(now, requestTokens);
            return new Decision(true, feedback(now).build());
        } finally {
            lock.unlock();
        }
    }

    /**
     * The headers a response sent now would carry, without admitting anything.
     *
     * @param now the clock reading
     * @return the feedback, with limit, remaining and reset for each limited dimension
     */
    RateLimitFeedback.Builder snapshot(long now) {
        if (unlimited()) {
            return RateLimitFeedback.builder();
        }
        lock.lock();
        try {
            evict(now);
            return feedback(now);
        } finally {
            lock.unlock();
        }
    }

    private void evict(long now) {
        while (slots > 0 && now - times[head] >= WINDOW_NANOS) {
            requestSum -= counts[head];
            tokenSum -= tokens[head];
            head = head + 1 == times.length ? 0 : head + 1;
            slots--;
        }
    }

    /** Nanoseconds until one more request fits, 0 when it fits now. */
    private long requestWait(long now) {
        if (requestLimit == 0 || requestSum < requestLimit) {
            return 0;
        }
        return waitUntilFreed(now, counts, requestSum + 1 - requestLimit);
    }

    /** Nanoseconds until {@code requestTokens} more tokens fit, 0 when they fit now. */
    private long tokenWait(long now, int requestTokens) {
        if (tokenLimit == 0) {
            return 0;
        }
        long excess = tokenSum + requestTokens - tokenLimit;
        return excess <= 0 ? 0 : waitUntilFreed(now, tokens, excess);
    }

    /** Nanoseconds until the oldest slots that together hold {@code needed} of {@code amounts} have left. */
    private long waitUntilFreed(long now, long[] amounts, long needed) {
        long freed = 0;
        for (int k = 0; k < slots; k++) {
            int i = index(k);
            freed += amounts[i];
            if (freed >= needed) {
                return Math.max(1, times[i] + WINDOW_NANOS - now);
            }
        }
        // Only reached for a request larger than the limit, which callers refuse before asking.
        return WINDOW_NANOS;
    }

    private void add(long now, int requestTokens) {
        int tail = slots == 0 ? -1 : index(slots - 1);
        if (tail >= 0 && Math.floorDiv(times[tail], SLOT_NANOS) == Math.floorDiv(now, SLOT_NANOS)) {
            times[tail] = now;
        } else {
            if (slots == times.length) {
                grow();
            }
            tail = index(slots);
            times[tail] = now;
            counts[tail] = 0;
            tokens[tail] = 0;
            slots++;
        }
        counts[tail]++;
        tokens[tail] += requestTokens;
        requestSum++;
        tokenSum += requestTokens;
    }

    private void grow() {
        int capacity = times.length * 2;
        long[] newTimes = new long[capacity];
        long[] newCounts = new long[capacity];
        long[] newTokens = new long[capacity];
        for (int k = 0; k < slots; k++) {
            int i = index(k);
            newTimes[k] = times[i];
            newCounts[k] = counts[i];
            newTokens[k] = tokens[i];
        }
        times = newTimes;
        counts = newCounts;
        tokens = newTokens;
        head = 0;
    }

    private int index(int k) {
        int i = head + k;
        return i >= times.length ? i - times.length : i;
    }

    private RateLimitFeedback.Builder feedback(long now) {
        RateLimitFeedback.Builder feedback = RateLimitFeedback.builder();
        // "Reset": time until the window is empty again, when its newest entry leaves.
        Duration reset = slots == 0 ? Duration.ZERO : Duration.ofNanos(times[index(slots - 1)] + WINDOW_NANOS - now);
        if (requestLimit > 0) {
            feedback.requestLimit(requestLimit)
                    .requestsRemaining(Math.max(0, requestLimit - requestSum))
                    .requestsReset(reset);
        }
        if (tokenLimit > 0) {
            feedback.tokenLimit(tokenLimit)
                    .tokensRemaining(Math.max(0, tokenLimit - tokenSum))
                    .tokensReset(reset);
        }
        return feedback;
    }

    /**
     * The window's answer to one request.
     *
     * @param admitted whether the request was admitted (and counted)
     * @param feedback the rate-limit headers of the answer; a refusal carries the retry-after
     */
    record Decision(boolean admitted, RateLimitFeedback feedback) {
        static final Decision ADMITTED_UNLIMITED = new Decision(true, RateLimitFeedback.NONE);
    }
}
