package dev.fairway.app.arch;

import java.io.File;
import java.lang.module.FindException;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Fairway's modules as the test run sees them: every {@code dev.fairway.*} module on the module path
 * or the class path (Surefire puts modules that the app does not require on the class path), with
 * the jar or directory it comes from.
 */
final class FairwayModules {

    private static final Set<String> SHORT_MODULES = Set.of("api", "app", "console");

    private FairwayModules() {
    }

    static List<ModuleReference> all() {
        Map<String, ModuleReference> found = new TreeMap<>();
        for (String property : List.of("jdk.module.path", "java.class.path")) {
            for (String entry : System.getProperty(property, "").split(File.pathSeparator)) {
                if (entry.isBlank()) {
                    continue;
                }
                Path path = Path.of(entry);
                boolean jar = entry.endsWith(".jar") && Files.isRegularFile(path);
                if (!jar && !Files.isRegularFile(path.resolve("module-info.class"))) {
                    continue;
                }
                try {
                    ModuleFinder.of(path).findAll().stream()
                            .filter(reference -> reference.descriptor().name().startsWith("dev.fairway."))
                            .forEach(reference -> found.putIfAbsent(reference.descriptor().name(), reference));
                } catch (FindException e) {
                    // Not a module (no name can be derived from it): not one of ours.
                }
            }
        }
        return List.copyOf(found.values());
    }

    /**
     * The Fairway module a package belongs to: the module's name is its root package, three parts for
     * {@code api}, {@code app} and {@code console} ({@code dev.fairway.api}), four for the others
     * ({@code dev.fairway.core.queue}, {@code dev.fairway.provider.fake}).
     */
    static String moduleOf(String packageName) {
        String[] parts = packageName.split("\\.");
        if (parts.length >= 3 && SHORT_MODULES.contains(parts[2])) {
            return String.join(".", parts[0], parts[1], parts[2]);
        }
        if (parts.length >= 4) {
            return String.join(".", parts[0], parts[1], parts[2], parts[3]);
        }
        return packageName;
    }
}
