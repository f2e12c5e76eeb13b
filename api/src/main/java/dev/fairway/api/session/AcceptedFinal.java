package dev.fairway.api.session;

import java.time.Instant;
import java.util.Objects;

/**
 * A final the server accepted, as journaled before the client heard it was accepted.
 *
 * @param seq the client's sequence number (increasing within a session)
 * @param text the text to translate
 * @param acceptedAt when it was accepted
 */
public record AcceptedFinal(long seq, String text, Instant acceptedAt) {

    /** Validates every field. */
    public AcceptedFinal {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(acceptedAt, "acceptedAt");
        if (seq < 0) {
            throw new IllegalArgumentException("seq must not be negative, was " + seq);
        }
    }
}
