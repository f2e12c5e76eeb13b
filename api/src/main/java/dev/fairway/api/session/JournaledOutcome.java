package dev.fairway.api.session;

import java.time.Instant;
import java.util.Objects;

/**
 * The outcome of a segment (a translation or a failure), as journaled before it is delivered: the frame the
 * client receives, kept as the transport wrote it so a replay sends the same bytes.
 *
 * @param seq the sequence number of the segment it answers
 * @param isFinal whether it answers a final (a final's outcome settles its {@link AcceptedFinal})
 * @param frame the frame, opaque to the store (the WebSocket transport's JSON text)
 * @param at when it was produced
 */
public record JournaledOutcome(long seq, boolean isFinal, String frame, Instant at) {

    /** Validates every field. */
    public JournaledOutcome {
        Objects.requireNonNull(frame, "frame");
        Objects.requireNonNull(at, "at");
        if (seq < 0) {
            throw new IllegalArgumentException("seq must not be negative, was " + seq);
        }
    }
}
