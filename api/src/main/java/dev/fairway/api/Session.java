package dev.fairway.api;

/**
 * An open session of a {@link TranslationScheduler}: the handle a transport submits segments through.
 * Closing it releases its fair share at once; finals it had already submitted are still translated
 * or reported as failed.
 */
public interface Session extends AutoCloseable {

    /**
     * This session's id.
     *
     * @return the id
     */
    SessionId id();

    /**
     * The options the session was opened with.
     *
     * @return the options
     */
    SessionOptions options();

    /**
     * Submits a transcript segment. Never blocks. A partial replaces the session's pending partial;
     * a final replaces the pending partial and joins the session's queue of finals.
     *
     * @param kind partial or final
     * @param sequence the client's sequence number, greater than any this session submitted before
     * @param text the source text
     * @return accepted, or why not
     * @throws IllegalArgumentException when the text is blank or too long
     */
    SubmitOutcome submit(SegmentKind kind, long sequence, String text);

    /** Closes the session. Idempotent. */
    @Override
    void close();
}
