package dev.fairway.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fairway.app.config.ConfigSources;
import dev.fairway.app.wiring.Plugins;
import dev.fairway.app.wiring.Wiring;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fairway load --reconnect} (protocol version 2) against a real server with the memory session store,
 * through a loopback proxy that cuts the session's connection at the moment the load tool sends its first
 * final (that frame is never forwarded), and then turns the next connections away at once. What is asserted is
 * what the report counts, never how fast it was.
 */
class LoadReconnectTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private final List<AutoCloseable> closeLater = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeLater.size() - 1; i >= 0; i--) {
            closeLater.get(i).close();
        }
    }

    private URI startServer(String store) {
        Map<String, String> overrides = new HashMap<>(Map.of(
                "fairway.provider", "fake",
                "fairway.provider.fake.latency.base", "0",
                "fairway.provider.fake.latency.per-token", "0",
                "fairway.provider.fake.latency.jitter", "0",
                "fairway.overload.scheduling-lag", "0",
                "fairway.transport.websocket.port", "0",
                "fairway.session.store", store,
                "fairway.session.data-dir", dir.toString()));
        Wiring wiring = Wiring.start(ConfigSources.builder().environment(Map.of()).systemProperties(Map.of())
                .overrides(overrides).build(), Plugins.discover(), List.of());
        closeLater.add(wiring);
        Server server = Server.create(wiring, Plugins.discover());
        closeLater.add(server.transport());
        server.transport().start();
        return server.transport().address();
    }

    private record Result(int code, String out, String err, JsonNode report) {
    }

    private Result load(String... args) throws IOException {
        Path json = dir.resolve("report-" + System.nanoTime() + ".json");
        List<String> all = new ArrayList<>(List.of("load"));
        all.addAll(List.of(args));
        all.addAll(List.of("--no-progress", "--json", json.toString()));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        ShutdownSignal signal = new ShutdownSignal() {
            @Override
            public void awaitStopRequest(Duration grace) {
            }

            @Override
            public void stopped() {
            }
        };
        Launch launch = new Launch(Map.of(), Map.of(), Plugins.discover(), new PrintWriter(out, true),
                new PrintWriter(err, true), signal, List.of());
        int code = Cli.run(all.toArray(String[]::new), launch);
        JsonNode report = Files.exists(json) ? JSON.readTree(Files.readString(json)).path("scenarios").get(0) : null;
        return new Result(code, out.toString(), err.toString(), report);
    }

    private static final String[] ONE_SESSION = {"--sessions", "1", "--duration", "1s", "--partial-interval", "50ms",
        "--partials-per-final", "3", "--ramp-up", "0", "--reconnect"};

    private static String[] with(String url, String... more) {
        List<String> args = new ArrayList<>(List.of("--url", url));
        args.addAll(List.of(ONE_SESSION));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    @Test
    void aSessionWhoseConnectionIsCutResumesAndLosesNoFinal() throws Exception {
        URI server = startServer("memory");
        CuttingProxy proxy = new CuttingProxy(server, 2);
        closeLater.add(proxy);

        Result result = load(with(proxy.url(server)));

        assertEquals(0, result.code(), result.out() + result.err());
        assertTrue(proxy.cut.get(), "the proxy cut the connection at the first final");
        JsonNode report = result.report();
        JsonNode reconnect = report.path("reconnect");
        assertEquals(1, reconnect.path("reconnects").asLong(), reconnect.toString());
        assertEquals(0, reconnect.path("resumesRefused").size(), reconnect.toString());
        assertTrue(reconnect.path("finalsResent").asLong() >= 1, "the final never forwarded is sent again: " + reconnect);
        assertEquals(0, report.path("finalsLost").asLong(), result.out());
        assertEquals(0, reconnect.path("finalsUnconfirmed").asLong(), result.out());
        assertEquals(report.path("finalsSent").asLong() - report.path("finalsRefused").asLong(),
                report.path("finalsTranslated").asLong() + report.path("finalsFailed").asLong(), report.toString());
        assertTrue(proxy.turnedAway.get() == 0, "the two connects turned away were retried");
        assertTrue(result.out().contains("reconnect  reconnects 1, resumes refused none"), result.out());
        assertTrue(result.out().contains("time without service per session"), result.out());
    }

    @Test
    void aResumeRefusedByAnotherMemoryNodeStartsAgainAndSendsItsFinals() throws Exception {
        URI first = startServer("memory");
        URI second = startServer("memory");
        CuttingProxy proxy = new CuttingProxy(first, 0);
        proxy.afterCut = new InetSocketAddress(second.getHost(), second.getPort());
        closeLater.add(proxy);

        Result result = load(with(proxy.url(first)));

        assertEquals(0, result.code(), result.out() + result.err());
        JsonNode reconnect = result.report().path("reconnect");
        // Each memory store has its own epoch: the token names the first node's, so the second says epoch_changed.
        assertEquals(1, reconnect.path("resumesRefused").path("epoch_changed").asLong(), reconnect.toString());
        assertEquals(1, reconnect.path("reconnects").asLong(), reconnect.toString());
        assertTrue(reconnect.path("finalsResent").asLong() >= 1, reconnect.toString());
        assertEquals(0, result.report().path("finalsLost").asLong(), result.out());
    }

    @Test
    void withoutADropAVersionTwoRunCountsNoReconnect() throws Exception {
        Result result = load(with(startServer("memory").toString()));

        assertEquals(0, result.code(), result.out() + result.err());
        assertEquals(0, result.report().path("reconnect").path("reconnects").asLong(), result.out());
        assertEquals(0, result.report().path("finalsLost").asLong(), result.out());
        assertTrue(result.report().path("finalsTranslated").asLong() >= 1, result.out());
    }

    @Test
    void withoutReconnectTheReportIsVersionOne() throws Exception {
        Result result = load("--url", startServer("memory").toString(), "--sessions", "1", "--duration", "1s",
                "--partial-interval", "50ms", "--ramp-up", "0");

        assertEquals(0, result.code(), result.out() + result.err());
        assertFalse(result.out().contains("reconnects"), result.out());
        assertFalse(result.report().has("reconnect"), result.report().toString());
    }

    @Test
    void reconnectTimeoutWithoutReconnectIsAUsageError() throws Exception {
        Result result = load("--url", "ws://127.0.0.1:1/v1/session", "--reconnect-timeout", "5s");
        assertEquals(2, result.code());
        assertEquals("fairway: load: --reconnect-timeout needs --reconnect", result.err().strip());
    }

    @Test
    void aReconnectTimeoutOfZeroIsAUsageError() throws Exception {
        Result result = load("--url", "ws://127.0.0.1:1/v1/session", "--reconnect", "--reconnect-timeout", "0");
        assertEquals(2, result.code());
        assertEquals("fairway: load: --reconnect-timeout must be > 0, was PT0S", result.err().strip());
    }

    /**
     * A loopback TCP proxy in front of a WebSocket server. It reads the client's frames (unmasking them) and, at
     * the first {@code final}, closes both sides instead of forwarding it; the next {@code turnAway} connections
     * are closed as soon as they are accepted; later ones go to {@link #afterCut} when set.
     */
    private static final class CuttingProxy implements AutoCloseable {
        final AtomicBoolean cut = new AtomicBoolean();
        final AtomicInteger turnedAway;
        volatile InetSocketAddress afterCut;
        private final InetSocketAddress upstream;
        private final ServerSocket listener;
        private final List<Socket> sockets = new CopyOnWriteArrayList<>();

        CuttingProxy(URI target, int turnAway) throws IOException {
            this.upstream = new InetSocketAddress(target.getHost(), target.getPort());
            this.turnedAway = new AtomicInteger(turnAway);
            this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread.ofVirtual().start(this::accept);
        }

        String url(URI target) {
            return "ws://127.0.0.1:" + listener.getLocalPort() + target.getRawPath();
        }

        private void accept() {
            while (!listener.isClosed()) {
                try {
                    Socket client = listener.accept();
                    sockets.add(client);
                    if (cut.get() && turnedAway.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                        client.close(); // as a server that is not up yet
                        continue;
                    }
                    InetSocketAddress to = cut.get() && afterCut != null ? afterCut : upstream;
                    Socket server = new Socket(to.getAddress(), to.getPort());
                    sockets.add(server);
                    Thread.ofVirtual().start(() -> clientToServer(client, server));
                    Thread.ofVirtual().start(() -> copy(server, client));
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void clientToServer(Socket client, Socket server) {
            try {
                DataInputStream in = new DataInputStream(client.getInputStream());
                OutputStream out = server.getOutputStream();
                copyHttpHead(in, out);
                while (true) {
                    byte[] head = new byte[2];
                    in.readFully(head);
                    int len7 = head[1] & 0x7f;
                    byte[] ext = new byte[len7 == 126 ? 2 : len7 == 127 ? 8 : 0];
                    in.readFully(ext);
                    long length = len7;
                    if (ext.length > 0) {
                        length = 0;
                        for (byte b : ext) {
                            length = (length << 8) | (b & 0xff);
                        }
                    }
                    byte[] mask = new byte[(head[1] & 0x80) != 0 ? 4 : 0];
                    in.readFully(mask);
                    byte[] payload = new byte[(int) length];
                    in.readFully(payload);
                    byte[] plain = payload.clone();
                    for (int i = 0; i < plain.length && mask.length == 4; i++) {
                        plain[i] ^= mask[i % 4];
                    }
                    String text = new String(plain, StandardCharsets.UTF_8);
                    if (text.contains("\"type\":\"final\"") && cut.compareAndSet(false, true)) {
                        client.close();
                        server.close();
                        return;
                    }
                    out.write(head);
                    out.write(ext);
                    out.write(mask);
                    out.write(payload);
                    out.flush();
                }
            } catch (IOException e) {
                closeQuietly(client);
                closeQuietly(server);
            }
        }

        private static void copyHttpHead(InputStream in, OutputStream out) throws IOException {
            int matched = 0;
            byte[] end = {'\r', '\n', '\r', '\n'};
            while (matched < 4) {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("end of stream in the request head");
                }
                out.write(b);
                matched = b == end[matched] ? matched + 1 : b == '\r' ? 1 : 0;
            }
            out.flush();
        }

        private static void copy(Socket from, Socket to) {
            try {
                from.getInputStream().transferTo(to.getOutputStream());
            } catch (IOException e) {
                // one side closed
            }
            closeQuietly(from);
            closeQuietly(to);
        }

        private static void closeQuietly(Socket s) {
            try {
                s.close();
            } catch (IOException e) {
                // closing anyway
            }
        }

        @Override
        public void close() throws IOException {
            listener.close();
            sockets.forEach(CuttingProxy::closeQuietly);
        }
    }
}
