package dev.fairway.transport.websocket;

import dev.fairway.test.support.WsClient;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Many idle connections cost a virtual thread and a little state each, not a platform thread. */
class IdleConnectionsTest {

    private static final int CONNECTIONS = 1000;
    private static final int AT_ONCE = 100;

    /** The server under test, closed after each test. */
    @AutoClose
    private Fixture fixture;

    @Test
    void thousandIdleSessionsAreAcceptedCountedAndReleased() throws Exception {
        fixture = Fixture.start(TestScheduler.echo());
        List<WsClient> clients = new ArrayList<>();
        try (HttpClient http = HttpClient.newHttpClient()) {
            for (int batch = 0; batch < CONNECTIONS; batch += AT_ONCE) {
                List<CompletableFuture<WsClient>> opening = new ArrayList<>();
                for (int i = 0; i < AT_ONCE; i++) {
                    opening.add(WsClient.connectAsync(http, fixture.transport.address()));
                }
                for (CompletableFuture<WsClient> f : opening) {
                    clients.add(f.get(WsClient.TIMEOUT.toSeconds(), TimeUnit.SECONDS));
                }
            }
            for (WsClient client : clients) {
                client.sendJson("type", "start", "v", 1, "source", "en", "target", "fr");
            }
            for (WsClient client : clients) {
                client.expect("ready");
            }
            assertEquals(CONNECTIONS, fixture.status().path("websocket").path("connectionsOpen").asInt());
            assertEquals(CONNECTIONS, fixture.status().path("websocket").path("sessionsOpen").asInt());

            for (WsClient client : clients) {
                client.socket().sendClose(WebSocket.NORMAL_CLOSURE, "done");
            }
            for (TestScheduler.TestSession session : fixture.scheduler.sessions) {
                session.awaitClosed();
            }
            assertEquals(0, fixture.status().path("websocket").path("connectionsOpen").asInt());
            assertEquals(0, fixture.status().path("websocket").path("sessionsOpen").asInt());
        } finally {
            clients.forEach(WsClient::close);
        }
    }
}
