package dev.fairway.app.cli;

import java.util.List;
import java.util.Locale;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Console logging. Libraries log through {@code System.Logger}, Micronaut through slf4j and Commons
 * Configuration through commons-logging; all three end in {@code java.util.logging}, set up here: one
 * line per record on standard error, at {@code fairway.log.level} ({@code warn} by default, so that
 * {@code providers} and {@code translate} print only their answers). A logging configuration of the
 * user's own ({@code -Djava.util.logging.config.file}) is left alone.
 *
 * <p>{@code fairway.log.format} picks the line: {@code text} ({@link ConsoleFormatter}) or {@code json}
 * ({@link JsonFormatter}, one JSON object per line). The configuration is read after the first lines may
 * be logged (a warning about a key, while the configuration loads): those follow
 * {@code FAIRWAY_LOG_FORMAT} or {@code -Dfairway.log.format} of the JVM when set, so that a collector
 * reading JSON gets JSON from the first line.
 *
 * <p>At {@code debug} and {@code trace}, the JDK's own chatty loggers (TLS handshakes, security
 * events, the HTTP client's internals) stay at {@code INFO}: {@code log.level=debug} is for
 * Fairway's lines, and one TLS handshake alone writes hundreds of JDK lines.
 */
final class Logging {

    private static final ConsoleFormatter TEXT = new ConsoleFormatter();
    private static final JsonFormatter JSON = new JsonFormatter();

    /**
     * The JDK's loggers kept at {@code INFO} or above. Held here: {@code java.util.logging} keeps
     * loggers weakly, and a level set on a logger that is collected would be lost.
     */
    static final List<Logger> JDK_LOGGERS = List.of(Logger.getLogger("javax.net.ssl"),
            Logger.getLogger("jdk.event.security"), Logger.getLogger("sun.net.www"),
            Logger.getLogger("jdk.internal.httpclient"), Logger.getLogger("jdk.httpclient"));

    private Logging() {
    }

    private static boolean userConfigured() {
        return System.getProperty("java.util.logging.config.file") != null
                || System.getProperty("java.util.logging.config.class") != null;
    }

    /**
     * Sets the line format (from {@code -Dfairway.log.format} or {@code FAIRWAY_LOG_FORMAT} when set, else
     * text) and the {@code warn} level; call before anything logs.
     */
    static void init() {
        if (userConfigured()) {
            return;
        }
        String format = System.getProperty("fairway.log.format");
        if (format == null) {
            format = System.getenv("FAIRWAY_LOG_FORMAT");
        }
        Logger root = Logger.getLogger("");
        root.setLevel(Level.WARNING);
        for (Handler handler : root.getHandlers()) {
            handler.setLevel(Level.ALL);
            handler.setFormatter(formatter(format));
        }
    }

    private static Formatter formatter(String format) {
        return format != null && format.trim().equalsIgnoreCase("json") ? JSON : TEXT;
    }

    /**
     * Applies the configured level and line format.
     *
     * @param level a value of {@code fairway.log.level}
     * @param format a value of {@code fairway.log.format}
     */
    static void apply(String level, String format) {
        if (userConfigured()) {
            return;
        }
        Formatter lines = formatter(format);
        for (Handler handler : Logger.getLogger("").getHandlers()) {
            // Only the console handlers this class set up: a handler added by an embedder keeps its format.
            if (handler.getFormatter() == TEXT || handler.getFormatter() == JSON) {
                handler.setFormatter(lines);
            }
        }
        String lower = level.toLowerCase(Locale.ROOT);
        TEXT.stackTraces(lower.equals("debug") || lower.equals("trace"));
        Level root = switch (lower) {
            case "error" -> Level.SEVERE;
            case "info" -> Level.INFO;
            case "debug" -> Level.FINE;
            case "trace" -> Level.FINEST;
            default -> Level.WARNING;
        };
        Logger.getLogger("").setLevel(root);
        // Finer than INFO is for Fairway's own lines; at INFO and above the JDK's follow the root.
        Level jdk = root.intValue() < Level.INFO.intValue() ? Level.INFO : null;
        for (Logger logger : JDK_LOGGERS) {
            logger.setLevel(jdk);
        }
    }
}
