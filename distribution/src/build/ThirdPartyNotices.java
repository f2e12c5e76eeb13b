import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes THIRD-PARTY.txt, the licences of the jars the archive bundles in lib/, from the licence metadata of
 * each dependency's POM (or of its nearest parent POM that declares one), read from the local Maven
 * repository: no network. Fails the build when a bundled jar has no licence anywhere in its POM chain, so that
 * a new dependency cannot ship unlisted.
 *
 * <p>Run by the build (exec:exec) with the java source launcher:
 * {@code java ThirdPartyNotices.java DEPENDENCY_LIST LOCAL_REPOSITORY OUTPUT TITLE}, where DEPENDENCY_LIST is
 * the output of {@code dependency:list -DoutputAbsoluteArtifactFilename=true}.
 */
public final class ThirdPartyNotices {

    /** {@code group:artifact:type[:classifier]:version:scope:/path/to/file [-- module name]}. */
    private static final Pattern LINE = Pattern.compile(
            "^\\s*([^:\\s]+):([^:\\s]+):([^:\\s]+)(?::([^:\\s]+))?:([^:\\s]+):(compile|runtime|provided|system):(\\S+?)(?:\\s+--.*)?$");

    private record Artifact(String group, String artifact, String classifier, String version, String type) {
        String fileName() {
            return artifact + "-" + version + (classifier == null ? "" : "-" + classifier) + "." + type;
        }

        String coordinates() {
            return group + ":" + artifact + ":" + version;
        }
    }

    private record License(String name, String url) {
        String text() {
            return url.isBlank() ? name : name + " <" + url + ">";
        }
    }

    private record Pom(String name, String url, List<License> licenses, Optional<String[]> parent) {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            throw new IllegalArgumentException("usage: ThirdPartyNotices DEPENDENCY_LIST LOCAL_REPOSITORY OUTPUT TITLE");
        }
        Path list = Path.of(args[0]);
        Path repository = Path.of(args[1]);
        Path output = Path.of(args[2]);
        String title = args[3];

        Map<String, Artifact> own = new TreeMap<>();
        Map<String, String> blocks = new TreeMap<>();
        Map<String, List<String>> byLicense = new TreeMap<>();
        List<String> missing = new ArrayList<>();
        for (String line : Files.readAllLines(list, StandardCharsets.UTF_8)) {
            Matcher m = LINE.matcher(line);
            if (!m.matches()) {
                continue;
            }
            Artifact a = new Artifact(m.group(1), m.group(2), m.group(4), m.group(5), m.group(3));
            if (a.group().equals("dev.fairway")) {
                own.put(a.fileName(), a);
                continue;
            }
            Path pomFile = pom(repository, a.group(), a.artifact(), a.version());
            Pom pom = read(pomFile);
            List<License> licenses = pom.licenses();
            for (Optional<String[]> parent = pom.parent(); licenses.isEmpty() && parent.isPresent(); ) {
                String[] p = parent.get();
                Pom parentPom = read(pom(repository, p[0], p[1], p[2]));
                licenses = parentPom.licenses();
                parent = parentPom.parent();
            }
            if (licenses.isEmpty()) {
                missing.add(a.coordinates() + " (" + pomFile + ")");
                continue;
            }
            StringBuilder block = new StringBuilder();
            block.append("lib/").append(a.fileName()).append("\n");
            block.append("    ").append(a.coordinates());
            if (!pom.name().isBlank()) {
                block.append(" (").append(pom.name()).append(")");
            }
            block.append("\n");
            if (!pom.url().isBlank()) {
                block.append("    ").append(pom.url()).append("\n");
            }
            for (License license : licenses) {
                block.append("    License: ").append(license.text()).append("\n");
                byLicense.computeIfAbsent(license.name(), k -> new ArrayList<>()).add(a.fileName());
            }
            blocks.put(a.fileName(), block.toString());
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException("no licence in the POM (or its parents) of: " + String.join(", ", missing));
        }
        if (blocks.isEmpty()) {
            throw new IllegalStateException("no dependency found in " + list);
        }

        StringBuilder out = new StringBuilder();
        out.append(title).append(": third-party software in lib/\n\n");
        out.append("Generated at build time from the licence metadata of each bundled library's Maven POM (or of the\n");
        out.append("nearest parent POM that declares one). Each licence's full text is at the URL given.\n\n");
        out.append("Licences, with the number of jars under each:\n");
        byLicense.forEach((name, jars) -> out.append("    ").append(name).append(": ").append(jars.size()).append("\n"));
        out.append("\nFairway's own modules, this project's and not third-party software, are not listed below:\n");
        own.keySet().forEach(jar -> out.append("    lib/").append(jar).append("\n"));
        out.append("\n");
        out.append("Libraries:\n\n");
        blocks.values().forEach(block -> out.append(block).append("\n"));
        Files.createDirectories(output.toAbsolutePath().getParent());
        Files.writeString(output, out.toString(), StandardCharsets.UTF_8);
        System.out.println("ThirdPartyNotices: " + blocks.size() + " libraries, " + byLicense.size() + " licences -> " + output);
    }

    private static Path pom(Path repository, String group, String artifact, String version) {
        return repository.resolve(group.replace('.', '/')).resolve(artifact).resolve(version)
                .resolve(artifact + "-" + version + ".pom");
    }

    private static Pom read(Path file) throws Exception {
        if (!Files.isRegularFile(file)) {
            throw new IOException("no POM at " + file);
        }
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(false);
        factory.setExpandEntityReferences(false);
        Document document = factory.newDocumentBuilder().parse(file.toFile());
        Element project = document.getDocumentElement();
        List<License> licenses = new ArrayList<>();
        Element licensesElement = child(project, "licenses");
        if (licensesElement != null) {
            for (Node n = licensesElement.getFirstChild(); n != null; n = n.getNextSibling()) {
                if (n instanceof Element license && license.getTagName().equals("license")) {
                    licenses.add(new License(text(license, "name"), text(license, "url")));
                }
            }
        }
        Element parent = child(project, "parent");
        Optional<String[]> parentCoordinates = parent == null ? Optional.empty()
                : Optional.of(new String[] {text(parent, "groupId"), text(parent, "artifactId"), text(parent, "version")});
        return new Pom(text(project, "name"), text(project, "url"), licenses, parentCoordinates);
    }

    private static Element child(Element parent, String name) {
        NodeList children = parent.getChildNodes();
        for (int i = 0; i < children.getLength(); i++) {
            if (children.item(i) instanceof Element e && e.getTagName().equals(name)) {
                return e;
            }
        }
        return null;
    }

    private static String text(Element parent, String name) {
        Element e = child(parent, name);
        return e == null ? "" : e.getTextContent().strip().replaceAll("\\s+", " ");
    }
}
