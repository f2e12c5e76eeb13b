package dev.fairway.app.docs;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every relative link in the repository's Markdown files resolves to a file or directory inside the
 * repository, and a link to a heading of a Markdown file ({@code README.md#configuration}) names a heading
 * that file has. A clone has nothing outside the repository, so a link there is an error too.
 */
class MarkdownLinksTest {

    /** Surefire runs in the module's directory, {@code app/}. */
    private static final Path REPOSITORY_ROOT = Path.of("..").toAbsolutePath().normalize();

    private static final Set<String> SKIPPED_DIRECTORIES = Set.of("target", "node_modules");
    private static final Pattern INLINE_LINK = Pattern.compile("!?\\[[^\\]]*]\\(\\s*<?([^)\\s>]+)>?(?:\\s+\"[^\"]*\")?\\s*\\)");
    private static final Pattern REFERENCE_DEFINITION = Pattern.compile("(?m)^ {0,3}\\[[^\\]]+]:\\s*<?(\\S+?)>?(?:\\s.*)?$");
    private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*:");
    private static final Pattern HEADING = Pattern.compile("^ {0,3}#{1,6}\\s+(.*?)\\s*#*\\s*$");
    private static final Pattern HTML_ANCHOR = Pattern.compile("<a\\s+(?:name|id)=\"([^\"]+)\"");

    private final Map<Path, Set<String>> anchorsByFile = new HashMap<>();

    @Test
    void everyRelativeLinkResolvesInsideTheRepository() throws IOException {
        List<Path> files = markdownFiles();
        assertTrue(files.contains(REPOSITORY_ROOT.resolve("README.md")), "no README.md under " + REPOSITORY_ROOT);
        List<String> broken = new ArrayList<>();
        for (Path file : files) {
            for (String target : links(Files.readString(file, StandardCharsets.UTF_8))) {
                check(file, target).ifPresent(problem ->
                        broken.add(REPOSITORY_ROOT.relativize(file) + ": (" + target + ") " + problem));
            }
        }
        assertTrue(broken.isEmpty(), broken.size() + " broken link(s):\n  " + String.join("\n  ", broken));
    }

    @Test
    void headingsBecomeGitHubAnchors() {
        assertEquals("configuration-fairschedulerbuilder", slug("Configuration (`FairScheduler.builder()`)"));
        assertEquals("limits-and-abuse", slug("Limits and abuse"));
        assertEquals("1-the-interface", slug("1. The interface"));
        assertEquals("finals-when-the-limit-binds-2026-12-07", slug("Finals when the limit binds (2026-12-07)"));
        assertEquals("the-provider-guide", slug("The [provider guide](x.md)"));
    }

    @Test
    void brokenAndOutsideLinksAreFound() throws IOException {
        Path readme = REPOSITORY_ROOT.resolve("README.md");
        assertTrue(check(readme, "app/README.md").isEmpty());
        assertTrue(check(readme, "no-such-file.md").isPresent());
        assertTrue(check(readme, "../shared/DESIGN.md").isPresent());
        assertTrue(check(readme, "/etc/hosts").isPresent());
        assertTrue(check(readme, "app/README.md#no-such-heading").isPresent());
        assertEquals(List.of("a.md", "b.md#x", "c.md"),
                links("[a](a.md) `[no](code.md)` ![b](b.md#x \"title\")\n```\n[no](fenced.md)\n```\n[c]: c.md\n"));
    }

    private static List<Path> markdownFiles() throws IOException {
        try (Stream<Path> paths = Files.walk(REPOSITORY_ROOT)) {
            return paths.filter(path -> path.toString().endsWith(".md") && Files.isRegularFile(path))
                    .filter(path -> !skipped(path))
                    .sorted()
                    .toList();
        }
    }

    private static boolean skipped(Path file) {
        for (Path part : REPOSITORY_ROOT.relativize(file.getParent())) {
            String name = part.toString();
            if (name.startsWith(".") || SKIPPED_DIRECTORIES.contains(name)) {
                return true;
            }
        }
        return false;
    }

    /** The link targets of a Markdown text, leaving out code blocks and code spans. */
    static List<String> links(String markdown) {
        StringBuilder prose = new StringBuilder();
        boolean fenced = false;
        for (String line : markdown.split("\n", -1)) {
            String trimmed = line.stripLeading();
            if (trimmed.startsWith("```") || trimmed.startsWith("~~~")) {
                fenced = !fenced;
                continue;
            }
            if (!fenced) {
                prose.append(line.replaceAll("`[^`]*`", "``")).append('\n');
            }
        }
        List<String> targets = new ArrayList<>();
        Matcher inline = INLINE_LINK.matcher(prose);
        while (inline.find()) {
            targets.add(inline.group(1));
        }
        Matcher reference = REFERENCE_DEFINITION.matcher(prose);
        while (reference.find()) {
            targets.add(reference.group(1));
        }
        return targets;
    }

    private Optional<String> check(Path file, String target) throws IOException {
        if (SCHEME.matcher(target).find()) {
            return Optional.empty();
        }
        int hash = target.indexOf('#');
        String pathPart = URLDecoder.decode(hash < 0 ? target : target.substring(0, hash), StandardCharsets.UTF_8);
        String fragment = hash < 0 ? null : target.substring(hash + 1);
        if (pathPart.startsWith("/")) {
            return Optional.of("is absolute: a clone has only the repository");
        }
        Path resolved = pathPart.isEmpty() ? file : file.getParent().resolve(pathPart).normalize();
        if (!resolved.startsWith(REPOSITORY_ROOT)) {
            return Optional.of("points outside the repository");
        }
        if (!Files.exists(resolved)) {
            return Optional.of("no such file");
        }
        if (fragment != null && !fragment.isEmpty() && resolved.toString().endsWith(".md")
                && !anchors(resolved).contains(fragment.toLowerCase(Locale.ROOT))) {
            return Optional.of("no heading with anchor #" + fragment + " in "
                    + REPOSITORY_ROOT.relativize(resolved));
        }
        return Optional.empty();
    }

    private Set<String> anchors(Path markdownFile) {
        return anchorsByFile.computeIfAbsent(markdownFile, file -> {
            String text;
            try {
                text = Files.readString(file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Set<String> anchors = new HashSet<>();
            Map<String, Integer> seen = new HashMap<>();
            boolean fenced = false;
            for (String line : text.split("\n")) {
                String trimmed = line.stripLeading();
                if (trimmed.startsWith("```") || trimmed.startsWith("~~~")) {
                    fenced = !fenced;
                }
                Matcher html = HTML_ANCHOR.matcher(line);
                while (html.find()) {
                    anchors.add(html.group(1).toLowerCase(Locale.ROOT));
                }
                Matcher heading = HEADING.matcher(line);
                if (!fenced && heading.matches()) {
                    String slug = slug(heading.group(1));
                    int count = seen.merge(slug, 1, Integer::sum);
                    anchors.add(count == 1 ? slug : slug + "-" + (count - 1));
                }
            }
            return anchors;
        });
    }

    /** GitHub's anchor for a heading: lower case, links reduced to their text, punctuation dropped, spaces to dashes. */
    static String slug(String heading) {
        String text = heading.replaceAll("!?\\[([^\\]]*)]\\([^)]*\\)", "$1").toLowerCase(Locale.ROOT);
        return text.replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-');
    }
}
