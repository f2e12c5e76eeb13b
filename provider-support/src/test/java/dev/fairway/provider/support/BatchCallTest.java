package dev.fairway.provider.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fairway.api.FinishReason;
import dev.fairway.api.RateLimitFeedback;
import dev.fairway.api.SegmentKind;
import dev.fairway.api.SessionId;
import dev.fairway.api.TokenUsage;
import dev.fairway.api.TranslationRequest;
import dev.fairway.api.TranslationResult;
import dev.fairway.api.spi.BatchOutcome;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class BatchCallTest {

    private static final TranslationPrompts.Budget BUDGET = new TranslationPrompts.Budget(40, 9, 2.0, 64, 16_384);
    private static final RateLimitFeedback FEEDBACK = RateLimitFeedback.builder().requestsRemaining(7).build();

    private final AtomicLong now = new AtomicLong(1_000);
    private final Map<Integer, TranslationResult> results = new TreeMap<>();

    private static TranslationRequest request(String text) {
        return new TranslationRequest(SessionId.of("s"), SegmentKind.FINAL, 1, text, "en", "fr", 200);
    }

    /** Three segments whose sources are 1, 2 and 5 estimated tokens long. */
    private BatchCall call() {
        return BatchCall.create(List.of(request("Hi"), request("Good day"), request("A much longer one")), BUDGET,
                "gpt-test", now::get, (index, result) -> {
                    if (results.put(index, result) != null) {
                        throw new AssertionError("delivered twice: " + index);
                    }
                });
    }

    @Test
    void reportedUsageIsSharedByTheSourcesLengthsAndAddsUp() {
        BatchCall call = call();
        call.sent();
        now.addAndGet(5_000);
        call.answered(FEEDBACK);
        call.model("gpt-test-2025");
        call.usage(new TokenUsage(160, 40, 200));
        call.feed("{\"translations\":[{\"id\":\"0\",\"text\":\"Salut\"},{\"id\":\"1\",\"text\":\"Bonjour\"},");
        now.addAndGet(1_000);
        call.feed("{\"id\":\"2\",\"text\":\"Une bien plus longue\"}]}");
        BatchOutcome outcome = call.finish();

        assertEquals(List.of(new TokenUsage(20, 5, 25), new TokenUsage(40, 10, 50), new TokenUsage(100, 25, 125)),
                results.values().stream().map(TranslationResult::usage).toList());
        assertEquals(new TokenUsage(160, 40, 200), outcome.usage());
        TranslationResult first = results.get(0);
        assertEquals("Salut", first.text());
        assertEquals(Duration.ofNanos(5_000), first.providerLatency());
        assertEquals(Duration.ofNanos(6_000), results.get(2).providerLatency());
        assertEquals(FEEDBACK, first.rateLimit());
        assertEquals("gpt-test-2025", first.model());
        assertEquals(FinishReason.STOP, first.finishReason());
        assertEquals(new BatchOutcome(new TokenUsage(160, 40, 200), Duration.ofNanos(6_000), FEEDBACK, "gpt-test-2025",
                List.of()), outcome);
    }

    @Test
    void beforeTheUsageIsKnownSegmentsGetSharesOfTheEstimate() {
        BatchCall call = call();
        call.feed("{\"translations\":[{\"id\":\"0\",\"text\":\"Salut\"},{\"id\":\"1\",\"text\":\"Bonjour\"},"
                + "{\"id\":\"2\",\"text\":\"Une bien plus longue\"}]}");
        call.usage(TokenUsage.of(500, 30));
        BatchOutcome outcome = call.finish();

        TokenUsage estimate = call.estimatedUsage();
        assertEquals(BatchUsage.apportion(estimate, new int[] {1, 2, 5}),
                results.values().stream().map(TranslationResult::usage).toList());
        assertEquals(TokenUsage.of(500, 30), outcome.usage(), "the outcome has the usage the answer reported");
        assertEquals("gpt-test", results.get(0).model(), "the configured model until the answer names one");
    }

    @Test
    void withoutReportedUsageTheOutcomeHasTheEstimate() {
        BatchCall call = call();
        int prompt = BUDGET.promptTokens(call.systemPrompt(), call.userMessage());
        int completion = BatchCall.ANSWER_FRAMING_TOKENS + 3 * BatchCall.ITEM_FRAMING_TOKENS + 1 + 2 + 5;
        assertEquals(TokenUsage.of(prompt, completion), call.estimatedUsage());
        call.feed("{\"translations\":[]}");

        assertEquals(call.estimatedUsage(), call.finish().usage());
    }

    @Test
    void maxTokensIsEachSegmentsCapPlusFramingUnderTheCeiling() {
        assertEquals(BatchCall.ANSWER_FRAMING_TOKENS + 3 * (64 + BatchCall.ITEM_FRAMING_TOKENS), call().maxTokens());
        TranslationPrompts.Budget small = new TranslationPrompts.Budget(40, 9, 2.0, 64, 100);
        assertEquals(100, BatchCall.create(List.of(request("a"), request("b")), small, "m", now::get, (i, r) -> { })
                .maxTokens());
    }

    @Test
    void problemsAreTheCheckersThenTheProviders() {
        BatchCall call = call();
        call.feed("{\"translations\":[{\"id\":\"0\",\"text\":\"Salut\"},{\"id\":\"1\",\"text\":\"Bon");
        call.problem("the model stopped at max_tokens (100)");
        BatchOutcome outcome = call.finish();

        assertEquals(List.of(0), List.copyOf(results.keySet()));
        assertEquals(List.of(1, 2), call.undelivered());
        assertEquals(List.of("the answer ended inside translations[1] (id \"1\")", "no translation for ids 1, 2",
                "the model stopped at max_tokens (100)"), outcome.problems());
        assertTrue(outcome == call.finish(), "finish is idempotent");
    }
}
