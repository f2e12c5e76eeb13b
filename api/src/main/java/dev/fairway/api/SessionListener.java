package dev.fairway.api;

/**
 * Receives a session's outcomes. The scheduler calls it for one session at a time, never
 * concurrently, in sequence order; callbacks should return quickly (hand the data to a writer and
 * return) because they run on scheduler threads.
 */
public interface SessionListener {

    /**
     * A translation for this session.
     *
     * @param translation the translation and its latency breakdown
     */
    void onTranslation(Translation translation);

    /**
     * A segment this session submitted that will not be translated. For a final this is the
     * promised report: the final was not silently lost.
     *
     * @param failure what failed and why
     */
    void onFailure(SegmentFailure failure);

    /** The session is closed; no callback follows this one. */
    default void onClosed() {
    }
}
