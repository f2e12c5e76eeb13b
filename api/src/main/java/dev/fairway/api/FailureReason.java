package dev.fairway.api;

/** Why a segment was not translated. Partials may end this way silently; finals never do. */
public enum FailureReason {
    /** A partial was replaced by a newer partial or by a final before its result was delivered. */
    SUPERSEDED,
    /** A partial waited longer than its staleness deadline. */
    STALE,
    /** The provider kept failing transiently (or rate limiting) until retries ran out. */
    RETRIES_EXHAUSTED,
    /** The provider refused the request for good (bad request, authentication, quota). */
    PERMANENT_PROVIDER_ERROR,
    /** The session or the scheduler closed before the segment was translated. */
    SHUTDOWN,
    /** An unexpected failure inside Fairway. */
    INTERNAL
}
