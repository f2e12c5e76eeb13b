package dev.fairway.app.cli;

import dev.fairway.app.testing.EchoProviderFactory;
import dev.fairway.app.testing.FailingProviderFactory;
import dev.fairway.app.testing.RecordingTransportFactory;
import dev.fairway.app.testing.StubScheduler;
import dev.fairway.app.wiring.Plugins;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CliTest {

    @TempDir
    Path dir;

    private final EchoProviderFactory echo = new EchoProviderFactory();
    private final RecordingTransportFactory transport = new RecordingTransportFactory();
    private final List<String> signal = new ArrayList<>();

    private record Result(int code, String out, String err) {
        List<String> errLines() {
            return err.lines().toList();
        }
    }

    /** Stops at once when asked to wait, writing down the calls. */
    private ShutdownSignal immediateStop() {
        return new ShutdownSignal() {
            @Override
            public void awaitStopRequest(Duration grace) {
                signal.add("await " + grace);
            }

            @Override
            public void stopped() {
                signal.add("stopped");
            }
        };
    }

    private Result run(Map<String, String> env, Plugins plugins, List<Object> singletons, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Launch launch = new Launch(env, Map.of(), plugins, new PrintWriter(out, true), new PrintWriter(err, true),
                immediateStop(), singletons);
        int code = Cli.run(args, launch);
        return new Result(code, out.toString(), err.toString());
    }

    private Result run(Map<String, String> env, String... args) {
        return run(env, Plugins.of(List.of(echo, new FailingProviderFactory()), List.of()), List.of(), args);
    }

    private Result run(String... args) {
        return run(Map.of("FAIRWAY_PROVIDER", "echo"), args);
    }

    @Test
    void providersListsEveryPluginWithItsDescription() {
        Result result = run(Map.of(), Plugins.of(List.of(echo), List.of(transport)), List.of(), "providers");

        assertEquals(0, result.code());
        assertEquals("""
                Translation providers (select with fairway.provider):
                  echo         answers with the text it got [module path]
                Transports (select with fairway.transport):
                  recording    recording [module path]
                Rate limiter stores (select with fairway.limiter.store):
                  memory       [module path]
                  redis        [module path]
                Session stores (select with fairway.session.store; none: sessions end with their connection):
                  memory       [module path]
                  redis        [module path]
                  sqlite       [module path]
                Web content (served by the transport: / and /console):
                  console
                """, result.out());
    }

    @Test
    void providersSaysWhenNoneIsFound() {
        Result result = run(Map.of(), Plugins.of(List.of(), List.of()), List.of(), "providers");

        assertEquals(0, result.code());
        assertTrue(result.out().contains("Transports (select with fairway.transport):\n  (none found)"),
                result.out());
    }

    @Test
    void translatePrintsTranslationUsageModelFinishAndRateLimit() {
        Result result = run("translate", "--to", "es", "--final", "Hello,", "how are you?");

        assertEquals(0, result.code(), result.err());
        assertEquals("""
                [es] Hello, how are you?

                provider     echo
                model        echo-1
                latency      120 ms
                usage        prompt 30, completion 7, total 37 tokens
                finish       STOP
                rate limit   requests 4999/5000 left, reset in 12ms; tokens 1999963/2000000 left
                """, result.out());
        assertEquals("", result.err());
        assertTrue(echo.created.getFirst().closed.get(), "the provider is closed when the command ends");
    }

    @Test
    void translateQuietPrintsOnlyTheTranslation() {
        Result result = run("translate", "-q", "--from", "fr", "--to", "de", "Bonjour");

        assertEquals(0, result.code(), result.err());
        assertEquals("[de] Bonjour\n", result.out());
    }

    @Test
    void providerOptionBeatsTheConfiguration() {
        Result result = run(Map.of("FAIRWAY_PROVIDER", "limited"), "translate", "--provider", "echo", "-q",
                "--to", "es", "Hi");

        assertEquals(0, result.code(), result.err());
        assertEquals("[es] Hi\n", result.out());
    }

    @Test
    void providerErrorIsOneLineAndExitCodeOne() {
        Result result = run("translate", "--provider", "limited", "--to", "es", "Hello");

        assertEquals(1, result.code());
        assertEquals(List.of("fairway: provider limited failed: rate limited: Rate limit reached for requests"
                + " (retry after 2s)"), result.errLines());
        assertEquals("", result.out());
    }

    @Test
    void rateLimitedTranslateThroughTheOpenAiProviderSaysTheWaitOnce() throws Exception {
        String body = "{\"error\":{\"message\":\"Rate limit reached for requests\",\"type\":\"requests\","
                + "\"code\":\"rate_limit_exceeded\"}}";
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> answerOnce(server, "HTTP/1.1 429 Too Many Requests\r\n"
                    + "Content-Type: application/json\r\nretry-after-ms: 1500\r\nContent-Length: " + body.length()
                    + "\r\nConnection: close\r\n\r\n" + body));

            Result result = run(Map.of("FAIRWAY_PROVIDER", "openai",
                    "FAIRWAY_PROVIDER_OPENAI_BASE_URL", "http://127.0.0.1:" + server.getLocalPort() + "/v1",
                    "FAIRWAY_PROVIDER_OPENAI_API_KEY", "sk-test-key"), Plugins.discover(), List.of(),
                    "translate", "--to", "es", "Hello");

            assertEquals(1, result.code(), result.err());
            String line = result.errLines().get(0);
            assertTrue(line.startsWith("fairway: provider openai failed: rate limited: 127.0.0.1:"), line);
            assertEquals(1, line.split("retry after", -1).length - 1, "the wait is said once: " + line);
            assertTrue(line.endsWith("(retry after 1500ms)"), line);
        }
    }

    /** Reads one HTTP request (head and Content-Length body) and writes a canned answer. */
    private static void answerOnce(ServerSocket server, String answer) {
        try (Socket socket = server.accept()) {
            InputStream in = socket.getInputStream();
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int c = in.read();
                if (c < 0) {
                    return;
                }
                head.append((char) c);
            }
            Matcher length = Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
            in.readNBytes(length.find() ? Integer.parseInt(length.group(1)) : 0);
            socket.getOutputStream().write(answer.getBytes(StandardCharsets.UTF_8));
            socket.getOutputStream().flush();
        } catch (IOException e) {
            // The test fails on its own assertions.
        }
    }

    @Test
    void unknownProviderStopsWithOneLineNamingTheChoices() {
        Result result = run("translate", "--provider", "opnai", "--to", "es", "Hello");

        assertEquals(2, result.code());
        assertEquals(List.of("fairway: fairway.provider = 'opnai': expected one of [echo, limited]"),
                result.errLines());
    }

    @Test
    void badValueStopsStartUpWithOneLineAndExitCodeTwo() {
        Result result = run(Map.of("FAIRWAY_PROVIDER", "echo", "FAIRWAY_QUEUE_MAX_CONCURRENT", "0"),
                "translate", "--to", "es", "Hello");

        assertEquals(2, result.code());
        assertEquals(List.of("fairway: fairway.queue.max-concurrent = '0': expected an integer from 1 to 65536"),
                result.errLines());
        assertTrue(echo.created.isEmpty(), "nothing is built after a bad value");
    }

    @Test
    void tokenLimitAboveWhatTheLimiterCountsStopsConfigAndServeWithOneLine() {
        for (String command : List.of("config", "serve")) {
            Result result = run(Map.of("FAIRWAY_PROVIDER", "echo"), Plugins.of(List.of(echo), List.of(transport)),
                    List.of(), command, "-D", "fairway.limiter.tpm=3000000000");

            assertEquals(2, result.code(), command + ": " + result.err());
            assertEquals(List.of("fairway: fairway.limiter.tpm = '3000000000':"
                    + " expected an integer from 1 to 2147483647"), result.errLines(), command);
        }
        assertTrue(transport.context == null, "nothing is served after a bad value");
    }

    @Test
    void badLanguageIsAUsageError() {
        Result result = run("translate", "--to", "spanish!", "Hello");

        assertEquals(2, result.code());
        assertEquals(List.of("fairway: targetLanguage must be a BCP 47 language tag such as 'en' or 'pt-BR',"
                + " was 'spanish!'"), result.errLines());
    }

    @Test
    void globalOptionsWorkBeforeAndAfterTheSubcommand() throws IOException {
        Path file = dir.resolve("fairway.properties");
        Files.writeString(file, "fairway.queue.max-concurrent = 7\nfairway.limiter.rpm = 60\n");

        Map<String, String> env = Map.of("FAIRWAY_SESSION_IDLE_TIMEOUT", "30s");
        Result before = run(env, "--config", file.toString(), "-Dfairway.limiter.rpm=90", "config");
        Result after = run(env, "config", "--config=" + file, "-D", "fairway.limiter.rpm=90");

        for (Result result : List.of(before, after)) {
            assertEquals(0, result.code(), result.err());
            assertTrue(result.out().contains("fairway.queue.max-concurrent         7            file"), result.out());
            assertTrue(result.out().contains("fairway.limiter.rpm                  90           command line"),
                    result.out());
            assertTrue(result.out().contains(
                    "fairway.session.idle-timeout         30s          environment (FAIRWAY_SESSION_IDLE_TIMEOUT)"),
                    result.out());
        }
    }

    @Test
    void fairwayConfigNamesTheFileWhenNoConfigOptionDoes() throws IOException {
        Path installed = dir.resolve("installed.properties");
        Files.writeString(installed, "fairway.queue.max-concurrent = 7\n");
        Path given = dir.resolve("given.properties");
        Files.writeString(given, "fairway.queue.max-concurrent = 9\n");

        Result fromVariable = run(Map.of("FAIRWAY_CONFIG", installed.toString()), "config");
        Result fromOption = run(Map.of("FAIRWAY_CONFIG", installed.toString()), "config", "--config", given.toString());

        assertEquals(0, fromVariable.code(), fromVariable.err());
        assertTrue(fromVariable.out().contains("fairway.queue.max-concurrent         7            file"),
                fromVariable.out());
        assertEquals(0, fromOption.code(), fromOption.err());
        assertTrue(fromOption.out().contains("fairway.queue.max-concurrent         9            file"), fromOption.out());
    }

    @Test
    void missingFileOfFairwayConfigIsNamedWithTheVariable() {
        Path missing = dir.resolve("missing.properties");

        Result result = run(Map.of("FAIRWAY_CONFIG", missing.toString()), "config");

        assertEquals(2, result.code());
        assertEquals(List.of("fairway: FAIRWAY_CONFIG=" + missing + ": no such file"), result.errLines());
    }

    @Test
    void unknownKeyInTheConfigFileStopsWithOneLine() throws IOException {
        Path file = dir.resolve("typo.properties");
        Files.writeString(file, "fairway.limiter.tmp = 100\n");

        Result result = run(Map.of(), "--config", file.toString(), "config");

        assertEquals(2, result.code());
        assertEquals(List.of("fairway: fairway.limiter.tmp = '100': expected a known key such as fairway.limiter.tpm"
                + " (it is unknown in " + file + "); `fairway config --markdown` lists every key"), result.errLines());
    }

    @Test
    void configMarkdownPrintsTheKeyTable() {
        Result result = run("config", "--markdown");

        assertEquals(0, result.code());
        assertEquals(dev.fairway.app.config.ConfigKeys.markdownTable(), result.out());
    }

    @Test
    void serveWithoutTransportPluginStopsWithOneLine() {
        Result result = run(Map.of("FAIRWAY_PROVIDER", "echo"), Plugins.of(List.of(echo), List.of()), List.of(),
                "serve");

        assertEquals(2, result.code());
        assertEquals(List.of("fairway: fairway.transport = 'websocket': expected one of []"
                + " (no transport plugin found on the module path or in the plugins directory)"), result.errLines());
        assertEquals(List.of("stopped"), signal);
    }

    @Test
    void serveStartsTheTransportPrintsItsAddressAndStopsGracefully() {
        StubScheduler scheduler = new StubScheduler(transport.events);

        Result result = run(Map.of("FAIRWAY_PROVIDER", "echo", "FAIRWAY_TRANSPORT", "recording",
                        "FAIRWAY_SHUTDOWN_GRACE", "3s", "FAIRWAY_TRANSPORT_RECORDING_PORT", "9090"),
                Plugins.of(List.of(echo), List.of(transport)), List.of(scheduler), "serve");

        assertEquals(0, result.code(), result.err());
        assertTrue(result.out().startsWith("fairway: serving on ws://127.0.0.1:8080/v1/session"), result.out());
        assertEquals(List.of("create", "start", "shutdown PT3S", "scheduler shutdown", "scheduler await", "close"),
                transport.events);
        assertEquals(List.of("await PT3S", "stopped"), signal);
        assertEquals("fairway.transport.recording", transport.context.config().prefix());
        assertEquals(9090, transport.context.config().integer("port", 1, 1, 65535));
        @SuppressWarnings("unchecked")
        Map<String, Object> status = (Map<String, Object>) transport.context.status().get();
        assertEquals(dev.fairway.app.wiring.AppVersion.current(), status.get("version"));
        assertEquals("echo", status.get("provider"));
        assertEquals("recording", status.get("transport"));
        assertEquals(4500L, ((Map<?, ?>) status.get("limiter")).get("requestsPerMinuteLimit"));
        assertEquals("adaptive", ((Map<?, ?>) status.get("concurrency")).get("policy"));
    }

    @Test
    void helpIsAvailableOnEveryCommand() {
        for (String command : List.of("providers", "translate", "serve", "config")) {
            Result result = run(command, "--help");

            assertEquals(0, result.code(), command);
            assertTrue(result.out().startsWith("Usage: fairway " + command), result.out());
        }
        Result top = run("--help");
        assertEquals(0, top.code());
        assertTrue(top.out().contains("providers") && top.out().contains("serve"), top.out());
    }

    @Test
    void versionNamesTheApplicationVersion() {
        Result result = run("--version");

        assertEquals(0, result.code());
        assertTrue(result.out().startsWith("fairway " + dev.fairway.app.wiring.AppVersion.current()), result.out());
        assertTrue(!dev.fairway.app.wiring.AppVersion.current().equals("unknown"));
    }

    @Test
    void missingArgumentsAreAUsageError() {
        Result result = run("translate", "Hello");

        assertEquals(2, result.code());
        assertEquals(List.of("fairway: Missing required option: '--to=LANG'",
                "Try 'fairway translate --help' for more."), result.errLines());
    }

    @Test
    void noCommandPrintsUsageAndExitCodeTwo() {
        Result result = run();

        assertEquals(2, result.code());
        assertTrue(result.err().startsWith("Usage: fairway"), result.err());
    }
}
