package dev.fairway.app.testing;

import dev.fairway.api.Session;
import dev.fairway.api.SessionId;
import dev.fairway.api.SessionListener;
import dev.fairway.api.SessionOptions;
import dev.fairway.api.TranslationScheduler;

import java.time.Duration;
import java.util.List;

/** A scheduler that opens no session and writes down how it was stopped. */
public final class StubScheduler implements TranslationScheduler {

    private final List<String> events;

    /**
     * @param events where to write {@code scheduler shutdown} and {@code scheduler await}
     */
    public StubScheduler(List<String> events) {
        this.events = events;
    }

    @Override
    public Session open(SessionId id, SessionOptions options, SessionListener listener) {
        throw new IllegalStateException("the stub opens no session");
    }

    @Override
    public void shutdown() {
        events.add("scheduler shutdown");
    }

    @Override
    public boolean awaitTermination(Duration timeout) {
        events.add("scheduler await");
        return true;
    }

    @Override
    public void close() {
        events.add("scheduler close");
    }
}
