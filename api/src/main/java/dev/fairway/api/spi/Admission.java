package dev.fairway.api.spi;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Whether this node takes a new session now. A transport asks at each session handshake, before it
 * accepts anything, and refuses the session when the answer is a {@link Refusal} (the WebSocket transport
 * with HTTP 503 and {@code Retry-After}); sessions already accepted are never affected. The application
 * answers from its measured saturation (scheduling lag, queue wait, heap), so a node past its capacity
 * sheds load at the door instead of accepting work it cannot serve.
 *
 * <p>Called on transport threads for every handshake: implementations answer from state they keep up to
 * date elsewhere, without blocking.
 */
@FunctionalInterface
public interface Admission {

    /** Takes every session (no saturation measured). */
    Admission OPEN = Optional::empty;

    /**
     * Whether a new session would be welcome now, without taking a place: what {@code /ready} reports.
     *
     * @return empty when a session would be admitted, or why it would be refused
     */
    Optional<Refusal> check();

    /**
     * Admits a new session or refuses it: called once per session handshake. An implementation that lets
     * sessions in at a limited pace counts the session here, never in {@link #check()}.
     *
     * @return empty when the session is admitted, or why it is refused
     */
    default Optional<Refusal> admit() {
        return check();
    }

    /**
     * Why new sessions are refused now.
     *
     * @param reason a short stable token for counters and {@code /ready} (e.g. {@code saturated})
     * @param message a sentence for the refused client, naming what is saturated and its threshold
     * @param retryAfter when the client may try again (at least one second)
     */
    record Refusal(String reason, String message, Duration retryAfter) {

        /** Validates every field. */
        public Refusal {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(message, "message");
            Objects.requireNonNull(retryAfter, "retryAfter");
            if (reason.isBlank()) {
                throw new IllegalArgumentException("reason must not be blank");
            }
            if (retryAfter.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new IllegalArgumentException("retryAfter must be at least 1 s, was " + retryAfter);
            }
        }
    }
}
