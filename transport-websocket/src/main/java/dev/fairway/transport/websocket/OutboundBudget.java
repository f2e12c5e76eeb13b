package dev.fairway.transport.websocket;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes that all connections together may hold for their clients (frames queued or being written).
 * Thread-safe and lock-free: a reservation either fits whole or is refused.
 */
final class OutboundBudget {

    private final long limit;
    private final AtomicLong used = new AtomicLong();

    /**
     * @param limit the most bytes held at once, at least 1
     */
    OutboundBudget(long limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be >= 1, was " + limit);
        }
        this.limit = limit;
    }

    /**
     * Reserves bytes when they fit.
     *
     * @param bytes the bytes, >= 0
     * @return whether they were reserved
     */
    boolean tryReserve(long bytes) {
        while (true) {
            long current = used.get();
            long next = current + bytes;
            if (next > limit) {
                return false;
            }
            if (used.compareAndSet(current, next)) {
                return true;
            }
        }
    }

    /**
     * Gives back reserved bytes.
     *
     * @param bytes the bytes reserved earlier
     */
    void release(long bytes) {
        used.addAndGet(-bytes);
    }

    /**
     * Bytes reserved now.
     *
     * @return the bytes held for clients
     */
    long used() {
        return used.get();
    }

    /**
     * The limit.
     *
     * @return the most bytes held at once
     */
    long limit() {
        return limit;
    }
}
