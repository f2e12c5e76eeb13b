package dev.fairway.app.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LoggingTest {

    private static final List<String> JDK = List.of("javax.net.ssl", "jdk.event.security", "sun.net.www",
            "sun.net.www.protocol.http.HttpURLConnection", "jdk.internal.httpclient", "jdk.internal.httpclient.debug",
            "jdk.httpclient.HttpClient");

    @AfterEach
    void restore() {
        Logging.apply("warn", "text");
    }

    @Test
    void debugShowsFairwaysLinesButNotTheJdksSecurityAndHttpChatter() {
        Logging.apply("debug", "text");

        assertTrue(Logger.getLogger("dev.fairway.provider.openai.OpenAiProvider").isLoggable(Level.FINE));
        for (String name : JDK) {
            assertFalse(Logger.getLogger(name).isLoggable(Level.FINE), name + " logs at FINE");
            assertTrue(Logger.getLogger(name).isLoggable(Level.INFO), name + " hides INFO");
        }
    }

    @Test
    void theFormatKeySwapsTheConsoleLinesBetweenTextAndJson() {
        Logging.init();
        Logging.apply("warn", "json");
        for (Handler handler : Logger.getLogger("").getHandlers()) {
            assertInstanceOf(JsonFormatter.class, handler.getFormatter());
        }
        Logging.apply("warn", "text");
        for (Handler handler : Logger.getLogger("").getHandlers()) {
            assertInstanceOf(ConsoleFormatter.class, handler.getFormatter());
        }
    }

    @Test
    void aHandlerOfAnEmbeddersKeepsItsFormat() {
        Handler own = new java.util.logging.StreamHandler(java.io.OutputStream.nullOutputStream(),
                new java.util.logging.SimpleFormatter());
        java.util.logging.Formatter format = own.getFormatter();
        Logger.getLogger("").addHandler(own);
        try {
            Logging.apply("warn", "json");
            assertSame(format, own.getFormatter());
        } finally {
            Logger.getLogger("").removeHandler(own);
        }
    }

    @Test
    void atWarnTheJdksLoggersFollowTheRootAgain() {
        Logging.apply("trace", "text");
        Logging.apply("warn", "text");

        for (String name : JDK) {
            assertFalse(Logger.getLogger(name).isLoggable(Level.INFO), name + " logs INFO at warn");
        }
    }
}
