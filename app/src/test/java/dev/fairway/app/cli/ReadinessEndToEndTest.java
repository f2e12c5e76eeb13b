package dev.fairway.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fairway.api.spi.Readiness;
import dev.fairway.app.config.ConfigSources;
import dev.fairway.app.wiring.Plugins;
import dev.fairway.app.wiring.Wiring;
import dev.fairway.test.support.TestRedis;
import dev.fairway.test.support.WsClient;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /ready} as {@code fairway serve} wires it: the transport's own checks, then the provider's, the rate
 * limiter store's and (durable sessions) the session store's, then any registered as a singleton; a Redis limiter
 * store that cannot reach Redis makes the node not ready until Redis answers, unless
 * {@code fairway.readiness.ignore} leaves it out.
 */
class ReadinessEndToEndTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newHttpClient();
    private final List<AutoCloseable> closeLater = new ArrayList<>();

    @TempDir
    Path dataDir;

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeLater.size() - 1; i >= 0; i--) {
            closeLater.get(i).close();
        }
        http.close();
    }

    private Server start(Map<String, String> extra, List<?> singletons) {
        Map<String, String> overrides = new HashMap<>(Map.of(
                "fairway.provider", "fake",
                "fairway.provider.fake.latency.base", "0",
                "fairway.provider.fake.latency.per-token", "0",
                "fairway.provider.fake.latency.jitter", "0",
                "fairway.transport.websocket.port", "0",
                "fairway.session.data-dir", dataDir.toString(),
                // Not the lag signal: a busy test machine could saturate it.
                "fairway.overload.scheduling-lag", "0"));
        overrides.putAll(extra);
        Wiring wiring = Wiring.start(ConfigSources.builder().environment(Map.of()).systemProperties(Map.of())
                .overrides(overrides).build(), Plugins.discover(), singletons);
        closeLater.add(wiring);
        Server server = Server.create(wiring, Plugins.discover());
        closeLater.add(server.transport());
        server.transport().start();
        return server;
    }

    private HttpResponse<String> ready(Server server) throws Exception {
        URI ws = server.transport().address();
        return http.send(HttpRequest.newBuilder(URI.create("http://" + ws.getRawAuthority() + "/ready")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode ready(Server server, int expectedStatus) throws Exception {
        HttpResponse<String> response = ready(server);
        assertEquals(expectedStatus, response.statusCode(), response.body());
        return JSON.readTree(response.body());
    }

    private static List<String> names(JsonNode body) {
        List<String> names = new ArrayList<>();
        body.path("checks").forEach(check -> names.add(check.path("name").asText()));
        return names;
    }

    private static JsonNode check(JsonNode body, String name) {
        for (JsonNode check : body.path("checks")) {
            if (check.path("name").asText().equals(name)) {
                return check;
            }
        }
        throw new AssertionError("no check " + name + " in " + body);
    }

    private static String closedPortUri() throws Exception {
        try (ServerSocket free = new ServerSocket(0)) {
            return "redis://127.0.0.1:" + free.getLocalPort(); // closed again: nothing listens there
        }
    }

    @Test
    void theProviderAndTheStoresAreChecked() throws Exception {
        Server server = start(Map.of("fairway.session.store", "memory"), List.of());
        JsonNode body = ready(server, 200);
        assertEquals(List.of("transport", "connections", "admission", "provider", "limiter-store", "session-store"),
                names(body));
        assertEquals("READY", body.path("status").asText());
    }

    @Test
    void withoutDurableSessionsThereIsNoSessionStoreCheck() throws Exception {
        Server server = start(Map.of(), List.of());
        assertEquals(List.of("transport", "connections", "admission", "provider", "limiter-store"),
                names(ready(server, 200)));
    }

    @Test
    void aCheckRegisteredAsASingletonIsReportedToo() throws Exception {
        AtomicReference<String> down = new AtomicReference<>("the translation memory is unreachable");
        Server server = start(Map.of(), List.of(Readiness.of("translation-memory",
                () -> Optional.ofNullable(down.get()))));

        JsonNode body = ready(server, 503);
        assertEquals("translation-memory", body.path("reason").asText());
        assertEquals("the translation memory is unreachable", body.path("message").asText());

        down.set(null);
        assertEquals("READY", check(ready(server, 200), "translation-memory").path("status").asText());
    }

    @Test
    void aRedisLimiterStoreWithoutRedisIsNotReadyUnlessIgnored() throws Exception {
        String nowhere = closedPortUri();
        Server server = start(Map.of("fairway.limiter.store", "redis", "fairway.limiter.redis.uri", nowhere), List.of());
        JsonNode body = ready(server, 503);
        assertEquals("limiter-store", body.path("reason").asText());
        JsonNode limiter = check(body, "limiter-store");
        assertEquals("NOT_READY", limiter.path("status").asText());
        assertTrue(limiter.path("message").asText().contains("fallback share"), limiter.toString());
        assertTrue(!body.toString().contains(nowhere.substring("redis://".length())), "no address in /ready: " + body);
        assertEquals("READY", check(body, "provider").path("status").asText());

        Server ignoring = start(Map.of("fairway.limiter.store", "redis", "fairway.limiter.redis.uri", nowhere,
                "fairway.readiness.ignore", "limiter-store"), List.of());
        JsonNode ignored = ready(ignoring, 200);
        assertEquals(List.of("transport", "connections", "admission", "provider"), names(ignored));
    }

    @Test
    void aNodeWhoseLimiterLostRedisIsNotReadyUntilRedisAnswersAgain() throws Exception {
        TestRedis redis = TestRedis.start();
        closeLater.add(redis);
        Server server = start(Map.of("fairway.limiter.store", "redis", "fairway.limiter.redis.uri", redis.uri(),
                "fairway.limiter.redis.timeout", "500ms"), List.of());
        assertEquals("READY", ready(server, 200).path("status").asText());
        WsClient client = WsClient.connect(http, server.transport().address());
        closeLater.add(client);
        client.send("{\"type\":\"start\",\"v\":1,\"source\":\"en\",\"target\":\"fr\"}");
        client.next("ready");

        redis.kill();
        // The final's permit is asked of Redis, which fails: the limiter turns degraded and admits it locally.
        client.send("{\"type\":\"final\",\"seq\":1,\"text\":\"Served while Redis is down.\"}");
        assertEquals("Served while Redis is down.", client.next("translation").path("source").asText());
        assertEquals("limiter-store", ready(server, 503).path("reason").asText());

        redis.restart();
        // Reading /ready starts the limiter's background probe when its backoff (at most 5 s) has passed; Lettuce
        // reconnects on its own: asked until ready, within a generous bound.
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        HttpResponse<String> response;
        while ((response = ready(server)).statusCode() != 200) {
            assertTrue(System.nanoTime() < deadline, "never ready again: " + response.body());
            LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
        }
        assertEquals("READY", check(JSON.readTree(response.body()), "limiter-store").path("status").asText());
    }
}
