package dev.fairway.core.queue;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;

/** An executor that only queues; the test runs the tasks when it wants, on its own thread. */
final class ManualExecutor implements Executor {

    private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();

    @Override
    public void execute(Runnable command) {
        tasks.addLast(command);
    }

    int size() {
        return tasks.size();
    }

    /** Runs the oldest task; returns false when there is none. */
    boolean runNext() {
        Runnable r = tasks.pollFirst();
        if (r == null) {
            return false;
        }
        r.run();
        return true;
    }

    /** Runs the newest task (to finish calls out of order). */
    boolean runLast() {
        Runnable r = tasks.pollLast();
        if (r == null) {
            return false;
        }
        r.run();
        return true;
    }
}
