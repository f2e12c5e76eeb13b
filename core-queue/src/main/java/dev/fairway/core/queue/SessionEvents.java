package dev.fairway.core.queue;

/**
 * What one session's listener is to hear, claimed under the session's lock by the thread that will
 * hand it over outside every lock: resolved segments in sequence order, then, when {@code closes},
 * {@code onClosed}.
 *
 * @param session the session whose listener hears them; it is marked delivering until they are heard
 * @param outcomes resolved segments, each with its translation or failure
 * @param closes whether {@code onClosed} follows
 */
record SessionEvents(SessionQueue session, Segment[] outcomes, boolean closes) {

    static final Segment[] NONE = new Segment[0];

    /** How many listener calls these are. */
    int count() {
        return outcomes.length + (closes ? 1 : 0);
    }
}
