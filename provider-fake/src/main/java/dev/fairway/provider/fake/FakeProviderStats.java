package dev.fairway.provider.fake;

/**
 * What a {@link FakeProvider} has answered since it was built: a benchmark checks, for example, that
 * a well-behaved scheduler never made the provider's own limits answer 429
 * ({@code rateLimited() == 0}). A batch call counts as one call in every count but the {@code batch*} ones.
 *
 * @param calls calls to {@code translate} and {@code translateBatch}
 * @param succeeded calls that returned a translation (a batch call: that returned its outcome)
 * @param rateLimited calls refused because the provider's own RPM or TPM window was full
 * @param injected429 calls refused by an injected 429
 * @param injected5xx calls failed by an injected 5xx
 * @param injectedTimeouts calls failed by an injected or latency-caused timeout
 * @param injectedGarbage calls failed by an injected malformed answer
 * @param badRequests calls refused permanently (marker text, or larger than the token limit)
 * @param interrupted calls abandoned because the calling thread was interrupted
 * @param promptTokens prompt tokens of the successful calls
 * @param completionTokens completion tokens of the successful calls
 * @param batchCalls calls to {@code translateBatch} (also counted in {@code calls})
 * @param batchSegments segments sent in batch calls
 * @param batchSegmentsLeftOut segments of successful batch calls that the id check left out (a mis-numbered
 *     or missing part of the answer), for the caller to translate again on their own
 */
public record FakeProviderStats(
        long calls,
        long succeeded,
        long rateLimited,
        long injected429,
        long injected5xx,
        long injectedTimeouts,
        long injectedGarbage,
        long badRequests,
        long interrupted,
        long promptTokens,
        long completionTokens,
        long batchCalls,
        long batchSegments,
        long batchSegmentsLeftOut) {

    /** Validates that no count is negative. */
    public FakeProviderStats {
        check("calls", calls);
        check("succeeded", succeeded);
        check("rateLimited", rateLimited);
        check("injected429", injected429);
        check("injected5xx", injected5xx);
        check("injectedTimeouts", injectedTimeouts);
        check("injectedGarbage", injectedGarbage);
        check("badRequests", badRequests);
        check("interrupted", interrupted);
        check("promptTokens", promptTokens);
        check("completionTokens", completionTokens);
        check("batchCalls", batchCalls);
        check("batchSegments", batchSegments);
        check("batchSegmentsLeftOut", batchSegmentsLeftOut);
    }

    private static void check(String field, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(field + " must be >= 0, was " + value);
        }
    }
}
