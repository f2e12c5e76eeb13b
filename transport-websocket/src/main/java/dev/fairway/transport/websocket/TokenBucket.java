package dev.fairway.transport.websocket;

import dev.fairway.api.NanoClock;

import java.util.Objects;

/**
 * A token bucket in integer arithmetic on a monotonic clock: {@code burst} tokens at most, refilled at
 * {@code ratePerSecond}. One token is {@value #UNIT} units, so a refill of {@code elapsedNanos * rate}
 * units is exact. Not thread-safe: a connection's bucket is used by its reader thread only.
 */
final class TokenBucket {

    private static final long UNIT = 1_000_000_000L;

    private final NanoClock clock;
    private final long rate;
    private final long capacity;
    private final long nanosToFill;
    private long units;
    private long last;

    /**
     * A full bucket.
     *
     * @param ratePerSecond tokens added per second, >= 1
     * @param burst capacity in tokens, >= 1
     * @param clock the monotonic clock
     */
    TokenBucket(int ratePerSecond, int burst, NanoClock clock) {
        if (ratePerSecond < 1 || burst < 1) {
            throw new IllegalArgumentException("ratePerSecond and burst must be >= 1, were " + ratePerSecond
                    + " and " + burst);
        }
        this.clock = Objects.requireNonNull(clock, "clock");
        this.rate = ratePerSecond;
        this.capacity = burst * UNIT;
        this.nanosToFill = capacity / rate;
        this.units = capacity;
        this.last = clock.nanoTime();
    }

    /**
     * Takes a token if there is one.
     *
     * @return whether a token was taken
     */
    boolean tryTake() {
        long now = clock.nanoTime();
        long elapsed = now - last;
        last = now;
        if (elapsed > 0) {
            // elapsed * rate cannot overflow below nanosToFill, which is at most capacity.
            units = elapsed >= nanosToFill ? capacity : Math.min(capacity, units + elapsed * rate);
        }
        if (units >= UNIT) {
            units -= UNIT;
            return true;
        }
        return false;
    }
}
