package dev.fairway.transport.websocket;

import dev.fairway.test.support.WsClient;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.fairway.api.NanoClock;
import dev.fairway.api.session.DurableSessions;
import dev.fairway.api.spi.Admission;
import dev.fairway.api.spi.PluginConfig;
import dev.fairway.api.spi.Readiness;
import dev.fairway.api.spi.TransportContext;
import dev.fairway.api.spi.WebContent;
import io.opentelemetry.api.OpenTelemetry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/** A started transport on loopback, an ephemeral port, a scheduler double and the clients connected to it. */
final class Fixture implements AutoCloseable {

    /** Reads the JSON of HTTP answers ({@code /health}, {@code /status}, {@code /ready}). */
    static final JsonMapper JSON = JsonMapper.builder().build();

    final TestScheduler scheduler;
    final WebSocketTransport transport;
    final HttpClient http = HttpClient.newHttpClient();
    private final List<WsClient> clients = new CopyOnWriteArrayList<>();

    private Fixture(TestScheduler scheduler, WebSocketTransport transport) {
        this.scheduler = scheduler;
        this.transport = transport;
    }

    static Fixture start(TestScheduler scheduler) {
        return start(scheduler, Map.of(), NanoClock.SYSTEM);
    }

    static Fixture start(TestScheduler scheduler, Map<String, String> config) {
        return start(scheduler, config, NanoClock.SYSTEM);
    }

    static Fixture start(TestScheduler scheduler, Map<String, String> config, NanoClock clock) {
        return start(scheduler, config, clock, OpenTelemetry.noop());
    }

    static Fixture start(TestScheduler scheduler, Map<String, String> config, NanoClock clock,
            OpenTelemetry openTelemetry) {
        return start(scheduler, config, clock, openTelemetry, Admission.OPEN);
    }

    static Fixture start(TestScheduler scheduler, Map<String, String> config, NanoClock clock,
            OpenTelemetry openTelemetry, Admission admission) {
        return start(scheduler, config, clock, openTelemetry, admission, null);
    }

    /** A transport whose sessions are durable (protocol version 2) over this store and window. */
    static Fixture durable(TestScheduler scheduler, DurableSessions durable, NanoClock clock) {
        return start(scheduler, Map.of(), clock, OpenTelemetry.noop(), Admission.OPEN, durable);
    }

    static Fixture start(TestScheduler scheduler, Map<String, String> config, NanoClock clock,
            OpenTelemetry openTelemetry, Admission admission, DurableSessions durable) {
        return start(scheduler, config, clock, openTelemetry, admission, durable, List.of());
    }

    /** A transport that reports these readiness checks of the application's in {@code /ready}. */
    static Fixture withReadiness(TestScheduler scheduler, Map<String, String> config, List<Readiness> readiness) {
        return start(scheduler, config, NanoClock.SYSTEM, OpenTelemetry.noop(), Admission.OPEN, null, readiness);
    }

    static Fixture start(TestScheduler scheduler, Map<String, String> config, NanoClock clock,
            OpenTelemetry openTelemetry, Admission admission, DurableSessions durable, List<Readiness> readiness) {
        return start(scheduler, config, clock, openTelemetry, admission, durable, readiness, List.of(),
                () -> Map.of("queue", Map.of("maxConcurrent", 4), "version", "test"));
    }

    /** A transport that serves this web content and this status document. */
    static Fixture withWebContent(TestScheduler scheduler, Map<String, String> config, List<WebContent> content,
            Supplier<Object> status) {
        return start(scheduler, config, NanoClock.SYSTEM, OpenTelemetry.noop(), Admission.OPEN, null, List.of(),
                content, status);
    }

    static Fixture start(TestScheduler scheduler, Map<String, String> config, NanoClock clock,
            OpenTelemetry openTelemetry, Admission admission, DurableSessions durable, List<Readiness> readiness,
            List<WebContent> content, Supplier<Object> status) {
        Map<String, String> keys = new HashMap<>();
        keys.put("port", "0");
        keys.putAll(config);
        TransportContext context = new TransportContext(PluginConfig.of(Settings.PREFIX, keys), scheduler,
                openTelemetry, status, admission);
        if (durable != null) {
            context = context.withDurableSessions(durable);
        }
        context = context.withReadiness(readiness).withWebContent(content);
        WebSocketTransport transport = WebSocketTransport.create(context, clock);
        transport.start();
        return new Fixture(scheduler, transport);
    }

    WsClient connect() {
        return track(WsClient.connect(http, transport.address()));
    }

    WsClient connect(Map<String, String> headers, boolean reads) {
        return track(WsClient.connect(http, transport.address(), headers, reads));
    }

    WsClient track(WsClient client) {
        clients.add(client);
        return client;
    }

    URI http(String path) {
        URI ws = transport.address();
        return URI.create("http://" + ws.getHost() + ":" + ws.getPort() + path);
    }

    HttpResponse<String> get(String path, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(http(path)).timeout(WsClient.TIMEOUT).GET();
        if (headers.length > 0) {
            request.headers(headers);
        }
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    JsonNode status() {
        HttpResponse<String> response = get("/status");
        if (response.statusCode() != 200) {
            throw new AssertionError("/status answered " + response.statusCode() + ": " + response.body());
        }
        try {
            return Fixture.JSON.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        for (WsClient client : clients) {
            client.close();
        }
        transport.close();
        http.close();
    }
}
