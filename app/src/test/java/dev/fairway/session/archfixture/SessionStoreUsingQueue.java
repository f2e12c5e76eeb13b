package dev.fairway.session.archfixture;

import dev.fairway.core.queue.FairScheduler;

/** A deliberately bad fixture: a session store that reaches into the scheduler. */
public final class SessionStoreUsingQueue {

    private SessionStoreUsingQueue() {
    }

    /**
     * Uses the scheduler's builder, which a session store must not know.
     *
     * @return a builder
     */
    public static Object forbidden() {
        return FairScheduler.builder();
    }
}
