package dev.fairway.provider.openai;

import static dev.fairway.provider.openai.FakeOpenAiServer.chunk;
import static dev.fairway.provider.openai.FakeOpenAiServer.completion;
import static dev.fairway.provider.openai.FakeOpenAiServer.error;
import static dev.fairway.provider.openai.FakeOpenAiServer.event;
import static dev.fairway.provider.openai.FakeOpenAiServer.eventStream;
import static dev.fairway.provider.openai.FakeOpenAiServer.finishChunk;
import static dev.fairway.provider.openai.FakeOpenAiServer.json;
import static dev.fairway.provider.openai.FakeOpenAiServer.usageChunk;
import static dev.fairway.provider.openai.OpenAiProviderTest.KEY;
import static dev.fairway.provider.openai.OpenAiProviderTest.WALL;
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

import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class BatchTest {

    /** Three segments of two sessions and three language pairs; the second is a partial. */
    private static final List<TranslationRequest> REQUESTS = List.of(
            new TranslationRequest(SessionId.of("a"), SegmentKind.FINAL, 1, "Good morning", "en", "fr", 150),
            new TranslationRequest(SessionId.of("b"), SegmentKind.PARTIAL, 2, "Guten Morgen, wie geht", "de", "es", 160),
            new TranslationRequest(SessionId.of("a"), SegmentKind.FINAL, 3, "See you tomorrow at the station", "en", "ja", 170));

    private FakeOpenAiServer server;
    private OpenAiProvider provider;
    private final Map<Integer, TranslationResult> results = new TreeMap<>();

    @BeforeEach
    void start() throws IOException {
        server = new FakeOpenAiServer();
    }

    @AfterEach
    void stop() {
        if (provider != null) {
            provider.close();
        }
        server.close();
    }

    private OpenAiProvider provider(Map<String, String> extra) {
        Map<String, String> config = new HashMap<>();
        config.put("base-url", server.baseUrl());
        config.putAll(extra);
        provider = (OpenAiProvider) new OpenAiProviderFactory(Map.of("OPENAI_API_KEY", KEY)::get, WALL)
                .create(ProviderContext.of(PluginConfig.of(OpenAiSettings.PREFIX, config)));
        return provider;
    }

    private BatchOutcome translate(Map<String, String> extra) throws InterruptedException {
        return provider(extra).translateBatch(REQUESTS, (index, result) -> {
            if (results.put(index, result) != null) {
                throw new AssertionError("segment " + index + " delivered twice");
            }
        });
    }

    /** Streams an answer's JSON as content deltas of a few characters, as a model writes it. */
    private static void streamJson(OutputStream out, String answer) {
        for (int at = 0; at < answer.length(); at += 5) {
            event(out, chunk(answer.substring(at, Math.min(answer.length(), at + 5))));
        }
    }

    private static String answer(String... items) {
        return "{\"translations\":[" + String.join(",", items) + "]}";
    }

    private static String item(int id, String text) {
        return "{\"id\":\"" + id + "\",\"text\":\"" + text + "\"}";
    }

    private static final String VALID = answer(item(0, "Bonjour"), item(1, "Buenos días, cómo"), item(2, "また明日、駅で"));

    @Test
    void batchRequestCarriesTheItemsTheSchemaAndOneCap() throws Exception {
        server.onChat((ex, r) -> {
            try (OutputStream out = eventStream(ex)) {
                streamJson(out, VALID);
                event(out, finishChunk("stop"));
                event(out, usageChunk(400, 30));
                event(out, "[DONE]");
            }
        });

        translate(Map.of("max-tokens.parameter", "max_completion_tokens"));

        JsonNode body = server.take().json();
        assertEquals("gpt-4o-mini", body.path("model").asText());
        assertEquals("system", body.path("messages").path(0).path("role").asText());
        assertEquals(BatchPrompts.systemPrompt(), body.path("messages").path(0).path("content").asText());
        assertEquals("user", body.path("messages").path(1).path("role").asText());
        assertEquals(ChatJson.tree(BatchPrompts.userMessage(REQUESTS)),
                ChatJson.tree(body.path("messages").path(1).path("content").asText()));
        JsonNode format = body.path("response_format");
        assertEquals("json_schema", format.path("type").asText());
        assertEquals("translations", format.path("json_schema").path("name").asText());
        assertTrue(format.path("json_schema").path("strict").asBoolean());
        assertEquals(BatchPrompts.answerSchema(), format.path("json_schema").path("schema"));
        assertTrue(body.path("stream").asBoolean());
        assertTrue(body.path("stream_options").path("include_usage").asBoolean());
        assertEquals(0.0, body.path("temperature").asDouble(), "a batch with a partial is sampled as partials are");
        TranslationPrompts.Budget budget = Prompts.budget(2.0, 64, 16_384);
        int cap = 8;
        for (TranslationRequest r : REQUESTS) {
            cap += budget.maxTokens(r.text()) + 12;
        }
        assertEquals(cap, body.path("max_completion_tokens").asInt());
        assertTrue(body.path("max_tokens").isMissingNode());
    }

    @Test
    void eachSegmentIsHandedOverBeforeTheRestOfTheAnswerArrives() throws Exception {
        CountDownLatch firstSeen = new CountDownLatch(1);
        String first = "{\"translations\":[" + item(0, "Bonjour") + ",";
        server.onChat((ex, r) -> {
            ex.getResponseHeaders().set("x-ratelimit-remaining-requests", "41");
            try (OutputStream out = eventStream(ex)) {
                streamJson(out, first);
                // The rest only comes once the client has handed over the first segment: it is not buffered.
                if (!firstSeen.await(30, TimeUnit.SECONDS)) {
                    throw new IOException("the client did not hand over the first segment");
                }
                streamJson(out, item(1, "Buenos días, cómo") + "," + item(2, "また明日、駅で") + "]}");
                event(out, finishChunk("stop"));
                event(out, usageChunk(400, 30));
                event(out, "[DONE]");
            }
        });
        Thread caller = Thread.currentThread();

        BatchOutcome outcome = provider(Map.of()).translateBatch(REQUESTS, (index, result) -> {
            assertEquals(caller, Thread.currentThread(), "the receiver runs on the calling thread");
            results.put(index, result);
            firstSeen.countDown();
        });

        assertEquals(List.of("Bonjour", "Buenos días, cómo", "また明日、駅で"),
                results.values().stream().map(TranslationResult::text).toList());
        TranslationResult bonjour = results.get(0);
        assertEquals("gpt-4o-mini-2024-07-18", bonjour.model());
        assertEquals(FinishReason.STOP, bonjour.finishReason());
        assertEquals(OptionalLong.of(41), bonjour.rateLimit().requestsRemaining());
        assertEquals(new TokenUsage(400, 30, 430), outcome.usage(), "the outcome has the usage the stream reported");
        assertEquals(List.of(), outcome.problems());
        // The stream reports its usage last: the segments had shares of the estimate, which add up to it.
        TokenUsage sum = results.values().stream().map(TranslationResult::usage)
                .reduce((x, y) -> new TokenUsage(x.promptTokens() + y.promptTokens(),
                        x.completionTokens() + y.completionTokens(), x.totalTokens() + y.totalTokens())).orElseThrow();
        assertTrue(sum.promptTokens() > 0 && sum.completionTokens() > 0, sum.toString());
        assertTrue(results.get(2).usage().totalTokens() > results.get(0).usage().totalTokens(),
                "a longer source has the larger share");
    }

    @Test
    void spoiledSegmentsAreLeftOutAndNamedInTheProblems() throws Exception {
        server.onChat((ex, r) -> {
            try (OutputStream out = eventStream(ex)) {
                streamJson(out, answer(item(0, "Bonjour"), item(0, "Buenos días"), item(7, "また明日"), item(2, " ")));
                event(out, finishChunk("stop"));
                event(out, usageChunk(400, 30));
                event(out, "[DONE]");
            }
        });

        BatchOutcome outcome = translate(Map.of());

        assertEquals(List.of(0), List.copyOf(results.keySet()));
        assertEquals("Bonjour", results.get(0).text());
        assertEquals(List.of("translations[1] (id 0) repeats an id already answered; its first translation was"
                        + " delivered and stands", "translations[2] has an unknown id \"7\"",
                "translations[3] (id 2) has an empty text", "no translation for id 1"), outcome.problems());
    }

    @Test
    void answerCutAtTheCapDeliversTheSegmentsItFinished() throws Exception {
        server.onChat((ex, r) -> {
            try (OutputStream out = eventStream(ex)) {
                streamJson(out, VALID.substring(0, VALID.indexOf("cómo")));
                event(out, finishChunk("length"));
                event(out, usageChunk(400, 20));
                event(out, "[DONE]");
            }
        });

        BatchOutcome outcome = translate(Map.of("max-tokens.max", "100"));

        assertEquals(List.of(0), List.copyOf(results.keySet()));
        assertEquals(List.of("the answer ended inside translations[1] (id \"1\")", "no translation for ids 1, 2",
                "the answer stopped at max_tokens = 100 (raise fairway.provider.openai.max-tokens.max or lower"
                        + " .batch.max-tokens)"), outcome.problems());
        assertEquals(new TokenUsage(400, 20, 420), outcome.usage());
    }

    @Test
    void serverThatIgnoresStreamIsCheckedTheSameWayWithExactShares() throws Exception {
        server.onChat((ex, r) -> json(ex, 200, completion(VALID, "stop", 400, 30), Map.of()));

        BatchOutcome outcome = translate(Map.of());

        TranslationPrompts.Budget budget = Prompts.budget(2.0, 64, 16_384);
        int[] weights = REQUESTS.stream().mapToInt(r -> budget.textTokens(r.text())).toArray();
        assertEquals(BatchUsage.apportion(new TokenUsage(400, 30, 430), weights),
                results.values().stream().map(TranslationResult::usage).toList());
        assertEquals(List.of(), outcome.problems());
        assertEquals("また明日、駅で", results.get(2).text());
    }

    @Test
    void brokenStreamThrowsAndSegmentsDeliveredBeforeStand() {
        server.onChat((ex, r) -> {
            try (OutputStream out = eventStream(ex)) {
                streamJson(out, "{\"translations\":[" + item(0, "Bonjour") + ",{\"id\":\"1\"");
            }
        });

        TransientProviderException e = assertThrows(TransientProviderException.class, () -> translate(Map.of()));

        assertTrue(e.getMessage().contains("ended the stream before"), e.getMessage());
        assertEquals(List.of(0), List.copyOf(results.keySet()));
    }

    @Test
    void rateLimitedBatchThrowsAsASingleCallDoes() {
        server.onChat((ex, r) -> json(ex, 429, error("Rate limit reached for requests", "requests",
                "rate_limit_exceeded"), Map.of("retry-after", "3")));

        RateLimitedException e = assertThrows(RateLimitedException.class, () -> translate(Map.of()));

        assertEquals(Optional.of(Duration.ofSeconds(3)), e.retryAfter());
        assertTrue(results.isEmpty());
    }

    @Test
    void batchingOffRefusesBatches() {
        try (OpenAiProvider off = provider(Map.of("batch.enabled", "false"))) {
            assertEquals(Optional.empty(), off.batchLimits());
            assertThrows(UnsupportedOperationException.class, () -> off.translateBatch(REQUESTS, (i, r) -> { }));
        }
        OpenAiProvider on = provider(Map.of("batch.max-segments", "2"));
        assertThrows(IllegalArgumentException.class, () -> on.translateBatch(REQUESTS, (i, r) -> { }));
        assertThrows(IllegalArgumentException.class, () -> on.translateBatch(REQUESTS.subList(0, 1), (i, r) -> { }));
    }
}
