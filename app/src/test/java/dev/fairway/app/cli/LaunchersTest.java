package dev.fairway.app.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The two launchers, the checkout's {@code ./fairway} and the archive's {@code bin/fairway}, look for a JDK
 * the same way and start the JVM with the same flags: the archive's copy of the search may not drift.
 */
class LaunchersTest {

    /** Surefire runs in the module's directory, {@code app/}. */
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path CHECKOUT = ROOT.resolve("fairway");
    private static final Path ARCHIVE = ROOT.resolve("distribution/src/dist/bin/fairway");

    @Test
    void javaSearchIsTheSameInBothLaunchers() throws IOException {
        for (String function : new String[] {"java_feature", "find_java"}) {
            assertEquals(function(CHECKOUT, function), function(ARCHIVE, function),
                    function + "() differs between ./fairway and distribution/src/dist/bin/fairway");
        }
    }

    @Test
    void bothLaunchersAllowSqliteNativeAccessAndPassJavaOpts() throws IOException {
        for (Path launcher : new Path[] {CHECKOUT, ARCHIVE}) {
            String text = Files.readString(launcher);
            assertTrue(text.contains("exec \"$JAVA\" --enable-native-access=org.xerial.sqlitejdbc ${JAVA_OPTS:-} -p "),
                    launcher.toString());
            assertTrue(text.contains(" -m dev.fairway.app/dev.fairway.app.Main \"$@\""), launcher.toString());
        }
    }

    /** The text of a shell function, from its first line to the closing brace at the start of a line. */
    private static String function(Path script, String name) throws IOException {
        String text = Files.readString(script);
        int start = text.indexOf("\n" + name + "() {");
        assertTrue(start >= 0, name + "() not found in " + script);
        int end = text.indexOf("\n}\n", start);
        return text.substring(start, end + 3);
    }
}
