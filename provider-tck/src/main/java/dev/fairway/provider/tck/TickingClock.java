package dev.fairway.provider.tck;

import dev.fairway.api.NanoClock;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The clock the kit hands to providers: every reading is one millisecond after the previous one. A
 * provider that measures its latency on the context's clock therefore reports a latency above zero
 * however fast the script answers, without the test depending on the machine's speed.
 */
final class TickingClock implements NanoClock {

    private static final long TICK = 1_000_000L;

    private final AtomicLong now = new AtomicLong(1_000_000_000_000L);

    @Override
    public long nanoTime() {
        return now.addAndGet(TICK);
    }
}
