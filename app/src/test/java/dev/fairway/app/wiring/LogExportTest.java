package dev.fairway.app.wiring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fairway.app.config.ConfigSources;
import dev.fairway.app.testing.EchoProviderFactory;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.logs.Severity;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.logs.data.LogRecordData;
import io.opentelemetry.sdk.logs.export.SimpleLogRecordProcessor;
import io.opentelemetry.sdk.testing.exporter.InMemoryLogRecordExporter;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code java.util.logging} records bridged into the OpenTelemetry SDK's logs pipeline: with a log record
 * processor registered (the SDK's in-memory exporter), and with {@code otel.logs.exporter = otlp} against a
 * collector on loopback, which gets the records when the bean context closes (the SDK flushes).
 */
class LogExportTest {

    /** A logger of the test's own, at ALL, so that the root logger's level does not decide. */
    private static final Logger LOG = Logger.getLogger("dev.fairway.test.LogExportTest");

    private final InMemoryLogRecordExporter exporter = InMemoryLogRecordExporter.create();
    private final List<AutoCloseable> closeLater = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeLater.size() - 1; i >= 0; i--) {
            closeLater.get(i).close();
        }
        LOG.setLevel(null);
    }

    private Wiring start(ConfigSources sources, List<?> singletons) {
        Wiring wiring = Wiring.start(sources, Plugins.of(List.of(new EchoProviderFactory()), List.of()), singletons);
        closeLater.add(wiring);
        LOG.setLevel(Level.ALL);
        return wiring;
    }

    /** Spans are recorded (a tracer without span processors makes invalid spans). */
    private static SpanProcessor spans() {
        return SimpleSpanProcessor.create(InMemorySpanExporter.create());
    }

    private Wiring withInMemoryExporter() {
        return start(ConfigSources.builder().environment(Map.of()).build(),
                List.of(SimpleLogRecordProcessor.create(exporter), spans()));
    }

    private static long bridges() {
        return Arrays.stream(Logger.getLogger("").getHandlers())
                .filter(h -> h instanceof OpenTelemetryLogHandler).count();
    }

    @Test
    void recordsCarrySeverityBodyScopeAndThread() {
        Wiring wiring = withInMemoryExporter();
        assertTrue(wiring.bean(LogExport.class).handler().isPresent());

        LOG.log(Level.WARNING, "served {0} sessions", 12);

        LogRecordData record = exporter.getFinishedLogRecordItems().getFirst();
        assertEquals(Severity.WARN, record.getSeverity());
        assertEquals("WARNING", record.getSeverityText());
        assertEquals("served 12 sessions", record.getBodyValue().asString());
        assertEquals("dev.fairway.test.LogExportTest", record.getInstrumentationScopeInfo().getName());
        assertEquals(Thread.currentThread().getName(), record.getAttributes().get(AttributeKey.stringKey("thread.name")));
        assertEquals(Thread.currentThread().threadId(), record.getAttributes().get(AttributeKey.longKey("thread.id")));
        assertFalse(record.getSpanContext().isValid(), "logged outside a span");
    }

    @Test
    void insideASpanTheRecordCarriesItsTraceContext() {
        Wiring wiring = withInMemoryExporter();
        wiring.bean(LogExport.class);
        Span span = wiring.bean(OpenTelemetry.class).getTracer("test").spanBuilder("work").startSpan();
        try (Scope ignored = span.makeCurrent()) {
            LOG.info("inside");
        } finally {
            span.end();
        }
        LOG.info("outside");

        List<LogRecordData> records = exporter.getFinishedLogRecordItems();
        assertEquals(2, records.size());
        assertEquals(span.getSpanContext().getTraceId(), records.get(0).getSpanContext().getTraceId());
        assertEquals(span.getSpanContext().getSpanId(), records.get(0).getSpanContext().getSpanId());
        assertTrue(records.get(0).getSpanContext().isValid());
        assertFalse(records.get(1).getSpanContext().isValid());
    }

    @Test
    void anExceptionBecomesTheExceptionAttributes() {
        withInMemoryExporter().bean(LogExport.class);
        LOG.log(Level.SEVERE, "export failed", new IllegalStateException("broken", new IOException("refused")));

        LogRecordData record = exporter.getFinishedLogRecordItems().getFirst();
        assertEquals(Severity.ERROR, record.getSeverity());
        assertEquals("java.lang.IllegalStateException",
                record.getAttributes().get(AttributeKey.stringKey("exception.type")));
        assertEquals("broken", record.getAttributes().get(AttributeKey.stringKey("exception.message")));
        String stack = record.getAttributes().get(AttributeKey.stringKey("exception.stacktrace"));
        assertTrue(stack.contains("Caused by: java.io.IOException: refused"), stack);
    }

    @Test
    void levelsMapToSeverities() {
        assertEquals(Severity.ERROR, OpenTelemetryLogHandler.severity(Level.SEVERE));
        assertEquals(Severity.WARN, OpenTelemetryLogHandler.severity(Level.WARNING));
        assertEquals(Severity.INFO, OpenTelemetryLogHandler.severity(Level.INFO));
        assertEquals(Severity.DEBUG2, OpenTelemetryLogHandler.severity(Level.CONFIG));
        assertEquals(Severity.DEBUG, OpenTelemetryLogHandler.severity(Level.FINE));
        assertEquals(Severity.TRACE2, OpenTelemetryLogHandler.severity(Level.FINER));
        assertEquals(Severity.TRACE, OpenTelemetryLogHandler.severity(Level.FINEST));
    }

    @Test
    void aHugeBodyIsCutWithAMarker() {
        withInMemoryExporter().bean(LogExport.class);
        LOG.info("z".repeat(50_000));

        String body = exporter.getFinishedLogRecordItems().getFirst().getBodyValue().asString();
        assertEquals("z".repeat(OpenTelemetryLogHandler.MAX_BODY_CHARS) + "... [truncated "
                + (50_000 - OpenTelemetryLogHandler.MAX_BODY_CHARS) + " chars]", body);
    }

    @Test
    void theSdksOwnRecordsAreNotExported() {
        withInMemoryExporter().bean(LogExport.class);
        Logger sdk = Logger.getLogger("io.opentelemetry.exporter.internal.http.HttpExporter");
        sdk.log(Level.SEVERE, "Failed to export logs");
        assertTrue(exporter.getFinishedLogRecordItems().isEmpty());
    }

    @Test
    void closingTheContextRemovesTheHandler() {
        Wiring wiring = withInMemoryExporter();
        wiring.bean(LogExport.class);
        assertEquals(1, bridges());

        wiring.close();
        assertEquals(0, bridges());
        LOG.warning("after close");
        assertTrue(exporter.getFinishedLogRecordItems().isEmpty());
    }

    @Test
    void withoutAnExporterNothingIsBridged() {
        Wiring wiring = start(ConfigSources.builder().environment(Map.of()).build(), List.of());
        assertTrue(wiring.bean(LogExport.class).handler().isEmpty());
        assertEquals(0, bridges());
    }

    @Test
    void otlpExportSendsTheRecordsToTheCollectorWhenTheContextCloses(@TempDir Path dir) throws Exception {
        try (Collector collector = Collector.start()) {
            Path file = dir.resolve("fairway.properties");
            Files.writeString(file, "otel.logs.exporter = otlp\n"
                    + "otel.exporter.otlp.logs.endpoint = http://127.0.0.1:" + collector.port() + "/v1/logs\n"
                    + "otel.service.name = fairway-log-test\n");
            Wiring wiring = start(ConfigSources.builder().environment(Map.of()).file(file).build(), List.of(spans()));
            assertTrue(wiring.bean(LogExport.class).handler().isPresent());
            Span span = wiring.bean(OpenTelemetry.class).getTracer("test").spanBuilder("work").startSpan();
            try (Scope ignored = span.makeCurrent()) {
                LOG.warning("a record for the collector");
            } finally {
                span.end();
            }

            wiring.close();

            // Protocol buffers keep strings and ids as raw bytes: the request holds them as they are.
            byte[] request = collector.requests().getFirst();
            String text = new String(request, StandardCharsets.ISO_8859_1);
            assertTrue(collector.heads().getFirst().toLowerCase(Locale.ROOT).startsWith("post /v1/logs "),
                    collector.heads().getFirst());
            assertTrue(text.contains("a record for the collector"));
            assertTrue(text.contains("fairway-log-test"));
            assertTrue(text.contains(new String(HexFormat.of().parseHex(span.getSpanContext().getTraceId()),
                    StandardCharsets.ISO_8859_1)), "the trace id");
            assertEquals(0, bridges());
        }
    }

    /**
     * An OTLP/HTTP collector on loopback that keeps each request's body and answers 200: just enough HTTP/1.1
     * for the exporter (a head, a {@code Content-Length} body).
     */
    private static final class Collector implements AutoCloseable {

        private final ServerSocket socket;
        private final List<String> heads = new CopyOnWriteArrayList<>();
        private final List<byte[]> requests = new CopyOnWriteArrayList<>();
        private final Thread acceptor;

        private Collector(ServerSocket socket) {
            this.socket = socket;
            this.acceptor = Thread.ofVirtual().name("test-collector").start(this::accept);
        }

        static Collector start() throws IOException {
            return new Collector(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
        }

        int port() {
            return socket.getLocalPort();
        }

        List<String> heads() {
            return heads;
        }

        List<byte[]> requests() {
            return requests;
        }

        private void accept() {
            while (!socket.isClosed()) {
                try {
                    Socket connection = socket.accept();
                    Thread.ofVirtual().start(() -> serve(connection));
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void serve(Socket connection) {
            try (connection; InputStream in = connection.getInputStream(); OutputStream out = connection.getOutputStream()) {
                while (true) {
                    String head = readHead(in);
                    if (head == null) {
                        return;
                    }
                    int length = 0;
                    boolean chunked = false;
                    for (String line : head.split("\r\n")) {
                        String lower = line.toLowerCase(Locale.ROOT);
                        if (lower.startsWith("content-length:")) {
                            length = Integer.parseInt(line.substring(15).trim());
                        } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                            chunked = true;
                        }
                    }
                    byte[] body = chunked ? readChunks(in) : in.readNBytes(length);
                    heads.add(head);
                    requests.add(body);
                    out.write("HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nContent-Length: 0\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                }
            } catch (IOException e) {
                // The client went away.
            }
        }

        private static byte[] readChunks(InputStream in) throws IOException {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            while (true) {
                String size = readLine(in);
                int n = Integer.parseInt(size.split(";")[0].trim(), 16);
                if (n == 0) {
                    readLine(in);
                    return body.toByteArray();
                }
                body.write(in.readNBytes(n));
                readLine(in);
            }
        }

        private static String readLine(InputStream in) throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) >= 0 && b != '\n') {
                if (b != '\r') {
                    line.write(b);
                }
            }
            return line.toString(StandardCharsets.ISO_8859_1);
        }

        private static String readHead(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int matched = 0;
            int b;
            while ((b = in.read()) >= 0) {
                head.write(b);
                matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
                if (matched == 4) {
                    return head.toString(StandardCharsets.ISO_8859_1);
                }
            }
            return null;
        }

        @Override
        public void close() throws Exception {
            socket.close();
            acceptor.join();
        }
    }
}
