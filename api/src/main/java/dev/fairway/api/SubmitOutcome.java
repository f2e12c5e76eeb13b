package dev.fairway.api;

/**
 * What became of a submitted segment. Refusals are expected outcomes, returned as values: the
 * transport passes them on to its client.
 *
 * @param status accepted or why not
 * @param message a human-readable explanation (empty when accepted)
 */
public record SubmitOutcome(Status status, String message) {

    /** The single accepted outcome. */
    public static final SubmitOutcome ACCEPTED = new SubmitOutcome(Status.ACCEPTED, "");

    /** Validates the fields. */
    public SubmitOutcome {
        Checks.notNull("status", status);
        Checks.notNull("message", message);
    }

    /**
     * A refusal.
     *
     * @param status why, not {@link Status#ACCEPTED}
     * @param message explanation for the client
     * @return the outcome
     */
    public static SubmitOutcome refused(Status status, String message) {
        if (status == Status.ACCEPTED) {
            throw new IllegalArgumentException("status must be a refusal, was ACCEPTED");
        }
        return new SubmitOutcome(status, message);
    }

    /**
     * Whether the segment was accepted; an accepted final will be delivered or reported as failed.
     *
     * @return {@code status == ACCEPTED}
     */
    public boolean accepted() {
        return status == Status.ACCEPTED;
    }

    /** Accepted, or the reason for a refusal. */
    public enum Status {
        /** Accepted; the session will hear of it. */
        ACCEPTED,
        /** The session's backlog of finals is full: slow down and send again. Nothing was dropped. */
        BACKPRESSURE,
        /** The sequence number is not greater than one the session already submitted. */
        OUT_OF_ORDER,
        /** The session (or the scheduler) is closed. */
        CLOSED
    }
}
