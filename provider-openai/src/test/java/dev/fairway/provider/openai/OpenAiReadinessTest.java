package dev.fairway.provider.openai;

import static dev.fairway.provider.openai.FakeOpenAiServer.error;
import static dev.fairway.provider.openai.FakeOpenAiServer.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fairway.api.spi.PluginConfig;
import dev.fairway.api.spi.ProviderContext;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The provider's readiness ({@code notReadyReason()}): with {@code warm-up} set, not ready until a warm-up
 * request was answered; not ready when it failed or the key was refused, and a probe at least
 * {@link OpenAiProvider#WARM_UP_RETRY} later (on the provider's clock, a fake one here) retries in the background.
 */
class OpenAiReadinessTest {

    private static final String MODELS = "{\"object\":\"list\",\"data\":[]}";

    private final AtomicLong now = new AtomicLong();
    private final List<OpenAiProvider> providers = new ArrayList<>();
    private FakeOpenAiServer server;

    @BeforeEach
    void startServer() throws IOException {
        server = new FakeOpenAiServer();
    }

    @AfterEach
    void stop() {
        providers.forEach(OpenAiProvider::close);
        server.close();
    }

    private OpenAiProvider provider(String baseUrl, Map<String, String> extra) {
        Map<String, String> config = new HashMap<>(extra);
        config.put("base-url", baseUrl);
        ProviderContext context = ProviderContext.of(PluginConfig.of(OpenAiSettings.PREFIX, config));
        context = new ProviderContext(context.config(), context.openTelemetry(), now::get, context.proxySelector(),
                context.fairwayVersion());
        OpenAiProvider provider = (OpenAiProvider) new OpenAiProviderFactory(
                Map.of("OPENAI_API_KEY", OpenAiProviderTest.KEY)::get, OpenAiProviderTest.WALL).create(context);
        providers.add(provider);
        return provider;
    }

    @Test
    void withoutAWarmUpTheProviderIsReady() {
        assertEquals(Optional.empty(), provider(server.baseUrl(), Map.of()).notReadyReason());
    }

    @Test
    void notReadyUntilTheWarmUpIsAnswered() throws Exception {
        CountDownLatch answer = new CountDownLatch(1);
        server.onModels((exchange, request) -> {
            answer.await();
            json(exchange, 200, MODELS, Map.of());
        });
        OpenAiProvider provider = provider(server.baseUrl(), Map.of("warm-up", "models", "warm-up.connections", "2"));

        assertEquals("warming up: the warm-up request has not answered yet", provider.notReadyReason().orElseThrow());
        answer.countDown();
        provider.warmUp().get(30, TimeUnit.SECONDS);
        assertEquals(Optional.empty(), provider.notReadyReason());
    }

    @Test
    void aRefusedKeyIsNotReadyAndAProbeRetriesOnlyAfterAWhile() throws Exception {
        server.onModels((exchange, request) -> json(exchange, 401,
                error("Incorrect API key provided", "invalid_request_error", "invalid_api_key"), Map.of()));
        OpenAiProvider provider = provider(server.baseUrl(), Map.of("warm-up", "models"));
        provider.warmUp().get(30, TimeUnit.SECONDS);
        server.take();
        String why = provider.notReadyReason().orElseThrow();
        assertEquals("the warm-up request answered HTTP 401: the API key was rejected", why);
        assertTrue(!why.contains(OpenAiProviderTest.KEY));

        server.onModels((exchange, request) -> json(exchange, 200, MODELS, Map.of()));
        CompletableFuture<Void> first = provider.warmUp();
        now.addAndGet(OpenAiProvider.WARM_UP_RETRY.toNanos() - 1);
        assertTrue(provider.notReadyReason().isPresent());
        assertSame(first, provider.warmUp(), "too soon for another warm-up");

        now.addAndGet(1);
        assertEquals(why, provider.notReadyReason().orElseThrow(), "a probe answers from what is known");
        assertNotSame(first, provider.warmUp(), "and starts another warm-up in the background");
        provider.warmUp().get(30, TimeUnit.SECONDS);
        assertEquals("/v1/models", server.take().path());
        assertEquals(Optional.empty(), provider.notReadyReason());
    }

    @Test
    void anUnreachableEndpointIsNotReady() throws Exception {
        String closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = "http://127.0.0.1:" + s.getLocalPort() + "/v1";
        }
        OpenAiProvider provider = provider(closedPort, Map.of("warm-up", "head"));
        provider.warmUp().get(30, TimeUnit.SECONDS);

        String why = provider.notReadyReason().orElseThrow();
        assertTrue(why.startsWith("the warm-up request failed (") && why.endsWith("the endpoint is not reachable"), why);
        assertTrue(!why.contains("127.0.0.1"), "no address in a readiness answer: " + why);
    }

    @Test
    void oneAnsweredConnectionOfSeveralIsEnough() throws Exception {
        AtomicLong calls = new AtomicLong();
        server.onModels((exchange, request) -> json(exchange, calls.incrementAndGet() == 1 ? 200 : 503, MODELS, Map.of()));
        OpenAiProvider provider = provider(server.baseUrl(), Map.of("warm-up", "models", "warm-up.connections", "3"));
        provider.warmUp().get(30, TimeUnit.SECONDS);
        assertEquals(Optional.empty(), provider.notReadyReason(), "any HTTP answer but 401/403 shows it is reachable");
    }
}
