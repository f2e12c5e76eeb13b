package dev.fairway.provider.anthropic;

import static dev.fairway.provider.anthropic.AnthropicAnswers.error;
import static dev.fairway.provider.anthropic.AnthropicAnswers.message;
import static dev.fairway.provider.anthropic.AnthropicAnswers.toolMessage;
import static dev.fairway.provider.anthropic.AnthropicProviderTest.KEY;
import static dev.fairway.provider.anthropic.AnthropicProviderTest.WALL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fairway.api.FinishReason;
import dev.fairway.api.RateLimitedException;
import dev.fairway.api.SegmentKind;
import dev.fairway.api.SessionId;
import dev.fairway.api.TokenUsage;
import dev.fairway.api.TransientProviderException;
import dev.fairway.api.TranslationRequest;
import dev.fairway.api.TranslationResult;
import dev.fairway.api.spi.BatchOutcome;
import dev.fairway.api.spi.PluginConfig;
import dev.fairway.api.spi.ProviderContext;
import dev.fairway.provider.support.BatchPrompts;
import dev.fairway.provider.support.BatchUsage;
import dev.fairway.provider.support.TranslationPrompts;
import dev.fairway.provider.tck.LoopbackServer;
import dev.fairway.provider.tck.LoopbackServer.Reply;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class BatchTest {

    /** Three segments of two sessions and three language pairs; the second is a partial. */
    private static final List<TranslationRequest> REQUESTS = List.of(
            new TranslationRequest(SessionId.of("a"), SegmentKind.FINAL, 1, "Good morning", "en", "fr", 150),
            new TranslationRequest(SessionId.of("b"), SegmentKind.PARTIAL, 2, "Guten Morgen, wie geht", "de", "es", 160),
            new TranslationRequest(SessionId.of("a"), SegmentKind.FINAL, 3, "See you tomorrow at the station", "en", "ja", 170));

    private final LoopbackServer server = LoopbackServer.start();
    private final List<AnthropicProvider> providers = new ArrayList<>();
    private final Map<Integer, TranslationResult> results = new TreeMap<>();

    @AfterEach
    void stop() {
        providers.forEach(AnthropicProvider::close);
        server.close();
    }

    private AnthropicProvider provider(Map<String, String> extra) {
        Map<String, String> config = new HashMap<>();
        config.put("base-url", server.uri().toString());
        config.putAll(extra);
        AnthropicProvider p = (AnthropicProvider) new AnthropicProviderFactory(Map.of("ANTHROPIC_API_KEY", KEY)::get, WALL)
                .create(ProviderContext.of(PluginConfig.of(AnthropicSettings.PREFIX, config)));
        providers.add(p);
        return p;
    }

    private BatchOutcome translate(Map<String, String> extra) throws InterruptedException {
        return provider(extra).translateBatch(REQUESTS, (index, result) -> {
            if (results.put(index, result) != null) {
                throw new AssertionError("segment " + index + " delivered twice");
            }
        });
    }

    private void answer(String input, String stopReason) {
        JsonNode tree;
        try {
            tree = MessagesJson.tree(input);
        } catch (MessagesJson.NotAMessage e) {
            throw new AssertionError(e);
        }
        Reply reply = Reply.json(200, toolMessage(tree, stopReason, 300, 45));
        for (Map.Entry<String, String> h : AnthropicAnswers.rateLimitHeaders().entrySet()) {
            reply = reply.withHeader(h.getKey(), h.getValue());
        }
        Reply r = reply;
        server.respond(request -> r);
    }

    private static String translations(String... items) {
        return "{\"translations\":[" + String.join(",", items) + "]}";
    }

    private static String item(int id, String text) {
        return "{\"id\":\"" + id + "\",\"text\":\"" + text + "\"}";
    }

    private static final String VALID = translations(item(0, "Bonjour"), item(1, "Buenos días, cómo"), item(2, "また明日、駅で"));

    @Test
    void batchRequestForcesTheTranslationsToolWithTheAnswersSchema() throws Exception {
        answer(VALID, "tool_use");

        translate(Map.of());

        JsonNode body = AnthropicAnswers.json(server.requests().get(0));
        assertEquals("claude-haiku-4-5", body.path("model").asText());
        assertEquals(BatchPrompts.systemPrompt(), body.path("system").asText());
        assertEquals(1, body.path("messages").size());
        assertEquals("user", body.path("messages").path(0).path("role").asText());
        assertEquals(MessagesJson.tree(BatchPrompts.userMessage(REQUESTS)),
                MessagesJson.tree(body.path("messages").path(0).path("content").asText()));
        assertEquals(1, body.path("tools").size());
        JsonNode tool = body.path("tools").path(0);
        assertEquals("translations", tool.path("name").asText());
        assertTrue(tool.path("description").asText().contains("every item"), tool.toString());
        assertEquals(BatchPrompts.answerSchema(), tool.path("input_schema"));
        assertEquals(MessagesJson.tree("{\"type\":\"tool\",\"name\":\"translations\"}"), body.path("tool_choice"));
        assertEquals(0.0, body.path("temperature").asDouble(), "a batch with a partial is sampled as partials are");
        TranslationPrompts.Budget budget = Prompts.budget(2.0, 64, 64_000);
        int cap = 8;
        for (TranslationRequest r : REQUESTS) {
            cap += budget.maxTokens(r.text()) + 12;
        }
        assertEquals(cap, body.path("max_tokens").asInt());
        assertEquals(Optional.of(KEY), server.requests().get(0).header("x-api-key"));
        assertTrue(body.path("stream").isMissingNode(), "not streamed");
    }

    @Test
    void validAnswerDeliversEverySegmentWithItsShareOfTheUsage() throws Exception {
        answer(VALID, "tool_use");
        Thread caller = Thread.currentThread();
        List<Thread> threads = new ArrayList<>();

        BatchOutcome outcome = provider(Map.of()).translateBatch(REQUESTS, (index, result) -> {
            threads.add(Thread.currentThread());
            results.put(index, result);
        });

        assertEquals(List.of("Bonjour", "Buenos días, cómo", "また明日、駅で"),
                results.values().stream().map(TranslationResult::text).toList());
        assertEquals(List.of(caller, caller, caller), threads);
        TranslationPrompts.Budget budget = Prompts.budget(2.0, 64, 64_000);
        int[] weights = REQUESTS.stream().mapToInt(r -> budget.textTokens(r.text())).toArray();
        assertEquals(BatchUsage.apportion(new TokenUsage(300, 45, 345), weights),
                results.values().stream().map(TranslationResult::usage).toList());
        TranslationResult first = results.get(0);
        assertEquals("claude-haiku-4-5-20251001", first.model());
        assertEquals(FinishReason.STOP, first.finishReason());
        assertEquals(OptionalLong.of(49), first.rateLimit().requestsRemaining());
        assertEquals(new TokenUsage(300, 45, 345), outcome.usage());
        assertEquals("claude-haiku-4-5-20251001", outcome.model());
        assertEquals(List.of(), outcome.problems());
    }

    @Test
    void spoiledSegmentsAreLeftOutAndNamedInTheProblems() throws Exception {
        answer(translations(item(0, "Bonjour"), item(0, "Buenos días"), "{\"id\":\"1\",\"text\":7}", item(2, "")),
                "tool_use");

        BatchOutcome outcome = translate(Map.of());

        assertEquals(List.of(0), List.copyOf(results.keySet()));
        assertEquals(List.of("translations[1] (id 0) repeats an id already answered; its first translation was"
                        + " delivered and stands", "translations[2] (id 1) has a text that is not a string",
                "translations[3] (id 2) has an empty text"), outcome.problems());
    }

    @Test
    void answerStoppedAtTheCapLeavesOutItsLastTranslation() throws Exception {
        answer(translations(item(0, "Bonjour"), item(1, "Buenos dí")), "max_tokens");

        BatchOutcome outcome = translate(Map.of("max-tokens.max", "100"));

        assertEquals(List.of(0), List.copyOf(results.keySet()), "the last one may be cut: never delivered");
        assertEquals(List.of("no translation for ids 1, 2", "the answer stopped at max_tokens = 100; its last"
                + " translation may be cut and was left out (raise fairway.provider.anthropic.max-tokens.max or lower"
                + " .batch.max-tokens)"), outcome.problems());
    }

    @Test
    void answerWithoutTheToolCallIsReadFromItsText() throws Exception {
        server.respond(r -> Reply.json(200, message(VALID, "end_turn", 300, 45)));

        BatchOutcome outcome = translate(Map.of());

        assertEquals(3, results.size());
        assertEquals(List.of("the answer did not call the translations tool; its text was read"), outcome.problems());
    }

    @Test
    void answerThatIsNoMessageIsATransientFailure() {
        server.respond(r -> new Reply(200, Map.of("Content-Type", "text/html"), "<html>gateway</html>"));

        assertThrows(TransientProviderException.class, () -> translate(Map.of()));
        assertTrue(results.isEmpty());
    }

    @Test
    void rateLimitedBatchThrowsAsASingleCallDoes() {
        server.respond(r -> Reply.json(429, error("rate_limit_error", "Number of requests has exceeded your rate limit"))
                .withHeader("retry-after", "3"));

        RateLimitedException e = assertThrows(RateLimitedException.class, () -> translate(Map.of()));

        assertEquals(Optional.of(Duration.ofSeconds(3)), e.retryAfter());
        assertTrue(results.isEmpty());
    }

    @Test
    void batchingOffRefusesBatches() {
        AnthropicProvider off = provider(Map.of("batch.max-segments", "1"));
        assertEquals(Optional.empty(), off.batchLimits());
        assertThrows(UnsupportedOperationException.class, () -> off.translateBatch(REQUESTS, (i, r) -> { }));
        assertThrows(IllegalArgumentException.class,
                () -> provider(Map.of("batch.max-segments", "2")).translateBatch(REQUESTS, (i, r) -> { }));
        assertTrue(server.requests().isEmpty());
    }
}
