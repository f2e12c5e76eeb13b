package dev.fairway.core.queue;

import dev.fairway.api.FinishReason;
import dev.fairway.api.PermanentProviderException;
import dev.fairway.api.RateLimitFeedback;
import dev.fairway.api.RateLimitedException;
import dev.fairway.api.TokenUsage;
import dev.fairway.api.TranslationRequest;
import dev.fairway.api.TranslationResult;
import dev.fairway.api.spi.BatchLimits;
import dev.fairway.api.spi.BatchOutcome;
import dev.fairway.api.spi.BatchReceiver;
import dev.fairway.api.spi.TranslationProvider;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A provider double that translates batches: records each batch's texts and each single call's, answers every
 * item with {@code [target] text} and 10 + 5 tokens, except the indexes it is told to leave out (as a checker
 * leaves out a mis-numbered item); can make the next batch a 429.
 */
final class BatchingProvider implements TranslationProvider {

    final ConcurrentLinkedQueue<List<String>> batches = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<String> singles = new ConcurrentLinkedQueue<>();
    private final BatchLimits limits;
    volatile Set<Integer> leaveOut = Set.of();
    volatile boolean rateLimitNextBatch;
    /** Batch calls fail as a bad request (a server without structured output). */
    volatile boolean refuseBatches;
    /** The call's usage as reported at its end, when not the sum of the segments' (0: the sum). */
    volatile int reportedTotal;

    BatchingProvider(int maxSegments, int maxTokens) {
        this.limits = new BatchLimits(maxSegments, maxTokens);
    }

    @Override
    public String name() {
        return "batching";
    }

    @Override
    public String model() {
        return "test-model";
    }

    @Override
    public Optional<BatchLimits> batchLimits() {
        return Optional.of(limits);
    }

    @Override
    public TranslationResult translate(TranslationRequest request) {
        singles.add(request.text());
        return ScriptedProvider.result(request, RateLimitFeedback.NONE);
    }

    @Override
    public BatchOutcome translateBatch(List<TranslationRequest> requests, BatchReceiver receiver) {
        List<String> texts = new ArrayList<>();
        for (TranslationRequest r : requests) {
            texts.add(r.text());
        }
        batches.add(texts);
        if (rateLimitNextBatch) {
            rateLimitNextBatch = false;
            throw new RateLimitedException("429 on a batch", RateLimitFeedback.NONE);
        }
        if (refuseBatches) {
            throw new PermanentProviderException(PermanentProviderException.Kind.BAD_REQUEST,
                    "400: response_format json_schema is not supported");
        }
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            if (leaveOut.contains(i)) {
                problems.add("id " + i + " answered with another id");
                continue;
            }
            TranslationRequest r = requests.get(i);
            receiver.translated(i, new TranslationResult("[" + r.targetLanguage() + "] " + r.text(), TokenUsage.of(10, 5),
                    Duration.ZERO, RateLimitFeedback.NONE, "test-model", FinishReason.STOP));
        }
        TokenUsage usage = reportedTotal > 0 ? new TokenUsage(reportedTotal, 0, reportedTotal)
                : TokenUsage.of(10 * requests.size(), 5 * requests.size());
        return new BatchOutcome(usage, Duration.ZERO,
                RateLimitFeedback.NONE, "test-model", problems);
    }

    @Override
    public void close() {
    }
}
