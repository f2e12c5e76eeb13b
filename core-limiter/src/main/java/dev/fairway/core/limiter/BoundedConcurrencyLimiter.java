package dev.fairway.core.limiter;

import dev.fairway.api.NanoClock;
import dev.fairway.api.limit.ConcurrencyLimiter;


/**
 * The {@link ConcurrencyLimiter}: enforces the limit its {@link ConcurrencyPolicy} sets (by default an
 * {@link AimdConcurrencyPolicy}).
 *
 * <p>Permits are slots of a fixed table: a permit is {@code generation << 16 | slot}, and releasing
 * bumps the slot's generation, so a second release of the same permit (or of a forged value) finds a
 * different generation and does nothing. Exactly-once release costs no allocation. The critical
 * sections are a few array operations and a call of the policy (which must not block) under a
 * compare-and-set lock, never {@code synchronized}.
 */
public final class BoundedConcurrencyLimiter implements ConcurrencyLimiter {

    /** The fewest slots a policy's limits may ask for. */
    public static final int MIN_SLOTS = 1;
    /** The most slots a policy's ceiling may ask for. */
    public static final int MAX_SLOTS = 1 << 16;
    private static final int SLOT_BITS = 16;
    private static final long SLOT_MASK = MAX_SLOTS - 1;

    private final ConcurrencyPolicy policy;
    private final NanoClock clock;
    private final SpinLock lock = new SpinLock();

    // Guarded by lock. A slot's generation is odd while its permit is out.
    private final long[] generations;
    private final long[] startedAt;
    private final int[] inFlightAtStart;
    private final int[] free;
    private int freeCount;
    private int inFlight;

    private volatile int limitSnapshot;
    private volatile int inFlightSnapshot;

    private BoundedConcurrencyLimiter(ConcurrencyPolicy policy, NanoClock clock) {
        this.policy = policy;
        this.clock = clock;
        int slots = checkLimit("policy maxLimit", policy.maxLimit());
        this.generations = new long[slots];
        this.startedAt = new long[slots];
        this.inFlightAtStart = new int[slots];
        this.free = new int[slots];
        for (int i = 0; i < slots; i++) {
            free[i] = slots - 1 - i;
        }
        this.freeCount = slots;
        this.limitSnapshot = clampLimit(policy.limit(clock.nanoTime()));
    }

    /**
     * A limiter with the default adaptive policy and the system clock.
     *
     * @return the limiter
     */
    public static BoundedConcurrencyLimiter create() {
        return builder().build();
    }

    /**
     * @return a builder with {@link AimdConcurrencyPolicy#create()} and {@link NanoClock#SYSTEM}
     */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public long tryAcquire() {
        long now = clock.nanoTime();
        lock.lock();
        try {
            return acquireLocked(now);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean release(long permit, Outcome outcome) {
        if (outcome == null) {
            throw new IllegalArgumentException("outcome must not be null");
        }
        if (!isPermitShaped(permit)) {
            return false;
        }
        long now = clock.nanoTime();
        lock.lock();
        try {
            return releaseLocked(permit, outcome, now);
        } finally {
            lock.unlock();
        }
    }

    /** Both under one lock hold and one clock reading. */
    @Override
    public long releaseAndTryAcquire(long permit, Outcome outcome) {
        if (outcome == null) {
            throw new IllegalArgumentException("outcome must not be null");
        }
        long now = clock.nanoTime();
        lock.lock();
        try {
            if (isPermitShaped(permit)) {
                releaseLocked(permit, outcome, now);
            }
            return acquireLocked(now);
        } finally {
            lock.unlock();
        }
    }

    private boolean isPermitShaped(long permit) {
        if (permit < 0) {
            return false;
        }
        int slot = (int) (permit & SLOT_MASK);
        long generation = permit >>> SLOT_BITS;
        return slot < generations.length && (generation & 1) != 0;
    }

    private long acquireLocked(long now) {
        int limit = clampLimit(policy.limit(now));
        limitSnapshot = limit;
        if (inFlight >= limit) {
            return NO_PERMIT;
        }
        int slot = free[--freeCount];
        long generation = ++generations[slot];
        startedAt[slot] = now;
        inFlightAtStart[slot] = ++inFlight;
        inFlightSnapshot = inFlight;
        return (generation << SLOT_BITS) | slot;
    }

    private boolean releaseLocked(long permit, Outcome outcome, long now) {
        int slot = (int) (permit & SLOT_MASK);
        long generation = permit >>> SLOT_BITS;
        if (generations[slot] != generation) {
            return false;
        }
        generations[slot]++;
        free[freeCount++] = slot;
        inFlight--;
        inFlightSnapshot = inFlight;
        policy.onSample(startedAt[slot], now, inFlightAtStart[slot], outcome);
        limitSnapshot = clampLimit(policy.limit(now));
        return true;
    }

    @Override
    public int limit() {
        return limitSnapshot;
    }

    @Override
    public int inFlight() {
        return inFlightSnapshot;
    }

    private int clampLimit(int limit) {
        return Math.max(1, Math.min(generations.length, limit));
    }

    static int checkLimit(String field, int value) {
        if (value < MIN_SLOTS || value > MAX_SLOTS) {
            throw new IllegalArgumentException(field + " must be " + MIN_SLOTS + " to " + MAX_SLOTS + ", was " + value);
        }
        return value;
    }

    /** Builds a {@link BoundedConcurrencyLimiter}. */
    public static final class Builder {
        private ConcurrencyPolicy policy;
        private NanoClock clock = NanoClock.SYSTEM;

        private Builder() {
        }

        /**
         * @param value how large the limit is (default a new {@link AimdConcurrencyPolicy#create()});
         *     the limiter takes ownership: do not share a policy between limiters
         * @return this builder
         */
        public Builder policy(ConcurrencyPolicy value) {
            if (value == null) {
                throw new IllegalArgumentException("policy must not be null");
            }
            policy = value;
            return this;
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
         * @return the limiter
         */
        public BoundedConcurrencyLimiter build() {
            return new BoundedConcurrencyLimiter(policy != null ? policy : AimdConcurrencyPolicy.create(), clock);
        }
    }
}
