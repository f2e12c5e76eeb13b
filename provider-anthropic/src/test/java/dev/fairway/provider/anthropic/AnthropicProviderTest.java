package dev.fairway.provider.anthropic;

import static dev.fairway.provider.anthropic.AnthropicAnswers.error;
import static dev.fairway.provider.anthropic.AnthropicAnswers.message;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fairway.api.FinishReason;
import dev.fairway.api.PermanentProviderException;
import dev.fairway.api.PermanentProviderException.Kind;
import dev.fairway.api.ProviderException;
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
import dev.fairway.provider.tck.LoopbackServer;
import dev.fairway.provider.tck.LoopbackServer.Reply;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AnthropicProviderTest {

    static final String KEY = "sk-ant-api03-Abc123def456Ghi789SECRETKEY-xyzAA";
    static final InstantSource WALL = InstantSource.fixed(Instant.parse("2026-10-21T07:28:00Z"));

    private final LoopbackServer server = LoopbackServer.start(AnthropicAnswers::echo);
    private final List<AnthropicProvider> providers = new ArrayList<>();

    @AfterEach
    void stop() {
        providers.forEach(AnthropicProvider::close);
        server.close();
    }

    AnthropicProvider provider(Map<String, String> extra) {
        return provider(server.uri().toString(), extra);
    }

    AnthropicProvider provider(String baseUrl, Map<String, String> extra) {
        return provider(baseUrl, extra, context -> context);
    }

    AnthropicProvider provider(String baseUrl, Map<String, String> extra, UnaryOperator<ProviderContext> context) {
        Map<String, String> config = new HashMap<>();
        config.put("base-url", baseUrl);
        config.putAll(extra);
        AnthropicProviderFactory factory = new AnthropicProviderFactory(Map.of("ANTHROPIC_API_KEY", KEY)::get, WALL);
        AnthropicProvider p = (AnthropicProvider) factory.create(context.apply(ProviderContext.of(
                PluginConfig.of(AnthropicSettings.PREFIX, config))));
        providers.add(p);
        return p;
    }

    @Test
    void userAgentNamesFairwaysVersionAndTheProvider() throws Exception {
        provider(server.uri().toString(), Map.of(), c -> c.withFairwayVersion("1.2.3"))
                .translate(finalRequest("Good morning"));

        assertEquals(Optional.of("fairway/1.2.3 (provider-anthropic)"), server.requests().get(0).header("user-agent"));
    }

    @Test
    void callsGoThroughTheContextsProxySelector() throws Exception {
        // The base URL's host does not resolve: only the proxy (the loopback server) can answer.
        InetSocketAddress proxy = new InetSocketAddress(InetAddress.getLoopbackAddress(), server.uri().getPort());
        AnthropicProvider provider = provider("http://api.anthropic.test.invalid", Map.of(),
                c -> c.withProxySelector(ProxySelector.of(proxy)));

        TranslationResult result = provider.translate(finalRequest("Good morning"));

        assertEquals("[fr] Good morning", result.text());
        assertEquals(Optional.of("api.anthropic.test.invalid"), server.requests().get(0).header("host"));
    }

    static TranslationRequest request(SegmentKind kind, String text) {
        return new TranslationRequest(SessionId.of("s-1"), kind, 7, text, "en", "fr", 100);
    }

    static TranslationRequest finalRequest(String text) {
        return request(SegmentKind.FINAL, text);
    }

    private ProviderException failure(Reply reply) {
        server.respond(r -> reply);
        return assertThrows(ProviderException.class, () -> provider(Map.of()).translate(finalRequest("Good morning")));
    }

    static void assertNoKey(String text) {
        assertFalse(text.contains(KEY), "the key leaked: " + text);
        assertFalse(text.contains("Abc123def456"), "part of the key leaked: " + text);
        assertFalse(text.toLowerCase(Locale.ROOT).contains("secretkey"), "part of the key leaked: " + text);
    }

    @Test
    void translationReturnsTrimmedTextUsageModelStopReasonAndRateLimitFeedback() throws Exception {
        Reply ok = Reply.json(200, message("  Bonjour \n", "end_turn", 31, 4));
        for (Map.Entry<String, String> h : AnthropicAnswers.rateLimitHeaders().entrySet()) {
            ok = ok.withHeader(h.getKey(), h.getValue());
        }
        Reply answer = ok;
        server.respond(r -> answer);

        TranslationResult result = provider(Map.of()).translate(finalRequest("Good morning"));

        assertEquals("Bonjour", result.text());
        assertEquals(new TokenUsage(31, 4, 35), result.usage());
        assertEquals("claude-3-5-haiku-20241022", result.model());
        assertEquals(FinishReason.STOP, result.finishReason());
        assertFalse(result.providerLatency().isNegative());
        RateLimitFeedback feedback = result.rateLimit();
        assertEquals(OptionalLong.of(50), feedback.requestLimit());
        assertEquals(OptionalLong.of(49), feedback.requestsRemaining());
        assertEquals(Optional.of(Duration.ofSeconds(1)), feedback.requestsReset());
        assertEquals(OptionalLong.of(90_000), feedback.tokenLimit());
        assertEquals(OptionalLong.of(89_000), feedback.tokensRemaining());
        assertEquals(Optional.of(Duration.ofMillis(500)), feedback.tokensReset());
        assertEquals(Optional.empty(), feedback.retryAfter());
    }

    @Test
    void requestIsAMessagesCallWithKeyVersionSystemPromptAndMaxTokens() throws Exception {
        provider(Map.of("model", "claude-sonnet-4-0", "temperature.final", "0.3")).translate(finalRequest("Good morning"));

        LoopbackServer.Request sent = server.requests().get(0);
        assertEquals("POST", sent.method());
        assertEquals("/v1/messages", sent.path());
        assertEquals(Optional.of(KEY), sent.header("x-api-key"));
        assertEquals(Optional.of("2023-06-01"), sent.header("anthropic-version"));
        assertEquals(Optional.of("application/json"), sent.header("content-type"));
        assertEquals(Optional.empty(), sent.header("authorization"), "Anthropic takes the key in x-api-key only");
        JsonNode body = AnthropicAnswers.json(sent);
        assertEquals("claude-sonnet-4-0", body.path("model").asText());
        assertEquals(64, body.path("max_tokens").asInt(), "a short text gets the floor, not 16,000");
        assertEquals(0.3, body.path("temperature").asDouble());
        String system = body.path("system").asText();
        assertTrue(system.contains("from English (en) to French (fr)"), system);
        assertTrue(system.contains("faithfully and completely"), system);
        assertEquals(1, body.path("messages").size());
        assertEquals("user", body.path("messages").path(0).path("role").asText());
        assertEquals("Good morning", body.path("messages").path(0).path("content").asText(),
                "the source text is the user turn, never spliced into the system prompt");
    }

    @Test
    void partialUsesItsOwnPromptAndTemperatureAndMaxTokensFollowsTheText() throws Exception {
        String longText = "word ".repeat(200).strip();
        provider(Map.of("anthropic-version", "2024-01-01")).translate(request(SegmentKind.PARTIAL, longText));

        LoopbackServer.Request sent = server.requests().get(0);
        JsonNode body = AnthropicAnswers.json(sent);
        assertEquals(Optional.of("2024-01-01"), sent.header("anthropic-version"));
        assertTrue(body.path("system").asText().contains("Do not complete, extend or guess"), body.path("system").asText());
        assertEquals(0.0, body.path("temperature").asDouble());
        assertEquals(2 * Prompts.textTokens(longText), body.path("max_tokens").asInt());
    }

    @Test
    void maxTokensSentNeverExceedsTheModelsOutputLimit() throws Exception {
        String longText = "word ".repeat(1500).strip();
        provider(Map.of("model", "claude-3-haiku-20240307", "max-tokens.factor", "20", "max-tokens.max", "100000"))
                .translate(finalRequest(longText));
        provider(Map.of("max-tokens.factor", "20")).translate(finalRequest(longText));

        assertEquals(4_096, AnthropicAnswers.json(server.requests().get(0)).path("max_tokens").asInt());
        JsonNode byDefault = AnthropicAnswers.json(server.requests().get(1));
        assertEquals("claude-haiku-4-5", byDefault.path("model").asText());
        assertEquals(20 * Prompts.textTokens(longText), byDefault.path("max_tokens").asInt(),
                "below Claude Haiku 4.5's 64,000, not cut at the retired default's 8,192");
    }

    @Test
    void estimateReservesPromptPlusTheMaxTokensSent() throws Exception {
        AnthropicProvider provider = provider(Map.of());
        int estimate = provider.estimateTokens(SegmentKind.FINAL, "Good morning");

        provider.translate(finalRequest("Good morning"));

        int maxTokens = AnthropicAnswers.json(server.requests().get(0)).path("max_tokens").asInt();
        assertEquals(Prompts.of(provider.settings()).promptTokens(SegmentKind.FINAL, "Good morning") + maxTokens, estimate);
    }

    @ParameterizedTest
    @CsvSource({"end_turn, STOP", "stop_sequence, STOP", "max_tokens, LENGTH", "refusal, CONTENT_FILTER",
            "pause_turn, OTHER"})
    void stopReasonIsMapped(String stopReason, FinishReason expected) throws Exception {
        server.respond(r -> Reply.json(200, message("Bonjour", stopReason, 10, 2)));

        assertEquals(expected, provider(Map.of()).translate(finalRequest("Good morning")).finishReason());
    }

    @Test
    void cacheTokensCountAsPromptAndCacheReadsStayOutOfTheTotal() throws Exception {
        server.respond(r -> Reply.json(200, """
                {"type":"message","model":"m","content":[{"type":"text","text":"Bon"},{"type":"text","text":"jour"}],
                 "stop_reason":"end_turn","usage":{"input_tokens":10,"output_tokens":3,
                 "cache_creation_input_tokens":5,"cache_read_input_tokens":100}}"""));

        TranslationResult result = provider(Map.of()).translate(finalRequest("Good morning"));

        assertEquals("Bonjour", result.text(), "text blocks are joined");
        assertEquals(new TokenUsage(115, 3, 18), result.usage());
    }

    @Test
    void missingUsageFallsBackToTheEstimateNotZero() throws Exception {
        server.respond(r -> Reply.json(200, "{\"type\":\"message\",\"content\":[{\"type\":\"text\",\"text\":\"Bonjour\"}]}"));

        TranslationResult result = provider(Map.of()).translate(finalRequest("Good morning"));

        assertTrue(result.usage().promptTokens() > 0 && result.usage().completionTokens() > 0, result.usage().toString());
        assertEquals(FinishReason.OTHER, result.finishReason());
        assertEquals("claude-haiku-4-5", result.model(), "the configured model when the answer names none");
    }

    @Test
    void rateLimitErrorIsRateLimitedWithRetryAfterAndHeaders() {
        ProviderException e = failure(Reply.json(429, error("rate_limit_error", "Number of request tokens has exceeded"
                + " your per-minute rate limit")).withHeader("retry-after", "17")
                .withHeader("anthropic-ratelimit-requests-remaining", "0")
                .withHeader("anthropic-ratelimit-requests-reset", "2026-10-21T07:28:17Z")
                .withHeader("request-id", "req_42"));

        RateLimitedException limited = assertInstanceOf(RateLimitedException.class, e);
        assertEquals(Optional.of(Duration.ofSeconds(17)), limited.retryAfter());
        assertEquals(OptionalLong.of(0), limited.feedback().requestsRemaining());
        assertEquals(Optional.of(Duration.ofSeconds(17)), limited.feedback().requestsReset());
        assertEquals("127.0.0.1:" + server.uri().getPort() + ": rate limit reached (HTTP 429, rate_limit_error): Number of"
                + " request tokens has exceeded your per-minute rate limit [request req_42]", e.getMessage(),
                "the wait is retryAfter(), which callers print: the message does not say it a second time");
    }

    @ParameterizedTest
    @CsvSource({"429, rate_limit_error", "529, overloaded_error", "500, api_error", "503, ''"})
    void shouldRetryFalseMakesEvenA429OrA529Final(int status, String type) {
        ProviderException e = failure(Reply.json(status, type.isEmpty() ? "{}" : error(type, "no"))
                .withHeader("x-should-retry", "false").withHeader("retry-after", "1"));

        assertEquals(Kind.OTHER, assertInstanceOf(PermanentProviderException.class, e).kind());
        assertFalse(e.retryable());
        assertTrue(e.getMessage().endsWith("not retried: the server answered x-should-retry: false"), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"400, invalid_request_error", "404, not_found_error", "401, authentication_error"})
    void shouldRetryTrueMakesAnyFailureRetryable(int status, String type) {
        ProviderException e = failure(Reply.json(status, error(type, "try me again")).withHeader("x-should-retry", "true"));

        assertInstanceOf(TransientProviderException.class, e);
        assertTrue(e.retryable());
        assertTrue(e.getMessage().endsWith("retryable all the same: the server answered x-should-retry: true"),
                e.getMessage());
    }

    @Test
    void inputAndOutputTokenLimitsReachTheFeedbackApartFromTheCombinedOne() throws Exception {
        server.respond(r -> Reply.json(200, message("Bonjour", "end_turn", 80, 2))
                .withHeader("anthropic-ratelimit-input-tokens-limit", "2000000")
                .withHeader("anthropic-ratelimit-input-tokens-remaining", "1999920")
                .withHeader("anthropic-ratelimit-input-tokens-reset", "2026-10-21T07:28:01Z")
                .withHeader("anthropic-ratelimit-output-tokens-limit", "400000")
                .withHeader("anthropic-ratelimit-output-tokens-remaining", "80000")
                .withHeader("anthropic-ratelimit-output-tokens-reset", "2026-10-21T07:28:48Z"));

        RateLimitFeedback feedback = provider(Map.of()).translate(finalRequest("Good morning")).rateLimit();

        assertEquals(OptionalLong.of(1_999_920), feedback.inputTokensRemaining());
        assertEquals(OptionalLong.of(80_000), feedback.outputTokensRemaining());
        assertEquals(Optional.of(Duration.ofSeconds(48)), feedback.outputTokensReset());
        assertEquals(OptionalLong.empty(), feedback.tokensRemaining(), "the combined window is not the output one");
        assertEquals(OptionalLong.empty(), feedback.tokenLimit());
    }

    @Test
    void rateLimitWithRetryAfterMsWaitsThatManyMilliseconds() {
        ProviderException e = failure(Reply.json(429, error("rate_limit_error", "slow down"))
                .withHeader("retry-after-ms", "750").withHeader("retry-after", "1"));

        assertEquals(Optional.of(Duration.ofMillis(750)), assertInstanceOf(RateLimitedException.class, e).retryAfter());
    }

    @ParameterizedTest
    @CsvSource({"529, overloaded_error", "500, api_error", "504, timeout_error", "503, ''", "502, some_new_error"})
    void retryableErrorsAreTransient(int status, String type) {
        ProviderException e = failure(Reply.json(status, type.isEmpty() ? "{}" : error(type, "try again")));

        assertInstanceOf(TransientProviderException.class, e);
        assertTrue(e.getMessage().contains("answered HTTP " + status), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({
        "401, authentication_error, AUTHENTICATION",
        "403, permission_error, AUTHENTICATION",
        "400, invalid_request_error, BAD_REQUEST",
        "404, not_found_error, BAD_REQUEST",
        "413, request_too_large, BAD_REQUEST",
        "402, billing_error, QUOTA_EXHAUSTED",
        "401, '', AUTHENTICATION",
        "400, '', BAD_REQUEST",
        "418, '', OTHER",
        "301, '', OTHER"})
    void permanentErrorsHaveTheirKind(int status, String type, Kind kind) {
        ProviderException e = failure(Reply.json(status, type.isEmpty() ? "" : error(type, "no")));

        assertEquals(kind, assertInstanceOf(PermanentProviderException.class, e).kind(), e.getMessage());
        assertFalse(e.retryable());
    }

    @Test
    void creditBalanceTooLowIsQuotaExhaustedNotABadRequest() {
        ProviderException e = failure(Reply.json(400, error("invalid_request_error", "Your credit balance is too low"
                + " to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.")));

        assertEquals(Kind.QUOTA_EXHAUSTED, assertInstanceOf(PermanentProviderException.class, e).kind());
        assertTrue(e.getMessage().contains("waiting for a rate window will not help"), e.getMessage());
    }

    @Test
    void notFoundNamesTheModelAndTheUrl() {
        ProviderException e = failure(Reply.json(404, error("not_found_error", "model: claude-9")));

        assertTrue(e.getMessage().contains("model 'claude-haiku-4-5' or " + server.uri() + "/v1/messages was not"
                + " found"), e.getMessage());
    }

    @Test
    void authenticationErrorNamesTheVariableAndRedactsTheEchoedKey() {
        ProviderException e = failure(Reply.json(401, error("authentication_error", "invalid x-api-key " + KEY
                + " (also sk-ant-api03-OTHER-key)")));

        assertNoKey(e.getMessage());
        assertFalse(e.getMessage().contains("OTHER-key"), e.getMessage());
        assertTrue(e.getMessage().contains("check ANTHROPIC_API_KEY or fairway.provider.anthropic.api-key"), e.getMessage());
    }

    @Test
    void bodyThatIsNotJsonIsTransientWithASanitizedExcerpt() {
        ProviderException e = failure(new Reply(200, Map.of("Content-Type", "text/html"),
                "<html>\n<body>502 Bad Gateway, key " + KEY + "</body></html>"));

        assertInstanceOf(TransientProviderException.class, e);
        assertTrue(e.getMessage().contains("not a message (not JSON): '<html> <body>502 Bad Gateway"), e.getMessage());
        assertNoKey(e.getMessage());
    }

    @Test
    void jsonWithoutContentIsTransient() {
        ProviderException e = failure(Reply.json(200, "{\"type\":\"message\"}"));

        assertInstanceOf(TransientProviderException.class, e);
        assertTrue(e.getMessage().contains("no content array"), e.getMessage());
    }

    @Test
    void errorBodyThatIsNotJsonIsJudgedByItsStatus() {
        assertInstanceOf(RateLimitedException.class, failure(new Reply(429, Map.of(), "slow down")));
        assertInstanceOf(TransientProviderException.class, failure(new Reply(529, Map.of(), "<html>overloaded</html>")));
    }

    @Test
    void slowAnswerPastTheRequestTimeoutIsTransient() {
        server.hold();

        TransientProviderException e = assertThrows(TransientProviderException.class,
                () -> provider(Map.of("request-timeout", "200ms")).translate(finalRequest("Good morning")));

        assertTrue(e.getMessage().contains("did not answer within fairway.provider.anthropic.request-timeout (200ms)"),
                e.getMessage());
    }

    @Test
    void refusedConnectionIsTransient() throws Exception {
        String closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = "http://127.0.0.1:" + s.getLocalPort();
        }

        TransientProviderException e = assertThrows(TransientProviderException.class,
                () -> provider(closedPort, Map.of()).translate(finalRequest("Good morning")));

        assertTrue(e.getMessage().startsWith("could not connect to 127.0.0.1:"), e.getMessage());
    }

    @Test
    void connectionClosedWithoutAnAnswerIsTransient() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> {
                try (Socket socket = listener.accept()) {
                    socket.getInputStream().read();
                    socket.setSoLinger(true, 0);
                } catch (IOException e) {
                    // The test is over.
                }
            });

            TransientProviderException e = assertThrows(TransientProviderException.class,
                    () -> provider("http://127.0.0.1:" + listener.getLocalPort(), Map.of()).translate(finalRequest("Hi")));

            assertTrue(e.getMessage().startsWith("the exchange with 127.0.0.1:"), e.getMessage());
        }
    }

    @Test
    void closedProviderRefusesCallsAndClosesTwice() {
        AnthropicProvider provider = provider(Map.of());
        provider.close();
        provider.close();

        assertThrows(IllegalStateException.class, () -> provider.translate(finalRequest("Good morning")));
    }

    @Test
    void toStringShowsNoKey() {
        AnthropicProvider provider = provider(Map.of());

        assertNoKey(provider.toString());
        assertNoKey(provider.settings().toString());
        assertTrue(provider.settings().toString().contains("apiKey=(hidden)"));
    }

    @Test
    void interruptedCallEndsWithInterruptedException() throws Exception {
        server.hold();
        AnthropicProvider provider = provider(Map.of("request-timeout", "10m"));
        AtomicReference<Throwable> outcome = new AtomicReference<>();
        Thread caller = Thread.ofVirtual().start(() -> {
            try {
                provider.translate(finalRequest("Good morning"));
            } catch (Throwable t) {
                outcome.set(t);
            }
        });
        assertTrue(server.awaitHeld(1, Duration.ofSeconds(30)), "the request reached the server");

        caller.interrupt();

        assertTrue(caller.join(Duration.ofSeconds(30)), "the call ended");
        assertInstanceOf(InterruptedException.class, outcome.get());
    }
}
