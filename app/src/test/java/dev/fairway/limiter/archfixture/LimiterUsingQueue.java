package dev.fairway.limiter.archfixture;

import dev.fairway.core.queue.FairScheduler;

/** A deliberately bad fixture: a limiter store that reaches into the scheduler. */
public final class LimiterUsingQueue {

    private LimiterUsingQueue() {
    }

    /**
     * Uses the scheduler's builder, which a limiter store must not know.
     *
     * @return a builder
     */
    public static Object forbidden() {
        return FairScheduler.builder();
    }
}
