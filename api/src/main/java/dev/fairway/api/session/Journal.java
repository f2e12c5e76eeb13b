package dev.fairway.api.session;

import java.util.List;
import java.util.Objects;

/**
 * What a resume needs from the store.
 *
 * @param session the session's record
 * @param outcomes the outcomes after the sequence number the client last received, in sequence order
 * @param unanswered the accepted finals without an outcome, in sequence order: to translate again
 */
public record Journal(StoredSession session, List<JournaledOutcome> outcomes, List<AcceptedFinal> unanswered) {

    /** Validates and copies. */
    public Journal {
        Objects.requireNonNull(session, "session");
        outcomes = List.copyOf(outcomes);
        unanswered = List.copyOf(unanswered);
    }
}
