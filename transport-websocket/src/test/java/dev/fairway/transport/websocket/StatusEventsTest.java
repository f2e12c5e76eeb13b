package dev.fairway.transport.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fairway.test.support.WsClient;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /console/events}: the status document as server-sent events, bounded in streams and in what waits
 * for a client, ended on shutdown.
 */
class StatusEventsTest {

    private static final String TOKEN = "console-secret-token";

    /** The server under test. */
    private Fixture fixture;

    /** The open event streams. */
    private final List<AutoCloseable> streams = new ArrayList<>();

    /** The streams first (the HTTP client's close waits for open exchanges), then the server. */
    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable stream : streams) {
            stream.close();
        }
        if (fixture != null) {
            fixture.close();
        }
    }

    private Fixture start(Map<String, String> config, Object status) {
        return Fixture.withWebContent(TestScheduler.echo(), config, List.of(), () -> status);
    }

    private BufferedReader stream() throws Exception {
        HttpRequest request = HttpRequest.newBuilder(fixture.http(StatusEvents.PATH)).timeout(WsClient.TIMEOUT)
                .header("Authorization", "Bearer " + TOKEN).GET().build();
        HttpResponse<InputStream> response = fixture.http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, response.statusCode());
        assertEquals("text/event-stream; charset=utf-8", response.headers().firstValue("content-type").orElse(""));
        BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
        streams.add(reader);
        return reader;
    }

    /** The next event: its name and data, or null at the end of the stream. */
    private static String[] next(BufferedReader reader) throws Exception {
        String event = null;
        StringBuilder data = new StringBuilder();
        String line;
        while ((line = reader.readLine()) != null) {
            if (line.isEmpty()) {
                if (event != null) {
                    return new String[] {event, data.toString()};
                }
                continue;
            }
            if (line.startsWith("event: ")) {
                event = line.substring(7);
            } else if (line.startsWith("data: ")) {
                data.append(line.substring(6));
            }
        }
        return null;
    }

    @Test
    void aStreamGetsTheStatusDocumentAtOnceAndOnEveryTick() throws Exception {
        fixture = start(Map.of("auth.tokens", TOKEN), Map.of("queue", Map.of("queueLength", 3), "version", "test"));
        BufferedReader reader = stream();
        String[] first = next(reader);
        assertEquals("status", first[0]);
        JsonNode doc = Fixture.JSON.readTree(first[1]);
        assertEquals(3, doc.path("queue").path("queueLength").asInt(), first[1]);
        assertEquals("running", doc.path("websocket").path("state").asText());
        assertEquals(1, doc.path("websocket").path("eventStreamsOpen").asInt());

        fixture.transport.statusEvents().tick();
        String[] second = next(reader);
        assertEquals("status", second[0]);
        assertEquals("test", Fixture.JSON.readTree(second[1]).path("version").asText());
    }

    @Test
    void streamsPastTheCapAreRefusedWith503() throws Exception {
        fixture = start(Map.of("auth.tokens", TOKEN, "max-event-streams", "1"), Map.of());
        next(stream());
        HttpResponse<String> refused = fixture.get(StatusEvents.PATH, "Authorization", "Bearer " + TOKEN);
        assertEquals(503, refused.statusCode());
        assertEquals("5", refused.headers().firstValue("retry-after").orElse(""));
    }

    @Test
    void zeroStreamsTurnsTheEndpointOff() {
        fixture = start(Map.of("max-event-streams", "0"), Map.of());
        assertEquals(404, fixture.get(StatusEvents.PATH).statusCode());
    }

    @Test
    void aClientThatDoesNotReadIsDroppedAndOthersAreServed() throws Exception {
        // About 2 MB per event: the socket buffers fill after a few events the client never reads.
        fixture = start(Map.of(), Map.of("filler", "x".repeat(2 << 20)));
        URI ws = fixture.transport.address();
        try (Socket silent = new Socket(ws.getHost(), ws.getPort())) {
            OutputStream out = silent.getOutputStream();
            out.write(("GET " + StatusEvents.PATH + " HTTP/1.1\r\nHost: " + ws.getHost() + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            StatusEvents events = fixture.transport.statusEvents();
            // Drive the ticks (the transport's own ticker adds one a second): each finds the last event unwritten.
            while (events.dropped() == 0) {
                events.tick();
            }
            assertEquals(0, events.open());
        }
        BufferedReader reader = stream();
        String[] event = next(reader);
        assertEquals(1, Fixture.JSON.readTree(event[1]).path("websocket").path("eventStreamsDropped").asInt());
    }

    @Test
    void shutdownEndsTheStreamsWithAnEndEvent() throws Exception {
        fixture = start(Map.of(), Map.of());
        BufferedReader reader = stream();
        assertEquals("status", next(reader)[0]);
        fixture.transport.shutdown(java.time.Duration.ofSeconds(5));
        String[] last = next(reader);
        while (last != null && last[0].equals("status")) {
            last = next(reader);
        }
        assertEquals("end", last[0]);
        assertEquals(null, next(reader), "the response is complete after the end event");
        assertTrue(fixture.transport.statusEvents().open() == 0);
    }
}
