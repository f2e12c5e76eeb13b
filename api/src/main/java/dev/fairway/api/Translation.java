package dev.fairway.api;

/**
 * A translation delivered to its session.
 *
 * @param request the request it answers (session, kind, sequence, source text)
 * @param result what the provider returned
 * @param latency where the time went
 */
public record Translation(TranslationRequest request, TranslationResult result, LatencyBreakdown latency) {

    /** Validates every field. */
    public Translation {
        Checks.notNull("request", request);
        Checks.notNull("result", result);
        Checks.notNull("latency", latency);
    }
}
