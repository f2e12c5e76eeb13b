package dev.fairway.api;

import java.util.UUID;

/**
 * Identifies one translation session (typically one WebSocket connection). Every piece of
 * per-session state in Fairway is keyed by this id, so one session can never be answered with
 * another session's translation.
 *
 * @param value 1 to 128 characters from {@code [A-Za-z0-9._:-]}
 */
public record SessionId(String value) implements Comparable<SessionId> {

    /** Longest accepted id. */
    public static final int MAX_LENGTH = 128;

    private static final java.util.regex.Pattern CHARS = java.util.regex.Pattern.compile("[A-Za-z0-9._:-]+");

    /** Validates the id. */
    public SessionId {
        Checks.notNull("session id", value);
        if (value.isEmpty() || value.length() > MAX_LENGTH || !CHARS.matcher(value).matches()) {
            throw new IllegalArgumentException("session id must be 1 to " + MAX_LENGTH
                    + " characters from [A-Za-z0-9._:-], was '" + Checks.abbreviate(value) + "'");
        }
    }

    /**
     * Returns the id with this value.
     *
     * @param value the id's text
     * @return the id
     */
    public static SessionId of(String value) {
        return new SessionId(value);
    }

    /**
     * Returns a new random id ({@code s-} followed by a UUID).
     *
     * @return a fresh id
     */
    public static SessionId random() {
        return new SessionId("s-" + UUID.randomUUID());
    }

    @Override
    public int compareTo(SessionId other) {
        return value.compareTo(other.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
