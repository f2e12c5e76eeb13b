package dev.fairway.api;

/**
 * How a session is opened.
 *
 * @param sourceLanguage BCP 47 tag of what the client speaks
 * @param targetLanguage BCP 47 tag of what the client wants
 * @param weight the session's fair-share weight, 1 to {@value #MAX_WEIGHT}; a session of weight 2
 *     is entitled to twice the share of a session of weight 1
 * @param label a client-chosen label for logs and status, 0 to 64 characters (empty for none)
 */
public record SessionOptions(String sourceLanguage, String targetLanguage, int weight, String label) {

    /** Largest accepted weight. */
    public static final int MAX_WEIGHT = 1000;

    /** Validates every field. */
    public SessionOptions {
        Checks.language("sourceLanguage", sourceLanguage);
        Checks.language("targetLanguage", targetLanguage);
        if (weight < 1 || weight > MAX_WEIGHT) {
            throw new IllegalArgumentException("weight must be 1 to " + MAX_WEIGHT + ", was " + weight);
        }
        Checks.notNull("label", label);
        if (label.length() > 64) {
            throw new IllegalArgumentException("label must be at most 64 characters, was " + label.length());
        }
    }

    /**
     * Options of weight 1 and no label.
     *
     * @param sourceLanguage what the client speaks
     * @param targetLanguage what the client wants
     * @return the options
     */
    public static SessionOptions of(String sourceLanguage, String targetLanguage) {
        return new SessionOptions(sourceLanguage, targetLanguage, 1, "");
    }
}
