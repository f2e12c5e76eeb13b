package dev.fairway.api;

/**
 * One segment to translate.
 *
 * @param session the session it belongs to
 * @param kind partial or final
 * @param sequence the client's sequence number for this segment, >= 0; results reach the session in
 *     this order, and a partial result older than one already delivered is never delivered
 * @param text the source text, 1 to {@value #MAX_TEXT_LENGTH} characters
 * @param sourceLanguage BCP 47 tag of the text's language, for example {@code en}
 * @param targetLanguage BCP 47 tag of the wanted language, for example {@code fr}
 * @param estimatedTokens the tokens this request is expected to use (prompt and completion), > 0;
 *     the limiter reserves this many and reconciles them with the provider's reported usage
 */
public record TranslationRequest(
        SessionId session,
        SegmentKind kind,
        long sequence,
        String text,
        String sourceLanguage,
        String targetLanguage,
        int estimatedTokens) {

    /** Longest accepted text, in characters. Transports usually configure a smaller limit. */
    public static final int MAX_TEXT_LENGTH = 100_000;

    /** Validates every field. */
    public TranslationRequest {
        Checks.notNull("session", session);
        Checks.notNull("kind", kind);
        Checks.notNegative("sequence", sequence);
        Checks.notNull("text", text);
        if (text.isBlank()) {
            throw new IllegalArgumentException("text must not be blank");
        }
        if (text.length() > MAX_TEXT_LENGTH) {
            throw new IllegalArgumentException("text must be at most " + MAX_TEXT_LENGTH
                    + " characters, was " + text.length());
        }
        Checks.language("sourceLanguage", sourceLanguage);
        Checks.language("targetLanguage", targetLanguage);
        if (estimatedTokens <= 0) {
            throw new IllegalArgumentException("estimatedTokens must be > 0, was " + estimatedTokens);
        }
    }

    /**
     * Returns this request with another token estimate.
     *
     * @param tokens the new estimate, > 0
     * @return a copy with {@code estimatedTokens = tokens}
     */
    public TranslationRequest withEstimatedTokens(int tokens) {
        return new TranslationRequest(session, kind, sequence, text, sourceLanguage, targetLanguage, tokens);
    }

    /**
     * Whether this is a final segment.
     *
     * @return {@code kind == FINAL}
     */
    public boolean isFinal() {
        return kind == SegmentKind.FINAL;
    }
}
