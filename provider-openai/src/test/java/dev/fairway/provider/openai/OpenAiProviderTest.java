package dev.fairway.provider.openai;

import static dev.fairway.provider.openai.FakeOpenAiServer.completion;
import static dev.fairway.provider.openai.FakeOpenAiServer.error;
import static dev.fairway.provider.openai.FakeOpenAiServer.json;
import static dev.fairway.provider.openai.FakeOpenAiServer.rateLimitHeaders;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fairway.provider.support.HttpProviderSettings;
import com.fasterxml.jackson.databind.JsonNode;
import dev.fairway.api.FinishReason;
import dev.fairway.api.PermanentProviderException;
import dev.fairway.api.RateLimitFeedback;
import dev.fairway.api.RateLimitedException;
import dev.fairway.api.SegmentKind;
import dev.fairway.api.SessionId;
import dev.fairway.api.TokenUsage;
import dev.fairway.api.TransientProviderException;
import dev.fairway.api.TranslationRequest;
import dev.fairway.api.TranslationResult;
import dev.fairway.api.spi.PluginConfig;
import dev.fairway.api.spi.ProviderContext;
import dev.fairway.provider.support.TranslationPrompts;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class OpenAiProviderTest {

    static final String KEY = "sk-test-Abc123def456Ghi789SECRETKEY";
    static final InstantSource WALL = InstantSource.fixed(Instant.parse("2026-10-21T07:28:00Z"));

    private FakeOpenAiServer server;
    private final List<OpenAiProvider> providers = new ArrayList<>();

    @BeforeEach
    void startServer() throws IOException {
        server = new FakeOpenAiServer();
    }

    @AfterEach
    void stop() {
        providers.forEach(OpenAiProvider::close);
        server.close();
    }

    OpenAiProvider provider(Map<String, String> extra) {
        return provider(server.baseUrl(), extra);
    }

    OpenAiProvider provider(String baseUrl, Map<String, String> extra) {
        return provider(baseUrl, extra, context -> context);
    }

    OpenAiProvider provider(String baseUrl, Map<String, String> extra, UnaryOperator<ProviderContext> context) {
        Map<String, String> config = new HashMap<>();
        config.put("base-url", baseUrl);
        config.putAll(extra);
        OpenAiProviderFactory factory = new OpenAiProviderFactory(Map.of("OPENAI_API_KEY", KEY)::get, WALL);
        OpenAiProvider p = (OpenAiProvider) factory.create(context.apply(
                ProviderContext.of(PluginConfig.of(OpenAiSettings.PREFIX, config))));
        providers.add(p);
        return p;
    }

    @Test
    void userAgentNamesFairwaysVersionAndTheProvider() throws Exception {
        provider(server.baseUrl(), Map.of(), c -> c.withFairwayVersion("1.2.3")).translate(finalRequest("Good morning"));

        assertEquals("fairway/1.2.3 (provider-openai)", server.take().header("User-Agent"));
    }

    @Test
    void userAgentFallsBackToTheApiModulesVersion() throws Exception {
        provider(Map.of()).translate(finalRequest("Good morning"));

        String agent = server.take().header("User-Agent");
        assertTrue(agent.matches("fairway/\\S+ \\(provider-openai\\)"), agent);
        assertEquals(ProviderContext.of(PluginConfig.empty("x")).fairwayVersion(),
                agent.substring("fairway/".length(), agent.indexOf(' ')));
    }

    @Test
    void callsGoThroughTheContextsProxySelector() throws Exception {
        // The base URL's host does not resolve: only the proxy (the loopback server) can answer.
        InetSocketAddress proxy = new InetSocketAddress(InetAddress.getLoopbackAddress(),
                URI.create(server.baseUrl()).getPort());
        OpenAiProvider provider = provider("http://api.openai.test.invalid/v1", Map.of(),
                c -> c.withProxySelector(ProxySelector.of(proxy)));

        TranslationResult result = provider.translate(finalRequest("Good morning"));

        FakeOpenAiServer.Recorded sent = server.take();
        assertEquals("Bonjour", result.text());
        assertEquals("http://api.openai.test.invalid/v1/chat/completions", sent.path(),
                "a proxy is sent the absolute URI");
        assertEquals("api.openai.test.invalid", sent.header("Host"));
    }

    static TranslationRequest request(SegmentKind kind, String text) {
        return new TranslationRequest(SessionId.of("s-1"), kind, 7, text, "en", "fr", 100);
    }

    static TranslationRequest finalRequest(String text) {
        return request(SegmentKind.FINAL, text);
    }

    @Test
    void finalTranslationReturnsTrimmedTextUsageModelAndRateLimitFeedback() throws Exception {
        server.onChat((ex, r) -> json(ex, 200, completion("  Bonjour \n", "stop", 31, 4), rateLimitHeaders()));

        TranslationResult result = provider(Map.of()).translate(finalRequest("Good morning"));

        assertEquals("Bonjour", result.text());
        assertEquals(new TokenUsage(31, 4, 35), result.usage());
        assertEquals("gpt-4o-mini-2024-07-18", result.model());
        assertEquals(FinishReason.STOP, result.finishReason());
        assertFalse(result.providerLatency().isNegative());
        RateLimitFeedback feedback = result.rateLimit();
        assertEquals(OptionalLong.of(5000), feedback.requestLimit());
        assertEquals(OptionalLong.of(2_000_000), feedback.tokenLimit());
        assertEquals(OptionalLong.of(4999), feedback.requestsRemaining());
        assertEquals(OptionalLong.of(1_999_950), feedback.tokensRemaining());
        assertEquals(Optional.of(Duration.ofMillis(12)), feedback.requestsReset());
        assertEquals(Optional.of(Duration.ofMillis(90_500)), feedback.tokensReset());
        assertEquals(Optional.empty(), feedback.retryAfter());
    }

    @Test
    void requestCarriesModelMessagesTemperatureMaxTokensAndHeaders() throws Exception {
        OpenAiProvider provider = provider(Map.of("organization", "org-42", "project", "proj_7",
                "model", "gpt-4.1-nano", "temperature.final", "0.3"));

        provider.translate(finalRequest("Good morning"));

        FakeOpenAiServer.Recorded sent = server.take();
        assertEquals("POST", sent.method());
        assertEquals("/v1/chat/completions", sent.path());
        assertEquals("Bearer " + KEY, sent.header("Authorization"));
        assertEquals("org-42", sent.header("OpenAI-Organization"));
        assertEquals("proj_7", sent.header("OpenAI-Project"));
        assertEquals("application/json", sent.header("Content-Type"));
        JsonNode body = sent.json();
        assertEquals("gpt-4.1-nano", body.path("model").asText());
        assertEquals(2, body.path("messages").size());
        assertEquals("system", body.path("messages").path(0).path("role").asText());
        String system = body.path("messages").path(0).path("content").asText();
        assertTrue(system.contains("English (en)") && system.contains("French (fr)"), system);
        assertTrue(system.contains("faithfully and completely"), system);
        assertEquals("user", body.path("messages").path(1).path("role").asText());
        assertEquals("Good morning", body.path("messages").path(1).path("content").asText());
        assertEquals(0.3, body.path("temperature").asDouble());
        assertEquals(provider.settings().http().maxTokensMin(), body.path("max_tokens").asInt());
        assertTrue(body.path("stream").isMissingNode());
    }

    @Test
    void partialUsesItsOwnPromptAndTemperatureAndMaxTokensFollowsTheText() throws Exception {
        OpenAiProvider provider = provider(Map.of("temperature.partial", "0.1", "max-tokens.min", "8"));
        String text = "and then we went to the market to buy ".repeat(10);

        provider.translate(request(SegmentKind.PARTIAL, text));

        JsonNode body = server.take().json();
        String system = body.path("messages").path(0).path("content").asText();
        assertTrue(system.contains("Do not complete, extend or guess the rest of the sentence"), system);
        assertEquals(0.1, body.path("temperature").asDouble());
        int expected = (int) Math.ceil(Prompts.textTokens(text) * HttpProviderSettings.DEFAULT_MAX_TOKENS_FACTOR);
        assertEquals(expected, body.path("max_tokens").asInt());
        assertTrue(expected < 1000, "max_tokens follows the text, was " + expected);
    }

    @Test
    void maxCompletionTokensParameterCanReplaceMaxTokens() throws Exception {
        provider(Map.of("max-tokens.parameter", "max_completion_tokens")).translate(finalRequest("Hi"));

        JsonNode body = server.take().json();
        assertTrue(body.path("max_tokens").isMissingNode());
        assertEquals(HttpProviderSettings.DEFAULT_MAX_TOKENS_MIN, body.path("max_completion_tokens").asInt());
    }

    @Test
    void estimateReservesPromptPlusTheMaxTokensSent() throws Exception {
        OpenAiProvider provider = provider(Map.of());
        String text = "Good morning, everyone, and welcome to the meeting.";

        int estimate = provider.estimateTokens(SegmentKind.FINAL, text);
        provider.translate(finalRequest(text));

        int sentMaxTokens = server.take().json().path("max_tokens").asInt();
        TranslationPrompts.Budget prompts = Prompts.of(provider.settings());
        assertEquals(prompts.promptTokens(SegmentKind.FINAL, text) + sentMaxTokens, estimate);
        assertTrue(estimate < 400, "a one-line final reserves a few hundred tokens at most, was " + estimate);
    }

    @Test
    void lengthFinishReasonIsReported() throws Exception {
        server.onChat((ex, r) -> json(ex, 200, completion("Bonjour à tous et", "length"), Map.of()));

        TranslationResult result = provider(Map.of()).translate(finalRequest("Good morning everyone and welcome"));

        assertEquals(FinishReason.LENGTH, result.finishReason());
        assertEquals("Bonjour à tous et", result.text());
    }

    @Test
    void missingUsageFallsBackToTheEstimateNotZero() throws Exception {
        server.onChat((ex, r) -> json(ex, 200,
                "{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":\"Bonjour\"},\"finish_reason\":\"stop\"}]}",
                Map.of()));
        OpenAiProvider provider = provider(Map.of("model", "llama3.1"));

        TranslationResult result = provider.translate(finalRequest("Good morning"));

        TranslationPrompts.Budget prompts = Prompts.of(provider.settings());
        assertEquals(TokenUsage.of(prompts.promptTokens(SegmentKind.FINAL, "Good morning"), Prompts.textTokens("Bonjour")),
                result.usage());
        assertEquals("llama3.1", result.model());
    }

    @Test
    void rateLimit429WithRetryAfterMsIsRateLimitedWithTheWaitAndHeaders() {
        Map<String, String> headers = new HashMap<>(rateLimitHeaders());
        headers.put("retry-after-ms", "1500");
        headers.put("Retry-After", "2");
        server.onChat((ex, r) -> json(ex, 429, error("Rate limit reached for gpt-4o-mini on requests per min (RPM)",
                "requests", "rate_limit_exceeded"), headers));

        RateLimitedException e = assertThrows(RateLimitedException.class,
                () -> provider(Map.of()).translate(finalRequest("Good morning")));

        assertEquals(Optional.of(Duration.ofMillis(1500)), e.retryAfter());
        assertEquals(OptionalLong.of(4999), e.feedback().requestsRemaining());
        assertTrue(e.getMessage().contains("rate limit reached"), e.getMessage());
        assertTrue(e.getMessage().contains("requests per min"), e.getMessage());
        assertFalse(e.getMessage().contains("retry after"), "the wait is retryAfter(), which callers print: "
                + e.getMessage());
        assertTrue(e.retryable());
    }

    @ParameterizedTest
    @CsvSource({"429, rate_limit_exceeded", "500, server_error", "503, ''", "408, ''"})
    void shouldRetryFalseMakesEvenA429OrA5xxFinal(int status, String code) {
        server.onChat((ex, r) -> json(ex, status, error("no", "requests", code),
                Map.of("x-should-retry", "false", "retry-after-ms", "10")));

        PermanentProviderException e = assertThrows(PermanentProviderException.class,
                () -> provider(Map.of()).translate(finalRequest("Good morning")));

        assertEquals(PermanentProviderException.Kind.OTHER, e.kind());
        assertFalse(e.retryable());
        assertTrue(e.getMessage().endsWith("not retried: the server answered x-should-retry: false"), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"400, invalid_request_error", "404, not_found", "401, invalid_api_key"})
    void shouldRetryTrueMakesAnyFailureRetryable(int status, String code) {
        server.onChat((ex, r) -> json(ex, status, error("try me again", "invalid_request_error", code),
                Map.of("x-should-retry", "true")));

        TransientProviderException e = assertThrows(TransientProviderException.class,
                () -> provider(Map.of()).translate(finalRequest("Good morning")));

        assertTrue(e.retryable());
        assertTrue(e.getMessage().endsWith("retryable all the same: the server answered x-should-retry: true"),
                e.getMessage());
    }

    @Test
    void shouldRetryThatAgreesWithTheStatusChangesNothing() {
        server.onChat((ex, r) -> json(ex, 429, error("slow down", "requests", "rate_limit_exceeded"),
                Map.of("x-should-retry", "true", "retry-after", "3")));

        RateLimitedException e = assertThrows(RateLimitedException.class,
                () -> provider(Map.of()).translate(finalRequest("Good morning")));

        assertEquals(Optional.of(Duration.ofSeconds(3)), e.retryAfter());
    }

    @Test
    void rateLimit429WithRetryAfterSeconds() {
        server.onChat((ex, r) -> json(ex, 429, error("Rate limit reached", "tokens", "rate_limit_exceeded"),
                Map.of("Retry-After", "20")));

        RateLimitedException e = assertThrows(RateLimitedException.class,
                () -> provider(Map.of()).translate(finalRequest("Good morning")));

        assertEquals(Optional.of(Duration.ofSeconds(20)), e.retryAfter());
    }

    @Test
    void rateLimit429WithRetryAfterHttpDate() {
        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(WALL.instant().plusSeconds(30).atZone(ZoneOffset.UTC));
        server.onChat((ex, r) -> json(ex, 429, error("Rate limit reached", "tokens", "rate_limit_exceeded"),
                Map.of("Retry-After", date)));

        RateLimitedException e = assertThrows(RateLimitedException.class,
                () -> provider(Map.of()).translate(finalRequest("Good morning")));

        assertEquals(Optional.of(Duration.ofSeconds(30)), e.retryAfter());
    }

    @Test
    void rateLimit429WithoutRetryAfterStillCarriesTheHeaders() {
        server.onChat((ex, r) -> json(ex, 429, error("slow down", "requests", "rate_limit_exceeded"), rateLimitHeaders()));

        RateLimitedException e = assertThrows(RateLimitedException.class,
                () -> provider(Map.of()).translate(finalRequest("Good morning")));

        assertEquals(Optional.empty(), e.retryAfter());
        assertEquals(Optional.of(Duration.ofMillis(12)), e.feedback().requestsReset());
    }

    @Test
    void insufficientQuota429IsPermanentQuotaExhausted() {
        server.onChat((ex, r) -> json(ex, 429, error("You exceeded your current quota, please check your plan and billing details.",
                "insufficient_quota", "insufficient_quota"), Map.of("Retry-After", "1")));

        PermanentProviderException e = assertThrows(PermanentProviderException.class,
                () -> provider(Map.of()).translate(finalRequest("Good morning")));

        assertEquals(PermanentProviderException.Kind.QUOTA_EXHAUSTED, e.kind());
        assertFalse(e.retryable());
        assertTrue(e.getMessage().contains("quota is exhausted"), e.getMessage());
        assertTrue(e.getMessage().contains("waiting for a rate window will not help"), e.getMessage());
    }

    @Test
    void badRequest400IsPermanentWithOpenAisMessage() {
        server.onChat((ex, r) -> json(ex, 400, error("Invalid value for 'temperature': must be at most 2.",
                "invalid_request_error", "invalid_value"), Map.of("x-request-id", "req_abc")));

        PermanentProviderException e = assertThrows(PermanentProviderException.class,
                () -> provider(Map.of()).translate(finalRequest("Good morning")));

        assertEquals(PermanentProviderException.Kind.BAD_REQUEST, e.kind());
        assertTrue(e.getMessage().contains("Invalid value for 'temperature': must be at most 2."), e.getMessage());
        assertTrue(e.getMessage().contains("HTTP 400"), e.getMessage());
        assertTrue(e.getMessage().contains("req_abc"), e.getMessage());
    }

    @Test
    void unauthorized401SaysTheKeyWasRejectedWithoutShowingIt() {
        server.onChat((ex, r) -> json(ex, 401, error("Incorrect API key provided: " + KEY
                + ". You can find your API key at https://platform.openai.com/account/api-keys.",
                "invalid_request_error", "invalid_api_key"), Map.of()));

        PermanentProviderException e = assertThrows(PermanentProviderException.class,
                () -> provider(Map.of()).translate(finalRequest("Good morning")));

        assertEquals(PermanentProviderException.Kind.AUTHENTICATION, e.kind());
        assertTrue(e.getMessage().contains("rejected the API key"), e.getMessage());
        assertTrue(e.getMessage().contains("OPENAI_API_KEY"), e.getMessage());
        assertNoKey(e.getMessage());
        assertNull(e.getCause());
    }

    @Test
    void forbidden403IsAuthentication() {
        server.onChat((ex, r) -> json(ex, 403, error("Project does not have access to model gpt-4o-mini",
                "invalid_request_error", "model_not_found"), Map.of()));

        PermanentProviderException e = assertThrows(PermanentProviderException.class,
                () -> provider(Map.of()).translate(finalRequest("Good morning")));

        assertEquals(PermanentProviderException.Kind.AUTHENTICATION, e.kind());
        assertTrue(e.getMessage().contains("does not have access"), e.getMessage());
    }

    @Test
    void modelNotFound404IsBadRequestNamingTheModel() {
        server.onChat((ex, r) -> json(ex, 404, error("The model `gpt-9` does not exist or you do not have access to it.",
                "invalid_request_error", "model_not_found"), Map.of()));

        PermanentProviderException e = assertThrows(PermanentProviderException.class,
                () -> provider(Map.of("model", "gpt-9")).translate(finalRequest("Good morning")));

        assertEquals(PermanentProviderException.Kind.BAD_REQUEST, e.kind());
        assertTrue(e.getMessage().contains("model 'gpt-9'"), e.getMessage());
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(ints = {408, 409, 500, 502, 503, 504})
    void retryableStatusesAreTransient(int status) {
        server.onChat((ex, r) -> json(ex, status, error("The server had an error while processing your request.",
                "server_error", null), Map.of()));

        TransientProviderException e = assertThrows(TransientProviderException.class,
                () -> provider(Map.of()).translate(finalRequest("Good morning")));

        assertTrue(e.getMessage().contains("HTTP " + status), e.getMessage());
        assertTrue(e.getMessage().contains("had an error"), e.getMessage());
    }

    @Test
    void compatibleServersErrorShapesAreRead() {
        // Ollama answers {"error": "..."}; vLLM {"object":"error","message":...}.
        server.onChat((ex, r) -> json(ex, 400, "{\"error\":\"model 'llama9' not found, try pulling it first\"}", Map.of()));
        PermanentProviderException ollama = assertThrows(PermanentProviderException.class,
                () -> provider(Map.of()).translate(finalRequest("Good morning")));
        assertTrue(ollama.getMessage().contains("try pulling it first"), ollama.getMessage());

        server.onChat((ex, r) -> json(ex, 400, "{\"object\":\"error\",\"message\":\"max_tokens is too large\",\"type\":\"BadRequestError\",\"code\":400}", Map.of()));
        PermanentProviderException vllm = assertThrows(PermanentProviderException.class,
                () -> provider(Map.of()).translate(finalRequest("Good morning")));
        assertTrue(vllm.getMessage().contains("max_tokens is too large"), vllm.getMessage());
    }

    @Test
    void serverTextEchoingTheKeyIsRedactedFromMessages() {
        server.onChat((ex, r) -> json(ex, 400, error("bad header Authorization: Bearer " + KEY + " and " + KEY,
                "invalid_request_error", null), Map.of()));

        PermanentProviderException e = assertThrows(PermanentProviderException.class,
                () -> provider(Map.of()).translate(finalRequest("Good morning")));

        assertNoKey(e.getMessage());
        assertTrue(e.getMessage().contains("bad header"), e.getMessage());
    }

    @Test
    void slowAnswerPastTheRequestTimeoutIsTransient() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        server.onChat((ex, r) -> {
            release.await(30, TimeUnit.SECONDS);
            json(ex, 200, completion("trop tard", "stop"), Map.of());
        });
        try {
            TransientProviderException e = assertThrows(TransientProviderException.class,
                    () -> provider(Map.of("request-timeout", "200ms")).translate(finalRequest("Good morning")));

            assertTrue(e.getMessage().contains("did not answer within fairway.provider.openai.request-timeout (200ms)"),
                    e.getMessage());
        } finally {
            release.countDown();
        }
    }

    @Test
    void bodyThatIsNotJsonIsTransientWithASanitizedExcerpt() {
        server.onChat((ex, r) -> FakeOpenAiServer.text(ex, 200, "text/html",
                "<html>\n<body>502 Bad Gateway from proxy, token " + KEY + "</body></html>"));

        TransientProviderException e = assertThrows(TransientProviderException.class,
                () -> provider(Map.of()).translate(finalRequest("Good morning")));

        assertTrue(e.getMessage().contains("not a chat completion (not JSON)"), e.getMessage());
        assertTrue(e.getMessage().contains("'<html> <body>502 Bad Gateway from proxy"), e.getMessage());
        assertNoKey(e.getMessage());
    }

    @Test
    void jsonWithoutChoicesIsTransient() {
        server.onChat((ex, r) -> json(ex, 200, "{\"id\":\"x\",\"choices\":[]}", Map.of()));

        TransientProviderException e = assertThrows(TransientProviderException.class,
                () -> provider(Map.of()).translate(finalRequest("Good morning")));

        assertTrue(e.getMessage().contains("no choices[0].message"), e.getMessage());
    }

    @Test
    void truncatedJsonIsTransient() {
        server.onChat((ex, r) -> json(ex, 200, "{\"choices\":[{\"message\":{\"content\":\"Bonj", Map.of()));

        assertThrows(TransientProviderException.class, () -> provider(Map.of()).translate(finalRequest("Good morning")));
    }

    @Test
    void connectionClosedWithoutAnAnswerIsTransient() throws Exception {
        try (RawServer raw = new RawServer(socket -> {
            socket.setSoLinger(true, 0);
            socket.close();
        })) {
            TransientProviderException e = assertThrows(TransientProviderException.class,
                    () -> provider(raw.baseUrl(), Map.of()).translate(finalRequest("Good morning")));

            assertTrue(e.getMessage().startsWith("the exchange with 127.0.0.1:"), e.getMessage());
        }
    }

    @Test
    void refusedConnectionIsTransient() throws Exception {
        String closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = "http://127.0.0.1:" + s.getLocalPort() + "/v1";
        }

        TransientProviderException e = assertThrows(TransientProviderException.class,
                () -> provider(closedPort, Map.of()).translate(finalRequest("Good morning")));

        assertTrue(e.getMessage().startsWith("could not connect to 127.0.0.1:"), e.getMessage());
    }

    @Test
    void interruptionCancelsTheHttpCall() throws Exception {
        CompletableFuture<String> clientWent = new CompletableFuture<>();
        try (RawServer raw = new RawServer(socket -> {
            // The request is in; wait for the client to hang up.
            try {
                int next = socket.getInputStream().read();
                clientWent.complete(next == -1 ? "closed" : "sent more");
            } catch (IOException e) {
                clientWent.complete("closed");
            }
        })) {
            OpenAiProvider provider = provider(raw.baseUrl(), Map.of("request-timeout", "10m"));
            AtomicReference<Throwable> outcome = new AtomicReference<>();
            Thread caller = Thread.ofVirtual().start(() -> {
                try {
                    provider.translate(finalRequest("Good morning"));
                } catch (Throwable t) {
                    outcome.set(t);
                }
            });
            assertTrue(raw.received.await(30, TimeUnit.SECONDS), "the request reached the server");

            caller.interrupt();
            caller.join();

            assertInstanceOf(InterruptedException.class, outcome.get());
            assertEquals("closed", clientWent.get(30, TimeUnit.SECONDS), "the client closed the connection");
        }
    }

    @Test
    void manyVirtualThreadsEachGetTheirOwnTranslation() throws Exception {
        server.onChat((ex, r) -> json(ex, 200,
                completion("fr:" + r.json().path("messages").path(1).path("content").asText(), "stop"), Map.of()));
        OpenAiProvider provider = provider(Map.of());
        int calls = 64;

        List<Future<TranslationResult>> results = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < calls; i++) {
                String text = "segment " + i;
                results.add(threads.submit(() -> provider.translate(finalRequest(text))));
            }
            for (int i = 0; i < calls; i++) {
                assertEquals("fr:segment " + i, results.get(i).get(60, TimeUnit.SECONDS).text());
            }
        }
        assertEquals(calls, server.drained().size());
    }

    @Test
    void sequentialCallsReuseOneKeptAliveConnection() throws Exception {
        OpenAiProvider provider = provider(Map.of());

        provider.translate(finalRequest("Good morning"));
        provider.translate(finalRequest("Good evening"));

        assertEquals(server.take().remotePort(), server.take().remotePort());
    }

    @Test
    void warmUpOpensTheConnectionTheFirstTranslationUses() throws Exception {
        OpenAiProvider provider = provider(Map.of("warm-up", "models"));
        provider.warmUp().get(30, TimeUnit.SECONDS);
        FakeOpenAiServer.Recorded warmUp = server.take();
        assertEquals("GET", warmUp.method());
        assertEquals("/v1/models", warmUp.path());
        assertEquals("Bearer " + KEY, warmUp.header("Authorization"));

        provider.translate(finalRequest("Good morning"));

        assertEquals(warmUp.remotePort(), server.take().remotePort());
    }

    @Test
    void headWarmUpOfSeveralConnections() throws Exception {
        OpenAiProvider provider = provider(Map.of("warm-up", "head", "warm-up.connections", "3"));
        provider.warmUp().get(30, TimeUnit.SECONDS);

        List<FakeOpenAiServer.Recorded> seen = List.of(server.take(), server.take(), server.take());

        assertTrue(seen.stream().allMatch(r -> r.method().equals("HEAD") && r.path().equals("/v1")), seen.toString());
    }

    @Test
    void failedWarmUpIsOnlyLogged() throws Exception {
        String closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = "http://127.0.0.1:" + s.getLocalPort() + "/v1";
        }
        OpenAiProvider provider = provider(closedPort, Map.of("warm-up", "models"));

        provider.warmUp().get(30, TimeUnit.SECONDS);

        assertFalse(provider.warmUp().isCompletedExceptionally());
    }

    @Test
    void noLogLineCarriesTheKey() throws Exception {
        try (LogCapture logs = LogCapture.of(OpenAiProvider.class)) {
            server.onModels((ex, r) -> json(ex, 401, error("Incorrect API key provided: " + KEY, "invalid_request_error",
                    "invalid_api_key"), Map.of()));
            server.onChat((ex, r) -> json(ex, 200, completion("Bonjour", "length"), Map.of()));
            OpenAiProvider provider = provider(Map.of("warm-up", "models"));
            provider.warmUp().get(30, TimeUnit.SECONDS);
            provider.translate(finalRequest("Good morning"));

            List<String> lines = logs.lines();
            assertTrue(lines.stream().anyMatch(l -> l.contains("answered HTTP 401: the API key was rejected")), lines.toString());
            assertTrue(lines.stream().anyMatch(l -> l.contains("cut short at max_tokens")), lines.toString());
            lines.forEach(OpenAiProviderTest::assertNoKey);
        }
    }

    @Test
    void azureStyleApiKeyHeaderAndApiVersion() throws Exception {
        provider(Map.of("auth", "api-key", "api-version", "2024-10-21")).translate(finalRequest("Good morning"));

        FakeOpenAiServer.Recorded sent = server.take();
        assertEquals("/v1/chat/completions?api-version=2024-10-21", sent.path());
        assertEquals(KEY, sent.header("api-key"));
        assertNull(sent.header("Authorization"));
    }

    @Test
    void noAuthSendsNoKey() throws Exception {
        provider(Map.of("auth", "none")).translate(finalRequest("Good morning"));

        assertNull(server.take().header("Authorization"));
    }

    @Test
    void autoVersionSendsNoH2cUpgradeOverPlainHttp() throws Exception {
        provider(Map.of()).translate(finalRequest("Good morning"));

        assertNull(server.take().header("Upgrade"));
    }

    @Test
    void http2AskedOfAnHttp11ServerFallsBack() throws Exception {
        TranslationResult result = provider(Map.of("http-version", "http2")).translate(finalRequest("Good morning"));

        assertEquals("Bonjour", result.text());
        assertEquals("h2c", server.take().header("Upgrade"), "HTTP/2 was offered; the server answered in HTTP/1.1");
    }

    @Test
    void closedProviderRefusesCalls() {
        OpenAiProvider provider = provider(Map.of());
        provider.close();
        provider.close();

        assertThrows(IllegalStateException.class, () -> provider.translate(finalRequest("Good morning")));
    }

    @Test
    void toStringShowsNoKey() {
        OpenAiProvider provider = provider(Map.of());

        assertNoKey(provider.toString());
        assertNoKey(provider.settings().toString());
        assertTrue(provider.settings().toString().contains("apiKey=(hidden)"));
    }

    static void assertNoKey(String text) {
        assertFalse(text.contains(KEY), "the key leaked: " + text);
        assertFalse(text.contains("Abc123def456"), "part of the key leaked: " + text);
        assertFalse(text.toLowerCase(Locale.ROOT).contains("secretkey"), "part of the key leaked: " + text);
    }

    /**
     * A one-connection HTTP server on a plain socket, for what the JDK's server cannot script: it
     * reads one request, signals {@link #received}, then runs {@code then} on the socket.
     */
    static final class RawServer implements AutoCloseable {
        interface SocketAction {
            void run(Socket socket) throws IOException;
        }

        final CountDownLatch received = new CountDownLatch(1);
        private final ServerSocket socket;
        private final Thread thread;

        RawServer(SocketAction then) throws IOException {
            socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            thread = Thread.ofVirtual().start(() -> {
                try (Socket s = socket.accept()) {
                    readRequest(s.getInputStream());
                    received.countDown();
                    then.run(s);
                } catch (IOException e) {
                    // closed by the test
                }
            });
        }

        String baseUrl() {
            return "http://127.0.0.1:" + socket.getLocalPort() + "/v1";
        }

        @Override
        public void close() throws Exception {
            socket.close();
            thread.join(Duration.ofSeconds(30));
        }

        private static void readRequest(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("request ended early");
                }
                head.write(b);
            }
            int length = 0;
            for (String line : head.toString(StandardCharsets.ISO_8859_1).split("\r\n")) {
                if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                    length = Integer.parseInt(line.substring(15).trim());
                }
            }
            in.readNBytes(length);
        }
    }
}
