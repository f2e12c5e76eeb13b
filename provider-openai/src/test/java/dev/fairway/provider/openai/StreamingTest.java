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
import static dev.fairway.provider.openai.OpenAiProviderTest.KEY;
import static dev.fairway.provider.openai.OpenAiProviderTest.WALL;
import static dev.fairway.provider.openai.OpenAiProviderTest.finalRequest;
import static dev.fairway.provider.openai.OpenAiProviderTest.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fairway.api.FinishReason;
import dev.fairway.api.PermanentProviderException;
import dev.fairway.api.ProviderException;
import dev.fairway.api.RateLimitedException;
import dev.fairway.api.SegmentKind;
import dev.fairway.api.TokenUsage;
import dev.fairway.api.TransientProviderException;
import dev.fairway.api.TranslationResult;
import dev.fairway.api.spi.PluginConfig;
import dev.fairway.api.spi.ProviderContext;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class StreamingTest {

    private FakeOpenAiServer server;
    private OpenAiProvider provider;

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

    @Test
    void streamedFinalHandsOverTheGrowingTextAsItArrives() throws Exception {
        CountDownLatch firstPieceSeen = new CountDownLatch(1);
        server.onChat((ex, r) -> {
            ex.getResponseHeaders().set("x-ratelimit-remaining-requests", "41");
            try (OutputStream out = eventStream(ex)) {
                event(out, chunk(""));
                event(out, chunk("Bon"));
                // The rest only comes once the client has shown the first piece: proof it is not buffered.
                if (!firstPieceSeen.await(30, TimeUnit.SECONDS)) {
                    throw new IOException("the client did not see the first piece");
                }
                event(out, chunk("jour"));
                event(out, chunk(" à tous"));
                event(out, finishChunk("stop"));
                event(out, usageChunk(30, 4));
                event(out, "[DONE]");
            }
        });
        List<String> seen = new CopyOnWriteArrayList<>();

        TranslationResult result = provider(Map.of()).translate(finalRequest("Good morning everyone"), text -> {
            seen.add(text);
            firstPieceSeen.countDown();
        });

        assertEquals(List.of("Bon", "Bonjour", "Bonjour à tous"), seen);
        assertEquals("Bonjour à tous", result.text());
        assertEquals(new TokenUsage(30, 4, 34), result.usage());
        assertEquals(FinishReason.STOP, result.finishReason());
        assertEquals("gpt-4o-mini-2024-07-18", result.model());
        assertEquals(OptionalLong.of(41), result.rateLimit().requestsRemaining());
    }

    @Test
    void streamedRequestAsksForEventsAndUsage() throws Exception {
        server.onChat(StreamingTest::shortStream);

        provider(Map.of()).translate(finalRequest("Good morning"), text -> { });

        FakeOpenAiServer.Recorded sent = server.take();
        JsonNode body = sent.json();
        assertTrue(body.path("stream").asBoolean());
        assertTrue(body.path("stream_options").path("include_usage").asBoolean());
        assertEquals("text/event-stream", sent.header("Accept"));
        assertEquals("Bearer " + KEY, sent.header("Authorization"));
    }

    @Test
    void streamingFinalsSettingStreamsFinalsButNotPartials() throws Exception {
        server.onChat((ex, r) -> {
            if (r.json().path("stream").asBoolean()) {
                shortStream(ex, r);
            } else {
                json(ex, 200, completion("Bonjour", "stop"), Map.of());
            }
        });
        OpenAiProvider p = provider(Map.of("streaming.finals", "true", "streaming.include-usage", "false"));

        assertEquals("Bonjour", p.translate(finalRequest("Good morning")).text());
        assertEquals("Bonjour", p.translate(request(SegmentKind.PARTIAL, "Good morning")).text());

        JsonNode finalBody = server.take().json();
        assertTrue(finalBody.path("stream").asBoolean());
        assertTrue(finalBody.path("stream_options").isMissingNode());
        assertTrue(server.take().json().path("stream").isMissingNode());
    }

    @Test
    void streamWithoutUsageChunkFallsBackToTheEstimate() throws Exception {
        server.onChat((ex, r) -> {
            try (OutputStream out = eventStream(ex)) {
                event(out, chunk("Bonjour"));
                event(out, finishChunk("length"));
                event(out, "[DONE]");
            }
        });

        TranslationResult result = provider(Map.of()).translate(finalRequest("Good morning"), text -> { });

        assertEquals(FinishReason.LENGTH, result.finishReason());
        assertTrue(result.usage().totalTokens() > 0);
    }

    @Test
    void multiLineEventsCommentsAndCarriageReturnsAreRead() throws Exception {
        server.onChat((ex, r) -> {
            try (OutputStream out = eventStream(ex)) {
                String raw = ": keep-alive\r\n\r\nevent: message\r\ndata: " + chunk("Bon") + "\r\n\r\n"
                        + "data:" + chunk("jour") + "\n\n" + "data: " + finishChunk("stop") + "\n\ndata: [DONE]\n\n";
                out.write(raw.getBytes(StandardCharsets.UTF_8));
            }
        });

        assertEquals("Bonjour", provider(Map.of()).translate(finalRequest("Good morning"), t -> { }).text());
    }

    @Test
    void streamEndingBeforeItFinishedIsTransient() {
        server.onChat((ex, r) -> {
            try (OutputStream out = eventStream(ex)) {
                event(out, chunk("Bon"));
            }
        });

        TransientProviderException e = assertThrows(TransientProviderException.class,
                () -> provider(Map.of()).translate(finalRequest("Good morning"), t -> { }));

        assertTrue(e.getMessage().contains("ended the stream before the translation was complete"), e.getMessage());
    }

    @Test
    void errorEventInTheStreamIsTransient() {
        server.onChat((ex, r) -> {
            try (OutputStream out = eventStream(ex)) {
                event(out, chunk("Bon"));
                event(out, error("The server had an error", "server_error", null));
            }
        });

        TransientProviderException e = assertThrows(TransientProviderException.class,
                () -> provider(Map.of()).translate(finalRequest("Good morning"), t -> { }));

        assertTrue(e.getMessage().contains("The server had an error"), e.getMessage());
    }

    private ProviderException streamError(String eventLines) {
        server.onChat((ex, r) -> {
            try (OutputStream out = eventStream(ex)) {
                event(out, chunk("Bon"));
                out.write(eventLines.getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        });
        return assertThrows(ProviderException.class,
                () -> provider(Map.of()).translate(finalRequest("Good morning"), t -> { }));
    }

    @Test
    void authenticationErrorEventIsPermanentLikeA401() {
        ProviderException e = streamError("data: " + error("Incorrect API key provided: " + KEY,
                "invalid_request_error", "invalid_api_key") + "\n\n");

        assertEquals(PermanentProviderException.Kind.AUTHENTICATION, assertInstanceOf(PermanentProviderException.class, e)
                .kind(), e.getMessage());
        assertTrue(e.getMessage().contains("an error event in an HTTP 200 stream, invalid_api_key"), e.getMessage());
        assertFalse(e.getMessage().contains(KEY), e.getMessage());
    }

    @Test
    void rateLimitErrorEventIsRateLimitedLikeA429() {
        ProviderException e = streamError("data: " + error("Rate limit reached for gpt-4o-mini on tokens per min",
                "tokens", "rate_limit_exceeded") + "\n\n");

        assertInstanceOf(RateLimitedException.class, e, e.getMessage());
    }

    @Test
    void quotaErrorEventIsQuotaExhausted() {
        ProviderException e = streamError("data: " + error("You exceeded your current quota",
                "insufficient_quota", "insufficient_quota") + "\n\n");

        assertEquals(PermanentProviderException.Kind.QUOTA_EXHAUSTED,
                assertInstanceOf(PermanentProviderException.class, e).kind(), e.getMessage());
    }

    @Test
    void anthropicStyleErrorEventsAreMappedByTheirType() {
        assertInstanceOf(TransientProviderException.class, streamError("event: error\ndata: {\"type\":\"error\","
                + "\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n"));
        assertInstanceOf(RateLimitedException.class, streamError("event: error\ndata: {\"type\":\"error\","
                + "\"error\":{\"type\":\"rate_limit_error\",\"message\":\"slow down\"}}\n\n"));
        assertEquals(PermanentProviderException.Kind.BAD_REQUEST, assertInstanceOf(PermanentProviderException.class,
                streamError("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\","
                        + "\"message\":\"prompt is too long\"}}\n\n")).kind());
    }

    @Test
    void errorEventOfAnUnknownKindIsTransient() {
        ProviderException e = streamError("data: " + error("something odd", "mystery_error", null) + "\n\n");

        assertInstanceOf(TransientProviderException.class, e);
        assertTrue(e.getMessage().contains("sent an error event in the stream (mystery_error): something odd"),
                e.getMessage());
    }

    @Test
    void malformedChunkIsTransient() {
        server.onChat((ex, r) -> {
            try (OutputStream out = eventStream(ex)) {
                event(out, "{not json");
            }
        });

        TransientProviderException e = assertThrows(TransientProviderException.class,
                () -> provider(Map.of()).translate(finalRequest("Good morning"), t -> { }));

        assertTrue(e.getMessage().contains("'{not json'"), e.getMessage());
    }

    @Test
    void refusalOfAStreamedCallIsMappedLikeAnyOther() {
        Map<String, String> headers = new HashMap<>(rateLimitHeaders());
        headers.put("retry-after-ms", "250");
        server.onChat((ex, r) -> json(ex, 429, error("Rate limit reached", "tokens", "rate_limit_exceeded"), headers));

        RateLimitedException e = assertThrows(RateLimitedException.class,
                () -> provider(Map.of()).translate(finalRequest("Good morning"), t -> { }));

        assertEquals(Optional.of(Duration.ofMillis(250)), e.retryAfter());
    }

    @Test
    void serverThatIgnoresStreamStillAnswers() throws Exception {
        server.onChat((ex, r) -> json(ex, 200, completion("Bonjour", "stop", 20, 2), Map.of()));
        List<String> seen = new CopyOnWriteArrayList<>();

        TranslationResult result = provider(Map.of()).translate(finalRequest("Good morning"), seen::add);

        assertEquals(List.of("Bonjour"), seen);
        assertEquals(new TokenUsage(20, 2, 22), result.usage());
    }

    @Test
    void stalledStreamTimesOut() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        server.onChat((ex, r) -> {
            try (OutputStream out = eventStream(ex)) {
                event(out, chunk("Bon"));
                release.await(30, TimeUnit.SECONDS);
            }
        });
        try {
            TransientProviderException e = assertThrows(TransientProviderException.class,
                    () -> provider(Map.of("request-timeout", "200ms")).translate(finalRequest("Good morning"), t -> { }));

            assertTrue(e.getMessage().contains("did not answer within"), e.getMessage());
        } finally {
            release.countDown();
        }
    }

    @Test
    void interruptionDuringAStreamCancelsIt() throws Exception {
        CountDownLatch firstPieceSeen = new CountDownLatch(1);
        CompletableFuture<String> serverSide = new CompletableFuture<>();
        server.onChat((ex, r) -> {
            try (OutputStream out = eventStream(ex)) {
                event(out, chunk("Bon"));
                firstPieceSeen.await(30, TimeUnit.SECONDS);
                // Keep writing until the cancelled client's connection refuses more.
                for (int i = 0; i < 100_000; i++) {
                    event(out, chunk("jour "));
                }
                serverSide.complete("wrote everything");
            } catch (RuntimeException | IOException e) {
                serverSide.complete("client went away");
            }
        });
        OpenAiProvider p = provider(Map.of("request-timeout", "10m"));
        AtomicReference<Throwable> outcome = new AtomicReference<>();
        Thread thread = Thread.ofVirtual().start(() -> {
            try {
                p.translate(finalRequest("Good morning"), text -> firstPieceSeen.countDown());
            } catch (Throwable t) {
                outcome.set(t);
            }
        });
        assertTrue(firstPieceSeen.await(30, TimeUnit.SECONDS));

        thread.interrupt();
        thread.join();

        assertInstanceOf(InterruptedException.class, outcome.get());
        assertEquals("client went away", serverSide.get(30, TimeUnit.SECONDS));
    }

    @Test
    void callbackFailureCancelsTheCallAndPassesOn() {
        server.onChat(StreamingTest::shortStream);

        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> provider(Map.of()).translate(finalRequest("Good morning"), t -> {
                    throw new IllegalStateException("transport closed");
                }));

        assertEquals("transport closed", e.getMessage());
    }

    private static void shortStream(com.sun.net.httpserver.HttpExchange ex, FakeOpenAiServer.Recorded r) throws IOException {
        try (OutputStream out = eventStream(ex)) {
            event(out, chunk("Bonjour"));
            event(out, finishChunk("stop"));
            event(out, usageChunk(25, 2));
            event(out, "[DONE]");
        }
    }
}
