package dev.fairway.app.config;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class ConfigurationReferenceTest {

    /** Surefire runs in the module's directory, {@code app/}. */
    private static final Path REPOSITORY_ROOT = Path.of("..").toAbsolutePath().normalize();

    /**
     * With {@code -DwriteConfigurationReference} ({@link ConfigurationReference#REGENERATE_COMMAND}) this test
     * writes the reference and the archive's conf/fairway.properties instead of comparing them.
     */
    @Test
    void referenceFileIsTheOneGeneratedFromTheKeyDefinitions() throws IOException {
        if (System.getProperty("writeConfigurationReference") != null) {
            System.out.println("wrote " + ConfigurationReference.write(REPOSITORY_ROOT));
            return;
        }
        compare(ConfigurationReference.FILE, ConfigurationReference.markdown());
        compare(ConfigurationReference.PROPERTIES_FILE, ConfigurationReference.properties());
    }

    @Test
    void propertiesFileListsEveryKeyWithItsDefaultCommentedOut() {
        String properties = ConfigurationReference.properties();
        for (ConfigKey<?> key : ConfigKeys.ALL) {
            assertTrue(properties.contains("\n#" + key.name() + " = " + key.defaultText() + "\n"), key.name());
        }
        assertTrue(properties.lines().allMatch(line -> line.isEmpty() || line.startsWith("#")), properties);
        assertTrue(properties.lines().allMatch(line -> line.length() <= 112), properties);
    }

    private static void compare(String name, String expected) throws IOException {
        Path file = REPOSITORY_ROOT.resolve(name);
        String actual = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        if (!expected.equals(actual)) {
            fail(name + " differs from the key definitions in ConfigKeys ("
                    + firstDifference(expected, actual) + "). Regenerate it from the repository root with:\n  "
                    + ConfigurationReference.REGENERATE_COMMAND);
        }
    }

    @Test
    void everyKeyHasARowWithItsEnvironmentVariableAndDefault() {
        String reference = ConfigurationReference.markdown();
        for (ConfigKey<?> key : ConfigKeys.ALL) {
            assertTrue(reference.contains("| `" + key.name() + "` | `" + key.envVar() + "` | " + key.type()
                    + " | `" + key.defaultText() + "` | "), key.name());
        }
    }

    @Test
    void theCliTableIsTheReferencesTables() {
        // `fairway config --markdown` prints ConfigKeys.markdownTable(): the same rows, under one header.
        String reference = ConfigurationReference.markdown();
        List<String> rows = ConfigKeys.markdownTable().lines().skip(2).toList();
        for (String row : rows) {
            assertTrue(reference.contains(row + "\n"), row);
        }
        assertEquals(ConfigKeys.ALL.size(), rows.size());
    }

    @Test
    void regenerateCommandRunsThisTestAndWritesTheFile() {
        assertTrue(ConfigurationReference.REGENERATE_COMMAND.contains("-Dtest=" + getClass().getSimpleName()));
        assertTrue(ConfigurationReference.REGENERATE_COMMAND.contains("-DwriteConfigurationReference"));
    }

    private static String firstDifference(String expected, String actual) {
        List<String> want = expected.lines().toList();
        List<String> have = actual.lines().toList();
        for (int i = 0; i < Math.max(want.size(), have.size()); i++) {
            String w = i < want.size() ? want.get(i) : "(end of file)";
            String h = i < have.size() ? have.get(i) : "(end of file)";
            if (!w.equals(h)) {
                return "first difference at line " + (i + 1) + ": expected '" + w + "' but the file has '" + h + "'";
            }
        }
        return "line endings differ";
    }
}
