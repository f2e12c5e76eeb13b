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
 * @param journalLimit how many answered finals a session's journal keeps for a resume, at most: past it, the
 *     oldest are trimmed even if the client never acknowledged them; {@value #MIN_JOURNAL_LIMIT} or more
 */
public record DurableSessions(SessionStore store, Duration resumeWindow, InstantSource clock, int journalLimit) {

    /** The default resume window: two minutes. */
    public static final Duration DEFAULT_RESUME_WINDOW = Duration.ofMinutes(2);

    /** The default journal limit: 256 answered finals, about eight minutes of speech at one final every two seconds. */
    public static final int DEFAULT_JOURNAL_LIMIT = 256;

    /** The smallest journal limit. */
    public static final int MIN_JOURNAL_LIMIT = 8;

    /** Validates every field. */
    public DurableSessions {
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(resumeWindow, "resumeWindow");
        Objects.requireNonNull(clock, "clock");
        if (resumeWindow.isNegative() || resumeWindow.isZero()) {
            throw new IllegalArgumentException("resumeWindow must be positive, was " + resumeWindow);
        }
        if (journalLimit < MIN_JOURNAL_LIMIT) {
            throw new IllegalArgumentException("journalLimit must be at least " + MIN_JOURNAL_LIMIT + ", was "
                    + journalLimit);
        }
    }

    /**
     * Durable sessions with the default journal limit.
     *
     * @param store the session store
     * @param resumeWindow how long a session without a connection stays resumable
     * @param clock wall-clock time
     */
    public DurableSessions(SessionStore store, Duration resumeWindow, InstantSource clock) {
        this(store, resumeWindow, clock, DEFAULT_JOURNAL_LIMIT);
    }

    /**
     * Durable sessions on the system clock.
     *
     * @param store the session store
     * @param resumeWindow how long a session without a connection stays resumable
     */
    public DurableSessions(SessionStore store, Duration resumeWindow) {
        this(store, resumeWindow, InstantSource.system(), DEFAULT_JOURNAL_LIMIT);
    }
}
