package dev.fairway.api.spi;

import dev.fairway.api.SegmentKind;
import dev.fairway.api.TranslationRequest;
import dev.fairway.api.TranslationResult;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Translates one request at a time per call; many calls may run at once on virtual threads, so
 * implementations must be thread-safe. {@link #translate} blocks: it is meant to run on a virtual
 * thread, must not pin it (no {@code synchronized} around I/O), and must answer an interrupt
 * promptly by abandoning the call and throwing {@link InterruptedException}.
 */
public interface TranslationProvider extends AutoCloseable {

    /**
     * The name of the factory that made this provider.
     *
     * @return for example {@code openai}
     */
    String name();

    /**
     * The model requests go to; identical requests to the same provider and model are deduplicated.
     *
     * @return for example {@code gpt-4o-mini}
     */
    String model();

    /**
     * Translates.
     *
     * @param request what to translate
     * @return the translation with usage, latency and rate-limit feedback
     * @throws dev.fairway.api.RateLimitedException when the provider refused for a rate limit
     * @throws dev.fairway.api.TransientProviderException when the call may succeed later
     * @throws dev.fairway.api.PermanentProviderException when it will not
     * @throws InterruptedException when the calling thread was interrupted; the call is abandoned
     */
    TranslationResult translate(TranslationRequest request) throws InterruptedException;

    /**
     * Estimates the tokens a request for this text will use, prompt and completion together, as the
     * provider's rate limiter will count them. The limiter reserves this many before the call and
     * reconciles afterwards, so an estimate close to the truth wastes the least budget. The default
     * assumes about 4 characters a token and a short system prompt.
     *
     * @param kind partial or final (their prompts may differ)
     * @param text the source text
     * @return the estimate, > 0
     */
    default int estimateTokens(SegmentKind kind, String text) {
        int textTokens = Math.max(1, (text.length() + 3) / 4);
        return 40 + 2 * textTokens;
    }

    /**
     * The part of {@link #estimateTokens} that is output (completion) tokens, for rate limiters that
     * hold separate input- and output-token budgets (providers such as Anthropic limit them apart).
     * The rest of the estimate is input. The default says nothing: such a limiter then reserves the
     * whole estimate in each of its separate budgets until the provider reports the usage.
     *
     * @param kind partial or final
     * @param text the source text
     * @return the output part, from 0 to {@code estimateTokens(kind, text)}, or empty when unknown
     */
    default OptionalInt estimateOutputTokens(SegmentKind kind, String text) {
        return OptionalInt.empty();
    }

    /**
     * Whether this provider translates several segments in one call ({@link #translateBatch}), and how many.
     * The default: it does not.
     *
     * @return its limits, or empty when it does not batch
     */
    default Optional<BatchLimits> batchLimits() {
        return Optional.empty();
    }

    /**
     * Translates several segments, possibly of different sessions and language pairs, in one provider call: the
     * scheduler packs them when the provider's request budget, not its token budget, is what binds. The answer
     * must name each segment by an id the provider gave it in the request, and is checked: every id once, no
     * unknown id, no empty text. Each segment whose part of the answer is complete and valid goes to the
     * receiver at once (a streamed answer delivers the first before the last is written); the others are left
     * out, and the scheduler translates them again one by one. Never hand a segment a text that may be
     * another's.
     *
     * <p>The results' usages are each segment's share of the call's usage (together, the call's usage); a
     * provider that cannot tell apportions by the segments' lengths. Throws as {@link #translate} does when
     * the whole call failed; segments already handed to the receiver stand.
     *
     * @param requests 2 to {@link BatchLimits#maxSegments()} requests of this provider and model
     * @param receiver takes each segment's result as soon as it is known
     * @return the call's usage, latency, feedback and what was wrong with the answer
     * @throws dev.fairway.api.RateLimitedException when the provider refused for a rate limit
     * @throws dev.fairway.api.TransientProviderException when the call may succeed later
     * @throws dev.fairway.api.PermanentProviderException when it will not
     * @throws InterruptedException when the calling thread was interrupted; the call is abandoned
     * @throws UnsupportedOperationException when {@link #batchLimits()} is empty
     */
    default BatchOutcome translateBatch(List<TranslationRequest> requests, BatchReceiver receiver)
            throws InterruptedException {
        throw new UnsupportedOperationException(name() + " does not translate batches");
    }

    /**
     * Whether this provider can take translations now, for the node's readiness: a provider that warms its
     * connections up at start says not ready until the warm-up answered, and one that knows its endpoint is
     * unreachable or refuses its key says so. Called for every readiness probe: answer from state the provider
     * keeps (starting at most a background request of its own when that state is stale), never block. The
     * default: always ready.
     *
     * @return empty when ready, or why not: a sentence without secrets
     */
    default Optional<String> notReadyReason() {
        return Optional.empty();
    }

    /** Releases connections and other resources. Idempotent. */
    @Override
    void close();
}
