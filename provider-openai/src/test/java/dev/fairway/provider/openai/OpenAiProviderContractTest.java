package dev.fairway.provider.openai;

import static dev.fairway.provider.openai.FakeOpenAiServer.chunk;
import static dev.fairway.provider.openai.FakeOpenAiServer.completion;
import static dev.fairway.provider.openai.FakeOpenAiServer.error;
import static dev.fairway.provider.openai.FakeOpenAiServer.event;
import static dev.fairway.provider.openai.FakeOpenAiServer.eventStream;
import static dev.fairway.provider.openai.FakeOpenAiServer.finishChunk;
import static dev.fairway.provider.openai.FakeOpenAiServer.json;
import static dev.fairway.provider.openai.FakeOpenAiServer.rateLimitHeaders;
import static dev.fairway.provider.openai.FakeOpenAiServer.usageChunk;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import dev.fairway.api.PermanentProviderException;
import dev.fairway.api.spi.PluginConfig;
import dev.fairway.api.spi.TranslationProviderFactory;
import dev.fairway.provider.tck.BatchAnswers;
import dev.fairway.provider.tck.HoldGate;
import dev.fairway.provider.tck.ProviderScript;
import dev.fairway.provider.tck.TranslationProviderContract;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The OpenAI provider against the provider contract kit, with {@link FakeOpenAiServer} answering as
 * OpenAI does in each scenario, batch calls included (streamed structured outputs, usage last).
 */
class OpenAiProviderContractTest extends TranslationProviderContract {

    @Override
    protected TranslationProviderFactory factory() {
        return new OpenAiProviderFactory();
    }

    @Override
    protected ProviderScript script() throws IOException {
        return new OpenAiScript();
    }

    /** Scripts {@link FakeOpenAiServer}'s chat endpoint. */
    static final class OpenAiScript implements ProviderScript {

        private final FakeOpenAiServer server = new FakeOpenAiServer();
        private final HoldGate gate = new HoldGate();
        private volatile List<String> lastBatch = List.of();

        OpenAiScript() throws IOException {
            server.onChat(OpenAiScript::normal);
        }

        @Override
        public PluginConfig config(String credential) {
            return PluginConfig.of(OpenAiSettings.PREFIX, Map.of("base-url", server.baseUrl(), "api-key", credential));
        }

        /** Echoes the user message, prefixed, with usage and OpenAI's rate-limit headers. */
        private static void normal(HttpExchange exchange, FakeOpenAiServer.Recorded request) throws IOException {
            String text = request.json().path("messages").path(1).path("content").asText();
            json(exchange, 200, completion("[fr] " + text, "stop", 25, 9), rateLimitHeaders());
        }

        @Override
        public void answerNormally() {
            server.onChat(OpenAiScript::normal);
        }

        /**
         * Answers a batch request (one with a {@code response_format}) as OpenAI streams a structured output: the
         * answer's JSON in content deltas of a few characters, a finish reason ({@code length} for a cut answer),
         * then the usage, last, as {@code stream_options.include_usage} asks. Other requests are answered normally.
         */
        @Override
        public void answerBatch(BatchAnswer answer, int spoiled) {
            server.onChat((ex, r) -> {
                JsonNode body = r.json();
                if (!body.has("response_format")) {
                    normal(ex, r);
                    return;
                }
                List<BatchAnswers.Part> segments = new ArrayList<>();
                for (JsonNode item : items(body.path("messages").path(1).path("content").asText())) {
                    segments.add(new BatchAnswers.Part(item.path("id").asText(), item.path("text").asText()));
                }
                lastBatch = segments.stream().map(BatchAnswers.Part::text).toList();
                BatchAnswers.Answer a = BatchAnswers.of(segments, answer, spoiled);
                rateLimitHeaders().forEach(ex.getResponseHeaders()::set);
                try (OutputStream out = eventStream(ex)) {
                    String json = a.json();
                    for (int at = 0; at < json.length(); at += 7) {
                        event(out, chunk(json.substring(at, Math.min(json.length(), at + 7))));
                    }
                    event(out, finishChunk(a.isCut() ? "length" : "stop"));
                    event(out, usageChunk(180, 40));
                    event(out, "[DONE]");
                }
            });
        }

        private static JsonNode items(String userMessage) {
            try {
                return ChatJson.tree(userMessage).path("items");
            } catch (ChatJson.NotAChatCompletion e) {
                throw new AssertionError("the batch's user message is not JSON: " + userMessage, e);
            }
        }

        @Override
        public List<String> lastBatch() {
            return lastBatch;
        }

        @Override
        public boolean batchUsageComesLast() {
            return true;
        }

        @Override
        public void rateLimit(Duration retryAfter) {
            Map<String, String> headers = new LinkedHashMap<>(rateLimitHeaders());
            headers.put("retry-after", Long.toString(retryAfter.toSeconds()));
            server.onChat((ex, r) -> json(ex, 429, error("Rate limit reached for gpt-4o-mini on requests per min (RPM):"
                    + " Limit 3, Used 3, Requested 1.", "requests", "rate_limit_exceeded"), headers));
        }

        @Override
        public void failTransiently() {
            server.onChat((ex, r) -> json(ex, 503, error("The engine is currently overloaded, please try again later.",
                    "server_error", null), Map.of()));
        }

        @Override
        public void failPermanently(PermanentProviderException.Kind kind) {
            server.onChat((ex, r) -> {
                switch (kind) {
                    case AUTHENTICATION -> {
                        // As OpenAI does, quote the key it was given (here in full).
                        String key = String.valueOf(r.header("Authorization")).replaceFirst("^Bearer ", "");
                        json(ex, 401, error("Incorrect API key provided: " + key + ".", "invalid_request_error",
                                "invalid_api_key"), Map.of());
                    }
                    case QUOTA_EXHAUSTED -> json(ex, 429, error("You exceeded your current quota, please check your plan"
                            + " and billing details.", "insufficient_quota", "insufficient_quota"), Map.of());
                    default -> json(ex, 400, error("'messages' must contain at least one message.",
                            "invalid_request_error", null), Map.of());
                }
            });
        }

        @Override
        public Set<PermanentProviderException.Kind> permanentKinds() {
            return EnumSet.of(PermanentProviderException.Kind.BAD_REQUEST, PermanentProviderException.Kind.AUTHENTICATION,
                    PermanentProviderException.Kind.QUOTA_EXHAUSTED);
        }

        @Override
        public void hang() {
            gate.hold();
            server.onChat((ex, r) -> {
                gate.arrive();
                normal(ex, r);
            });
        }

        @Override
        public boolean awaitHeld(int requests, Duration timeout) throws InterruptedException {
            return gate.awaitHeld(requests, timeout);
        }

        @Override
        public void release() {
            server.onChat(OpenAiScript::normal);
            gate.release();
        }

        @Override
        public void close() {
            release();
            server.close();
        }
    }
}
