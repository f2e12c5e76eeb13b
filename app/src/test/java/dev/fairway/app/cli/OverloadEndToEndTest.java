package dev.fairway.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fairway.app.config.ConfigSources;
import dev.fairway.app.overload.OverloadMonitor;
import dev.fairway.test.support.WsClient;
import dev.fairway.app.wiring.Plugins;
import dev.fairway.app.wiring.Wiring;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Admission control as {@code fairway serve} wires it: the probe feeds the overload monitor, delivered
 * translations feed its queue-wait signal, {@code /status} shows it, and a saturated monitor turns new
 * sessions away at the door while an open session keeps its service.
 */
class OverloadEndToEndTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    private final HttpClient http = HttpClient.newHttpClient();
    private final List<AutoCloseable> closeLater = new ArrayList<>();
    private Wiring wiring;

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeLater.size() - 1; i >= 0; i--) {
            closeLater.get(i).close();
        }
        http.close();
    }

    private Server start(Map<String, String> extra) {
        Map<String, String> overrides = new HashMap<>(Map.of(
                "fairway.provider", "fake",
                "fairway.provider.fake.latency.base", "0",
                "fairway.provider.fake.latency.per-token", "0",
                "fairway.provider.fake.latency.jitter", "0",
                "fairway.transport.websocket.port", "0"));
        overrides.putAll(extra);
        wiring = Wiring.start(ConfigSources.builder().environment(Map.of()).systemProperties(Map.of())
                .overrides(overrides).build(), Plugins.discover(), List.of());
        closeLater.add(wiring);
        Server server = Server.create(wiring, Plugins.discover());
        closeLater.add(server.transport());
        server.transport().start();
        return server;
    }

    private WsClient session(Server server) throws Exception {
        WsClient client = WsClient.connect(http, server.transport().address());
        closeLater.add(client);
        client.send("{\"type\":\"start\",\"v\":1,\"source\":\"en\",\"target\":\"fr\"}");
        client.next("ready");
        return client;
    }

    private HttpResponse<String> get(Server server, String path) throws Exception {
        URI ws = server.transport().address();
        return http.send(HttpRequest.newBuilder(URI.create("http://" + ws.getRawAuthority() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Polls the status document until the condition holds (the probe works on its own thread). */
    private JsonNode awaitStatus(Server server, Predicate<JsonNode> condition) throws Exception {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (true) {
            JsonNode status = JSON.readTree(get(server, "/status").body());
            if (condition.test(status)) {
                return status;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("status never met the condition: " + status.path("overload"));
            }
            LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
        }
    }

    @Test
    void deliveredTranslationsFeedTheQueueWaitSignalShownInStatus() throws Exception {
        // Not the lag signal: a busy test machine could saturate it and refuse the session.
        Server server = start(Map.of("fairway.overload.scheduling-lag", "0"));
        WsClient client = session(server);
        int finals = (int) OverloadMonitor.QUEUE_WAIT_MIN_SAMPLES + 5;
        for (int seq = 1; seq <= finals; seq++) {
            client.send("{\"type\":\"final\",\"seq\":" + seq + ",\"text\":\"sentence number " + seq + ".\"}");
        }
        for (int i = 0; i < finals; i++) {
            client.next("translation");
        }
        JsonNode status = awaitStatus(server,
                s -> s.path("overload").path("queueWaitP95").path("samples").asLong() >= finals);
        JsonNode overload = status.path("overload");
        assertFalse(overload.path("saturated").asBoolean(), overload.toString());
        assertEquals(1000, overload.path("queueWaitP95").path("threshold").asLong(), "the default, 1 s");
        assertEquals(90, overload.path("heapAfterGcPercent").path("threshold").asLong(), "the default, 90%");
        assertEquals(200, get(server, "/ready").statusCode());
    }

    @Test
    void aSaturatedNodeRefusesNewSessionsAndServesTheOpenOnes() throws Exception {
        // Only the queue-wait signal, fed below by hand: the probe then rolls the window and evaluates it.
        Server server = start(Map.of("fairway.overload.scheduling-lag", "0", "fairway.overload.heap-percent", "0",
                "fairway.overload.queue-wait", "100ms"));
        WsClient open = session(server);
        OverloadMonitor monitor = wiring.bean(OverloadMonitor.class);
        for (int i = 0; i < 100; i++) {
            monitor.queueWait(Duration.ofSeconds(3).toNanos());
        }
        JsonNode status = awaitStatus(server, s -> s.path("overload").path("saturated").asBoolean());
        assertTrue(status.path("overload").path("refusing").asText().contains("queue wait p95"), status.toString());

        HttpResponse<String> ready = get(server, "/ready");
        assertEquals(503, ready.statusCode());
        assertEquals("saturated", JSON.readTree(ready.body()).path("reason").asText());
        assertEquals(503, refusedUpgrade(server));
        assertEquals(1, JSON.readTree(get(server, "/status").body())
                .path("websocket").path("upgradesRefused").path("saturated").asLong());

        open.send("{\"type\":\"final\",\"seq\":1,\"text\":\"Still served.\"}");
        assertEquals("Still served.", open.next("translation").path("source").asText());
    }

    @Test
    void withEverySignalOffEverySessionIsAdmitted() throws Exception {
        Server server = start(Map.of("fairway.overload.scheduling-lag", "0", "fairway.overload.heap-percent", "0",
                "fairway.overload.queue-wait", "0"));
        session(server);
        JsonNode overload = JSON.readTree(get(server, "/status").body()).path("overload");
        assertFalse(overload.path("saturated").asBoolean());
        assertEquals(0, overload.path("queueWaitP95").path("threshold").asLong());
        assertEquals(200, get(server, "/ready").statusCode());
    }

    private int refusedUpgrade(Server server) {
        try {
            http.newWebSocketBuilder().buildAsync(server.transport().address(), new WebSocket.Listener() { })
                    .orTimeout(PATIENCE.toMillis(), TimeUnit.MILLISECONDS).join().abort();
        } catch (CompletionException e) {
            if (e.getCause() instanceof WebSocketHandshakeException handshake) {
                return handshake.getResponse().statusCode();
            }
            throw e;
        }
        throw new AssertionError("the upgrade was accepted");
    }
}
