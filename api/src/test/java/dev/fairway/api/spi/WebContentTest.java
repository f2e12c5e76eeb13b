package dev.fairway.api.spi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fairway.api.Session;
import dev.fairway.api.SessionId;
import dev.fairway.api.SessionListener;
import dev.fairway.api.SessionOptions;
import dev.fairway.api.TranslationScheduler;
import io.opentelemetry.api.OpenTelemetry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class WebContentTest {

    private static TransportContext context() {
        TranslationScheduler scheduler = new TranslationScheduler() {
            @Override
            public Session open(SessionId id, SessionOptions options, SessionListener listener) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void shutdown() {
            }

            @Override
            public boolean awaitTermination(Duration timeout) {
                return true;
            }

            @Override
            public void close() {
            }
        };
        return new TransportContext(PluginConfig.of("fairway.transport.test", Map.of()), scheduler,
                OpenTelemetry.noop(), Map::of);
    }

    private static WebContent named(String name) {
        return new WebContent() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Optional<File> find(String path) {
                return Optional.empty();
            }
        };
    }

    @Test
    void aFileKeepsItsOwnCopyOfTheBytes() {
        byte[] bytes = "<p>hi</p>".getBytes(StandardCharsets.UTF_8);
        WebContent.File file = new WebContent.File("text/html; charset=utf-8", bytes);
        bytes[0] = 'x';
        file.bytes()[1] = 'y';
        assertArrayEquals("<p>hi</p>".getBytes(StandardCharsets.UTF_8), file.bytes());
        assertEquals(9, file.length());
        assertEquals(new WebContent.File("text/html; charset=utf-8", "<p>hi</p>".getBytes(StandardCharsets.UTF_8)),
                file);
    }

    @Test
    void aFileNeedsAContentType() {
        assertThrows(IllegalArgumentException.class, () -> new WebContent.File(" ", new byte[0]));
        assertThrows(NullPointerException.class, () -> new WebContent.File("text/plain", null));
    }

    @Test
    void aContextCarriesItsContentInOrderAndKeepsItAcrossOtherWithers() {
        TransportContext context = context();
        assertTrue(context.webContent().isEmpty());
        List<WebContent> contents = List.of(named("console"), named("docs"));
        TransportContext with = context.withWebContent(contents).withReadiness(List.of());
        assertEquals(contents, with.webContent());
    }

    @Test
    void twoContentsOfOneNameOrABadNameAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> context().withWebContent(List.of(named("console"), named("console"))));
        assertEquals("two web contents are named 'console'", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> context().withWebContent(List.of(named("Console"))));
    }
}
