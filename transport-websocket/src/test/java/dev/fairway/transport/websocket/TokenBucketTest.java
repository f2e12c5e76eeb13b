package dev.fairway.transport.websocket;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokenBucketTest {

    private final AtomicLong now = new AtomicLong(123_456_789L);

    @Test
    void fullBucketGivesItsBurstThenNothingWhileTimeStandsStill() {
        TokenBucket bucket = new TokenBucket(10, 5, now::get);
        assertEquals(5, take(bucket, 100));
    }

    @Test
    void refillsAtTheRateExactly() {
        TokenBucket bucket = new TokenBucket(10, 5, now::get);
        take(bucket, 5);
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(99));
        assertFalse(bucket.tryTake(), "99 ms is less than a token at 10/s");
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(1));
        assertTrue(bucket.tryTake(), "100 ms is one token");
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(300));
        assertEquals(3, take(bucket, 100));
    }

    @Test
    void longPauseRefillsToTheBurstOnlyAndNeverOverflows() {
        TokenBucket bucket = new TokenBucket(100_000, 1_000_000, now::get);
        take(bucket, 2_000_000);
        now.addAndGet(Long.MAX_VALUE / 2);
        assertEquals(1_000_000, take(bucket, 2_000_000));
    }

    @Test
    void clockGoingBackwardsAddsNothing() {
        TokenBucket bucket = new TokenBucket(10, 1, now::get);
        take(bucket, 1);
        now.addAndGet(-TimeUnit.SECONDS.toNanos(10));
        assertFalse(bucket.tryTake());
    }

    @Test
    void rateAndBurstMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new TokenBucket(0, 1, now::get));
        assertThrows(IllegalArgumentException.class, () -> new TokenBucket(1, 0, now::get));
    }

    private static int take(TokenBucket bucket, int attempts) {
        int taken = 0;
        for (int i = 0; i < attempts; i++) {
            if (bucket.tryTake()) {
                taken++;
            }
        }
        return taken;
    }
}
