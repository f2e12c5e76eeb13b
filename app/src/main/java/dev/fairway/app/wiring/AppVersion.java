package dev.fairway.app.wiring;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** The application's version, as the build wrote it into {@code dev/fairway/app/version.properties}. */
public final class AppVersion {

    private static final String VERSION = read();

    private AppVersion() {
    }

    /**
     * The version.
     *
     * @return for example {@code 0.1.0-SNAPSHOT}
     */
    public static String current() {
        return VERSION;
    }

    private static String read() {
        try (InputStream in = AppVersion.class.getModule()
                .getResourceAsStream("dev/fairway/app/version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("version", "unknown");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
