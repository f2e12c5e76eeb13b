package dev.fairway.core.queue;

/**
 * A segment of a batch call that the provider's answer did not give validly (missing, mis-numbered, empty,
 * cut): it goes back to its queue to be translated on its own, without counting as a failed attempt.
 */
final class BatchAnswerMissing extends RuntimeException {

    private static final long serialVersionUID = 1L;

    BatchAnswerMissing(String message) {
        super(message, null, false, false);
    }
}
