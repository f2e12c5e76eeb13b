package dev.fairway.api;

/** What kind of transcript segment a request translates. */
public enum SegmentKind {
    /**
     * An interim transcript that a newer one replaces. Partials may be superseded, dropped when stale,
     * and are never retried: the next partial or the final carries the text anyway.
     */
    PARTIAL,
    /** Committed text. A final is never dropped: it is delivered or reported as failed. */
    FINAL
}
