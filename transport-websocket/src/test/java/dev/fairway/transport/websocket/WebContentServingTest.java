package dev.fairway.transport.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fairway.api.spi.WebContent;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/** The application's web content ({@code TransportContext.webContent()}) served as it is, without a token. */
class WebContentServingTest {

    /** The server under test, closed after each test. */
    @AutoClose
    private Fixture fixture;

    private static WebContent content(String name, Map<String, String> files) {
        return new WebContent() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Optional<File> find(String path) {
                String body = files.get(path);
                if (body == null) {
                    return Optional.empty();
                }
                String type = path.endsWith(".js") ? "text/javascript; charset=utf-8" : "text/html; charset=utf-8";
                return Optional.of(new File(type, body.getBytes(StandardCharsets.UTF_8)));
            }
        };
    }

    private Fixture start(Map<String, String> config, WebContent... contents) {
        return Fixture.withWebContent(TestScheduler.echo(), config, List.of(contents), Map::of);
    }

    @Test
    void pagesAreServedWithoutATokenAndWithASecurityPolicy() {
        fixture = start(Map.of("auth.tokens", "some-secret-token"),
                content("console", Map.of("/", "<h1>try it</h1>", "/assets/app.js", "export {};")));
        HttpResponse<String> page = fixture.get("/");
        assertEquals(200, page.statusCode());
        assertEquals("<h1>try it</h1>", page.body());
        assertEquals("text/html; charset=utf-8", page.headers().firstValue("content-type").orElse(""));
        assertEquals(WebSocketTransport.CONTENT_SECURITY_POLICY,
                page.headers().firstValue("content-security-policy").orElse(""));
        assertEquals("nosniff", page.headers().firstValue("x-content-type-options").orElse(""));
        HttpResponse<String> script = fixture.get("/assets/app.js");
        assertEquals(200, script.statusCode());
        assertEquals("text/javascript; charset=utf-8", script.headers().firstValue("content-type").orElse(""));
        assertFalse(script.headers().firstValue("content-security-policy").isPresent());
    }

    @Test
    void theFirstContentWithTheFileWinsAndOtherPathsAre404() {
        fixture = start(Map.of(), content("first", Map.of("/a", "first")),
                content("second", Map.of("/a", "second", "/b", "second")));
        assertEquals("first", fixture.get("/a").body());
        assertEquals("second", fixture.get("/b").body());
        assertEquals(404, fixture.get("/c").statusCode());
        assertEquals(200, fixture.get("/health").statusCode(), "the transport's own endpoints come first");
    }

    @Test
    void withoutContentTheRootIsNotFound() {
        fixture = start(Map.of());
        assertEquals(404, fixture.get("/").statusCode());
    }

    @Test
    void dotSegmentsAndOddPathsAreNeverAskedFor() {
        assertTrue(WebSocketTransport.safePath("/assets/app.js"));
        assertTrue(WebSocketTransport.safePath("/"));
        for (String bad : List.of("/../etc/passwd", "/assets/../x", "/./x", "//x", "/a\\b", "/a\u0000b", "x")) {
            assertFalse(WebSocketTransport.safePath(bad), bad);
        }
    }
}
