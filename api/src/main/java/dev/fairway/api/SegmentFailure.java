package dev.fairway.api;

/**
 * A segment that the scheduler accepted but could not translate. Every accepted final ends either
 * as a {@link Translation} or as a {@code SegmentFailure}: finals are never lost silently.
 *
 * @param request the request that failed
 * @param reason why
 * @param message a human-readable explanation, never containing credentials
 */
public record SegmentFailure(TranslationRequest request, FailureReason reason, String message) {

    /** Validates every field. */
    public SegmentFailure {
        Checks.notNull("request", request);
        Checks.notNull("reason", reason);
        Checks.notNull("message", message);
    }
}
