package dev.fairway.app.cli;

import dev.fairway.app.config.ConfigSources;
import dev.fairway.app.wiring.Plugins;
import dev.fairway.app.wiring.Wiring;
import dev.fairway.test.support.TestRedis;
import dev.fairway.test.support.WsClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every series that the alert rules ({@code ops/prometheus/alerts.yml}), their tests and the Grafana dashboard
 * ({@code ops/grafana/fairway.json}) name is one that a node serves: a node as {@code fairway serve} wires it,
 * with the Redis rate limiter and session store (so that their series exist too) and the Prometheus exporter
 * on a loopback port, is scraped in-process after serving a session, and each {@code fairway_*} name of those
 * files must be among the scraped sample names.
 */
class OpsSeriesTest {

    /** Surefire runs in the module's directory, {@code app/}. */
    private static final Path REPOSITORY_ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final List<Path> OPS_FILES = List.of(Path.of("ops/prometheus/alerts.yml"),
            Path.of("ops/prometheus/alerts-test.yml"), Path.of("ops/grafana/fairway.json"));
    /** A series name; a label ({@code fairway_node="n-1"}) is followed by {@code =}. */
    private static final Pattern SERIES = Pattern.compile("\\bfairway_[a-z0-9_]+\\b(?!\\s*=)");

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();
    private final List<AutoCloseable> closeLater = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeLater.size() - 1; i >= 0; i--) {
            closeLater.get(i).close();
        }
        http.close();
    }

    @Test
    void everySeriesTheAlertsAndTheDashboardNameIsServed() throws Exception {
        Set<String> served = scrapeAServingNode();
        Set<String> missing = new TreeSet<>();
        int named = 0;
        for (Path file : OPS_FILES) {
            Matcher m = SERIES.matcher(Files.readString(REPOSITORY_ROOT.resolve(file), StandardCharsets.UTF_8));
            while (m.find()) {
                named++;
                if (!served.contains(m.group())) {
                    missing.add(m.group() + " (" + file + ")");
                }
            }
        }
        assertTrue(named > 40, "the ops files name only " + named + " series");
        assertTrue(missing.isEmpty(), "not served by a node: " + missing + "\nserved: " + served);
    }

    private Set<String> scrapeAServingNode() throws Exception {
        TestRedis redis = TestRedis.start();
        closeLater.add(redis);
        int port = TestRedis.freePort();
        Path config = dir.resolve("fairway.properties");
        Files.writeString(config, "otel.metrics.exporter = prometheus\notel.exporter.prometheus.port = " + port + "\n");
        Map<String, String> overrides = Map.ofEntries(
                Map.entry("fairway.provider", "fake"),
                Map.entry("fairway.provider.fake.latency.base", "0"),
                Map.entry("fairway.provider.fake.latency.per-token", "0"),
                Map.entry("fairway.provider.fake.latency.jitter", "0"),
                Map.entry("fairway.overload.scheduling-lag", "0"),
                Map.entry("fairway.transport.websocket.port", "0"),
                Map.entry("fairway.session.store", "redis"),
                Map.entry("fairway.session.redis.uri", redis.uri()),
                Map.entry("fairway.limiter.store", "redis"),
                Map.entry("fairway.limiter.redis.uri", redis.uri()));
        Plugins plugins = Plugins.discover();
        Wiring wiring = Wiring.start(ConfigSources.builder().environment(Map.of()).systemProperties(Map.of())
                .file(config).overrides(overrides).build(), plugins, List.of());
        closeLater.add(wiring);
        Server server = Server.create(wiring, plugins);
        closeLater.add(server.transport());
        server.transport().start();

        WsClient c = WsClient.connect(http, server.transport().address());
        closeLater.add(c);
        c.send("{\"type\":\"start\",\"v\":1,\"source\":\"en\",\"target\":\"es\"}");
        c.next("ready");
        c.send("{\"type\":\"partial\",\"seq\":1,\"text\":\"Scrape\"}");
        c.send("{\"type\":\"final\",\"seq\":2,\"text\":\"Scrape me.\"}");
        while (!c.next("translation").path("kind").asText().equals("final")) {
            // the partial, if it was not superseded
        }

        HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        Set<String> names = new TreeSet<>();
        for (String line : response.body().split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                int end = line.indexOf('{');
                names.add(line.substring(0, end < 0 ? line.indexOf(' ') : end));
            }
        }
        return names;
    }
}
