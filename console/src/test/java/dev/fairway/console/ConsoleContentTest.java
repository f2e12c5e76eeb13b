package dev.fairway.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fairway.api.spi.WebContent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class ConsoleContentTest {

    private static final Path ASSETS = Path.of("src/main/resources", ConsoleContent.ROOT, "assets");
    /** Every same-origin reference of a page or a script: src, href, import ... from, import(). */
    private static final Pattern REFERENCE = Pattern.compile("(?:src|href)=\"(/[^\"]*)\"|from '(/[^']*)'|import\\('(/[^']*)'\\)");

    private final ConsoleContent content = new ConsoleContent();

    @Test
    void theModuleProvidesItAsWebContent() {
        // (ServiceLoader.load here would need a `uses` in this module: the app, which loads it, declares that.)
        assertTrue(ConsoleContent.class.getModule().getDescriptor().provides().stream()
                .anyMatch(p -> p.service().equals(WebContent.class.getName())
                        && p.providers().equals(java.util.List.of(ConsoleContent.class.getName()))));
        assertEquals("console", content.name());
    }

    @Test
    void pagesAndAssetsHaveTheirMediaTypes() {
        assertEquals("text/html; charset=utf-8", content.find("/").orElseThrow().contentType());
        assertEquals("text/html; charset=utf-8", content.find("/console").orElseThrow().contentType());
        assertEquals("text/javascript; charset=utf-8",
                content.find("/assets/fairway-client.js").orElseThrow().contentType());
        assertEquals("text/css; charset=utf-8", content.find("/assets/fairway.css").orElseThrow().contentType());
        assertEquals("image/svg+xml", content.find("/assets/favicon.svg").orElseThrow().contentType());
        assertTrue(content.find("/nothing").isEmpty());
        assertTrue(content.find("/assets/").isEmpty());
    }

    @Test
    void uPlotComesFromItsWebJar() {
        assertEquals("1.6.30", ConsoleContent.uplotVersion(ConsoleContent.class.getClassLoader()));
        String esm = new String(content.find("/assets/vendor/uPlot.esm.js").orElseThrow().bytes(), StandardCharsets.UTF_8);
        assertTrue(esm.contains("export { uPlot as default }"), "the ES module build");
        assertTrue(content.find("/assets/vendor/uPlot.min.css").isPresent());
    }

    @Test
    void everyFileInTheAssetsFolderIsServedAndNothingElse() throws IOException {
        Set<String> onDisk;
        try (Stream<Path> files = Files.list(ASSETS)) {
            onDisk = files.map(p -> "/assets/" + p.getFileName()).collect(Collectors.toCollection(TreeSet::new));
        }
        Set<String> served = content.paths().stream().filter(p -> p.startsWith("/assets/") && !p.startsWith("/assets/vendor/"))
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(onDisk, served);
    }

    @Test
    void everyReferenceOfThePagesAndScriptsIsServed() {
        Set<String> missing = new TreeSet<>();
        for (String path : content.paths()) {
            WebContent.File file = content.find(path).orElseThrow();
            if (!file.contentType().startsWith("text/html") && !path.endsWith(".js") || path.startsWith("/assets/vendor/")) {
                continue;
            }
            Matcher m = REFERENCE.matcher(new String(file.bytes(), StandardCharsets.UTF_8));
            while (m.find()) {
                String ref = m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3);
                if (content.find(ref).isEmpty()) {
                    missing.add(path + " -> " + ref);
                }
            }
        }
        assertTrue(missing.isEmpty(), missing.toString());
    }
}
