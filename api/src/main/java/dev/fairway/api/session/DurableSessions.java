package dev.fairway.api.session;

import java.time.Duration;
import java.time.InstantSource;
import java.util.Objects;

/**
 * What a transport needs to make its sessions durable: the store that journals them and how long a session
 * whose connection dropped stays resumable.
 *
 * @param store the session store (owned and closed by the application, not by the transport)
 * @param resumeWindow how long a session without a connection stays resumable; positive
 * @param clock wall-clock time for the journal's timestamps and the store's {@code lastSeenAt}
 */
public record DurableSessions(SessionStore store, Duration resumeWindow, InstantSource clock) {

    /** The default resume window: two minutes. */
    public static final Duration DEFAULT_RESUME_WINDOW = Duration.ofMinutes(2);

    /** Validates every field. */
    public DurableSessions {
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(resumeWindow, "resumeWindow");
        Objects.requireNonNull(clock, "clock");
        if (resumeWindow.isNegative() || resumeWindow.isZero()) {
            throw new IllegalArgumentException("resumeWindow must be positive, was " + resumeWindow);
        }
    }

    /**
     * Durable sessions on the system clock.
     *
     * @param store the session store
     * @param resumeWindow how long a session without a connection stays resumable
     */
    public DurableSessions(SessionStore store, Duration resumeWindow) {
        this(store, resumeWindow, InstantSource.system());
    }
}
