package dev.fairway.app.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
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
        Logging.apply("warn");
    }

    @Test
    void debugShowsFairwaysLinesButNotTheJdksSecurityAndHttpChatter() {
        Logging.apply("debug");

        assertTrue(Logger.getLogger("dev.fairway.provider.openai.OpenAiProvider").isLoggable(Level.FINE));
        for (String name : JDK) {
            assertFalse(Logger.getLogger(name).isLoggable(Level.FINE), name + " logs at FINE");
            assertTrue(Logger.getLogger(name).isLoggable(Level.INFO), name + " hides INFO");
        }
    }

    @Test
    void atWarnTheJdksLoggersFollowTheRootAgain() {
        Logging.apply("trace");
        Logging.apply("warn");

        for (String name : JDK) {
            assertFalse(Logger.getLogger(name).isLoggable(Level.INFO), name + " logs INFO at warn");
        }
    }
}
