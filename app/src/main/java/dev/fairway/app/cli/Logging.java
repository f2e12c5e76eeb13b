package dev.fairway.app.cli;

import java.util.Locale;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Console logging. Libraries log through {@code System.Logger}, Micronaut through slf4j and Commons
 * Configuration through commons-logging; all three end in {@code java.util.logging}, set up here: one
 * line per record on standard error, at {@code fairway.log.level} ({@code warn} by default, so that
 * {@code providers} and {@code translate} print only their answers). A logging configuration of the
 * user's own ({@code -Djava.util.logging.config.file}) is left alone.
 */
final class Logging {

    private static final ConsoleFormatter FORMATTER = new ConsoleFormatter();

    private Logging() {
    }

    private static boolean userConfigured() {
        return System.getProperty("java.util.logging.config.file") != null
                || System.getProperty("java.util.logging.config.class") != null;
    }

    /** Sets the line format and the {@code warn} level; call before anything logs. */
    static void init() {
        if (userConfigured()) {
            return;
        }
        Logger root = Logger.getLogger("");
        root.setLevel(Level.WARNING);
        for (Handler handler : root.getHandlers()) {
            handler.setLevel(Level.ALL);
            handler.setFormatter(FORMATTER);
        }
    }

    /**
     * Applies the configured level.
     *
     * @param level a value of {@code fairway.log.level}
     */
    static void apply(String level) {
        if (userConfigured()) {
            return;
        }
        String lower = level.toLowerCase(Locale.ROOT);
        FORMATTER.stackTraces(lower.equals("debug") || lower.equals("trace"));
        Logger.getLogger("").setLevel(switch (lower) {
            case "error" -> Level.SEVERE;
            case "info" -> Level.INFO;
            case "debug" -> Level.FINE;
            case "trace" -> Level.FINEST;
            default -> Level.WARNING;
        });
    }
}
