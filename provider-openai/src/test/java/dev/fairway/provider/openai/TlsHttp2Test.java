package dev.fairway.provider.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fairway.api.SegmentKind;
import dev.fairway.api.SessionId;
import dev.fairway.api.TranslationRequest;
import dev.fairway.api.TranslationResult;
import dev.fairway.api.spi.PluginConfig;
import dev.fairway.api.spi.ProviderContext;
import io.helidon.common.tls.Tls;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.WebServer;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The provider against an HTTP/2 server over TLS (Helidon, ALPN), as OpenAI's endpoint is: with the
 * default {@code http-version = auto} the JDK client negotiates h2, with {@code http1.1} it stays on
 * HTTP/1.1, and a streamed answer arrives over h2 too. The server's certificate is made for the run by
 * the JDK's {@code keytool} (self-signed, for 127.0.0.1) and trusted through the default
 * {@link SSLContext}, which the provider's client uses, restored afterwards.
 */
class TlsHttp2Test {

    private static final char[] PASSWORD = "test-only".toCharArray();

    @TempDir
    static Path dir;

    private static WebServer server;
    private static SSLContext previousDefault;
    private static final List<String> protocols = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        Path keystore = dir.resolve("server.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2",
                "-storetype", "PKCS12", "-keystore", keystore.toString(),
                "-storepass", new String(PASSWORD), "-keypass", new String(PASSWORD))
                .redirectErrorStream(true).start();
        String output = new String(keytool.getInputStream().readAllBytes());
        assertTrue(keytool.waitFor(60, TimeUnit.SECONDS) && keytool.exitValue() == 0, "keytool failed: " + output);
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            store.load(in, PASSWORD);
        }
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, PASSWORD);
        SSLContext serverContext = SSLContext.getInstance("TLS");
        serverContext.init(keys.getKeyManagers(), null, null);
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(store);
        SSLContext clientContext = SSLContext.getInstance("TLS");
        clientContext.init(null, trust.getTrustManagers(), null);

        server = WebServer.builder()
                .host("127.0.0.1")
                .port(0)
                .tls(Tls.builder().sslContext(serverContext).build())
                .routing(routing -> routing.post("/v1/chat/completions", (req, res) -> {
                    protocols.add(req.prologue().protocolVersion());
                    String body = req.content().as(String.class);
                    if (body.contains("\"stream\":true")) {
                        res.header(HeaderNames.CONTENT_TYPE, "text/event-stream");
                        res.send("data: " + FakeOpenAiServer.chunk("Bon") + "\n\n"
                                + "data: " + FakeOpenAiServer.chunk("jour") + "\n\n"
                                + "data: " + FakeOpenAiServer.finishChunk("stop") + "\n\n"
                                + "data: [DONE]\n\n");
                    } else {
                        res.header(HeaderNames.CONTENT_TYPE, "application/json");
                        res.send(FakeOpenAiServer.completion("Bonjour", "stop"));
                    }
                }))
                .build()
                .start();
        previousDefault = SSLContext.getDefault();
        SSLContext.setDefault(clientContext);
    }

    @AfterAll
    static void stop() {
        if (previousDefault != null) {
            SSLContext.setDefault(previousDefault);
        }
        if (server != null) {
            server.stop();
        }
    }

    private static OpenAiProvider provider(Map<String, String> extra) {
        Map<String, String> config = new HashMap<>();
        config.put("base-url", "https://127.0.0.1:" + server.port() + "/v1");
        config.putAll(extra);
        OpenAiProviderFactory factory = new OpenAiProviderFactory(Map.of("OPENAI_API_KEY", OpenAiProviderTest.KEY)::get,
                OpenAiProviderTest.WALL);
        return (OpenAiProvider) factory.create(ProviderContext.of(PluginConfig.of(OpenAiSettings.PREFIX, config)));
    }

    private static TranslationRequest request() {
        return new TranslationRequest(SessionId.of("s-1"), SegmentKind.FINAL, 1, "Good morning", "en", "fr", 50);
    }

    @Test
    void negotiatesHttp2OverTlsByDefault() throws Exception {
        protocols.clear();
        try (OpenAiProvider provider = provider(Map.of())) {
            TranslationResult first = provider.translate(request());
            TranslationResult second = provider.translate(request());
            assertEquals("Bonjour", first.text());
            assertEquals("Bonjour", second.text());
        }
        assertEquals(List.of("2.0", "2.0"), protocols);
    }

    @Test
    void staysOnHttp11OverTlsWhenConfigured() throws Exception {
        protocols.clear();
        try (OpenAiProvider provider = provider(Map.of("http-version", "http1.1"))) {
            assertEquals("Bonjour", provider.translate(request()).text());
        }
        assertEquals(List.of("1.1"), protocols);
    }

    @Test
    void streamsOverHttp2() throws Exception {
        protocols.clear();
        List<String> growing = new CopyOnWriteArrayList<>();
        try (OpenAiProvider provider = provider(Map.of("streaming.finals", "true"))) {
            TranslationResult result = provider.translate(request(), growing::add);
            assertEquals("Bonjour", result.text());
        }
        assertEquals(List.of("2.0"), protocols);
        assertTrue(!growing.isEmpty() && growing.get(growing.size() - 1).startsWith("Bon"), growing.toString());
    }
}
