package dev.fairway.console;

import dev.fairway.api.FairwayException;
import dev.fairway.api.spi.WebContent;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;

/**
 * The pages, scripts and styles of this module, and uPlot's from its WebJar, by the paths the transport serves
 * them at: {@code /} (the try-it page), {@code /console} (the operator console), {@code /assets/...} (scripts,
 * styles, uPlot under {@code /assets/vendor/}). Read once when built, from this module's
 * {@code META-INF/resources/fairway/} and the WebJar's {@code META-INF/resources/webjars/uplot/<version>/dist/}
 * (the version read from the WebJar's {@code pom.properties}, so no page names it); about 200 KB in memory.
 *
 * <p>Built by {@link java.util.ServiceLoader} (the public no-argument constructor).
 */
public final class ConsoleContent implements WebContent {

    /** Where this module's files are. */
    static final String ROOT = "META-INF/resources/fairway/";
    /** Where the WebJar keeps uPlot's files, before the version. */
    static final String UPLOT_ROOT = "META-INF/resources/webjars/uplot/";
    static final String UPLOT_POM = "META-INF/maven/org.webjars.npm/uplot/pom.properties";

    /** Page paths and the files behind them. */
    private static final Map<String, String> PAGES = Map.of("/", "index.html", "/console", "console.html");
    /** This module's assets, served under {@code /assets/}. */
    private static final Set<String> ASSETS = Set.of("fairway-client.js", "try.js", "console.js", "console-data.js",
            "sse.js", "token.js", "fairway.css", "favicon.svg");
    /** uPlot's files, served under {@code /assets/vendor/}. */
    private static final Set<String> UPLOT = Set.of("uPlot.esm.js", "uPlot.min.css");

    private final Map<String, File> files;

    /** Reads every file. */
    public ConsoleContent() {
        Map<String, File> read = new LinkedHashMap<>();
        ClassLoader loader = ConsoleContent.class.getClassLoader();
        PAGES.forEach((path, name) -> read.put(path, file(name, bytes(loader, ROOT + name))));
        for (String name : ASSETS) {
            read.put("/assets/" + name, file(name, bytes(loader, ROOT + "assets/" + name)));
        }
        String uplot = UPLOT_ROOT + uplotVersion(loader) + "/dist/";
        for (String name : UPLOT) {
            read.put("/assets/vendor/" + name, file(name, bytes(loader, uplot + name)));
        }
        this.files = Collections.unmodifiableMap(read);
    }

    @Override
    public String name() {
        return "console";
    }

    @Override
    public Optional<File> find(String path) {
        return Optional.ofNullable(files.get(path));
    }

    /**
     * The paths this content serves.
     *
     * @return every path, pages first
     */
    public Set<String> paths() {
        return files.keySet();
    }

    static String uplotVersion(ClassLoader loader) {
        Properties pom = new Properties();
        try (InputStream in = loader.getResourceAsStream(UPLOT_POM)) {
            if (in == null) {
                throw new FairwayException("the uPlot WebJar (org.webjars.npm:uplot) is not on the module path: "
                        + UPLOT_POM + " not found");
            }
            pom.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return pom.getProperty("version");
    }

    private static byte[] bytes(ClassLoader loader, String resource) {
        try (InputStream in = loader.getResourceAsStream(resource)) {
            if (in == null) {
                throw new FairwayException("the console's file " + resource + " is missing from the module path");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static File file(String name, byte[] bytes) {
        return new File(contentType(name), bytes);
    }

    static String contentType(String name) {
        String ext = name.substring(name.lastIndexOf('.') + 1);
        return switch (ext) {
            case "html" -> "text/html; charset=utf-8";
            case "js" -> "text/javascript; charset=utf-8";
            case "css" -> "text/css; charset=utf-8";
            case "svg" -> "image/svg+xml";
            case "json" -> "application/json";
            default -> "application/octet-stream";
        };
    }
}
