package dev.fairway.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fairway.app.config.ConfigSources;
import dev.fairway.app.testing.GatedProviderFactory;
import dev.fairway.app.wiring.Plugins;
import dev.fairway.app.wiring.Wiring;
import dev.fairway.test.support.WsClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Durable sessions as {@code fairway serve} wires them ({@code fairway.session.store}, the store plugin found
 * with ServiceLoader, the WebSocket transport's protocol version 2): a client resumes after a dropped
 * connection (memory store) and after the server stopped and started again over the same SQLite file, where a
 * final accepted and never answered is translated by the new server.
 */
class DurableSessionsEndToEndTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dataDir;

    private final HttpClient http = HttpClient.newHttpClient();
    private final List<AutoCloseable> closeLater = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeLater.size() - 1; i >= 0; i--) {
            closeLater.get(i).close();
        }
        http.close();
    }

    private record Node(Wiring wiring, Server server) {
    }

    private Node start(Map<String, String> extra, Plugins plugins) {
        Map<String, String> overrides = new HashMap<>(Map.of(
                "fairway.provider", "fake",
                "fairway.provider.fake.latency.base", "0",
                "fairway.provider.fake.latency.per-token", "0",
                "fairway.provider.fake.latency.jitter", "0",
                "fairway.overload.scheduling-lag", "0",
                "fairway.transport.websocket.port", "0",
                "fairway.session.data-dir", dataDir.toString()));
        overrides.putAll(extra);
        Wiring wiring = Wiring.start(ConfigSources.builder().environment(Map.of()).systemProperties(Map.of())
                .overrides(overrides).build(), plugins, List.of());
        closeLater.add(wiring);
        Server server = Server.create(wiring, plugins);
        closeLater.add(server.transport());
        server.transport().start();
        return new Node(wiring, server);
    }

    private WsClient connect(Node node) {
        WsClient client = WsClient.connect(http, node.server().transport().address());
        closeLater.add(client);
        return client;
    }

    private static String final_(long seq, String text) {
        return "{\"type\":\"final\",\"seq\":" + seq + ",\"text\":\"" + text + "\"}";
    }

    @Test
    void aClientResumesAfterADroppedConnectionAndGetsWhatItMissed() throws Exception {
        Node node = start(Map.of("fairway.session.store", "memory"), Plugins.discover());
        WsClient first = connect(node);
        first.send("{\"type\":\"start\",\"v\":2,\"source\":\"en\",\"target\":\"fr\"}");
        JsonNode ready = first.next("ready");
        String session = ready.path("session").asText();
        String token = ready.path("resumeToken").asText();
        assertTrue(!token.isEmpty(), ready.toString());
        first.send(final_(1, "Good morning."));
        assertEquals(1, first.next("translation").path("seq").asLong());
        first.close();                                        // dropped: no end

        WsClient second = connect(node);
        second.send("{\"type\":\"resume\",\"v\":2,\"session\":\"" + session + "\",\"token\":\"" + token
                + "\",\"lastSeq\":0}");
        JsonNode resumed = second.next("resumed");
        assertEquals(1, resumed.path("replayed").asInt(), resumed.toString());
        JsonNode replayed = second.next("translation");
        assertEquals(1, replayed.path("seq").asLong());
        second.send(final_(2, "And good night."));
        assertEquals(2, second.next("translation").path("seq").asLong(), "live again after the replay");

        JsonNode status = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create("http://"
                + node.server().transport().address().getRawAuthority() + "/status")).build(),
                HttpResponse.BodyHandlers.ofString()).body());
        assertEquals("memory", status.path("sessions").path("store").asText(), status.path("sessions").toString());
    }

    @Test
    void aFinalAcceptedBeforeAStopIsTranslatedAfterTheRestartOverTheSameSqliteFile() throws Exception {
        GatedProviderFactory gated = new GatedProviderFactory();
        Node before = start(Map.of("fairway.provider", "gated", "fairway.session.store", "sqlite"),
                Plugins.of(List.of(gated), Plugins.discover().transports()));
        WsClient client = connect(before);
        client.send("{\"type\":\"start\",\"v\":2,\"source\":\"en\",\"target\":\"de\"}");
        JsonNode ready = client.next("ready");
        String session = ready.path("session").asText();
        String token = ready.path("resumeToken").asText();
        client.send(final_(1, "Keep me across the restart."));
        assertEquals(1, client.next("accepted").path("seq").asLong(), "journaled before it was acknowledged");
        assertTrue(gated.entered.await(60, TimeUnit.SECONDS), "the final never reached the provider");

        // The node stops with the final at the provider: the transport, then the scheduler, then the store.
        before.server().transport().shutdown(Duration.ofMillis(100));
        before.server().scheduler().shutdown();
        gated.gate.countDown();
        before.server().scheduler().awaitTermination(Duration.ofSeconds(60));
        before.server().transport().close();
        before.wiring().close();
        assertTrue(Files.exists(dataDir.resolve("sessions.db")), "the journal is a file in the data directory");

        Node after = start(Map.of("fairway.session.store", "sqlite"), Plugins.discover());
        WsClient back = connect(after);
        back.send("{\"type\":\"resume\",\"v\":2,\"session\":\"" + session + "\",\"token\":\"" + token
                + "\",\"lastSeq\":-1}");
        JsonNode resumed = back.next("resumed");
        assertEquals(0, resumed.path("replayed").asInt(), resumed.toString());
        JsonNode translation = back.next("translation");
        assertEquals(1, translation.path("seq").asLong());
        assertEquals("Keep me across the restart.", translation.path("source").asText());

        WsClient stranger = connect(after);
        stranger.send("{\"type\":\"resume\",\"v\":2,\"session\":\"" + session + "\",\"token\":\"" + token
                + "x\",\"lastSeq\":-1}");
        JsonNode refused = stranger.next("error");
        assertEquals("resume_refused", refused.path("code").asText());
        assertEquals("unknown_or_expired", refused.path("reason").asText());
    }
}
