package dev.fairway.transport.websocket;

import dev.fairway.api.InvalidConfigurationException;
import dev.fairway.api.spi.PluginConfig;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SettingsTest {

    private static Settings read(Map<String, String> keys) {
        return Settings.from(PluginConfig.of(Settings.PREFIX, keys));
    }

    @Test
    void defaultsAreSafeForALocalServer() {
        Settings s = read(Map.of());
        assertEquals("127.0.0.1", s.host());
        assertEquals(8080, s.port());
        assertEquals("/v1/session", s.path());
        assertEquals(4000, s.maxTextChars());
        assertEquals(65_536, s.maxFrameBytes());
        assertEquals(4 * 65_536, s.hardFrameBytes());
        assertEquals(50, s.maxMessagesPerSecond());
        assertEquals(100, s.burst());
        assertEquals(256, s.outboundQueueLimit());
        assertEquals(1 << 20, s.outboundMaxBytes());
        assertEquals(Runtime.getRuntime().maxMemory() / 8, s.outboundMaxTotalBytes());
        assertEquals(Duration.ofMinutes(5), s.idleTimeout());
        assertEquals(Duration.ofSeconds(5), s.closeTimeout());
        assertEquals(Duration.ofSeconds(10), s.requestHeadTimeout());
        assertFalse(s.authRequired());
        assertTrue(s.allowedOrigins().isEmpty());
    }

    @Test
    void everyKeyIsRead() {
        Settings s = read(Map.ofEntries(Map.entry("host", "0.0.0.0"), Map.entry("port", "0"),
                Map.entry("path", "/ws"), Map.entry("max-text-chars", "100"), Map.entry("max-frame-bytes", "2048"),
                Map.entry("max-messages-per-second", "5"), Map.entry("max-messages-burst", "7"),
                Map.entry("outbound-queue-limit", "9"), Map.entry("outbound-max-bytes", "4096"),
                Map.entry("outbound-max-total-bytes", "1_000_000"), Map.entry("idle-timeout", "0"),
                Map.entry("close-timeout", "250ms"), Map.entry("request-head-timeout", "3s"), Map.entry("auth.tokens", " token-one-1 ,token-two-2,"),
                Map.entry("allowed-origins", "https://a.example, http://localhost:3000"),
                Map.entry("shutdown-notice", "bye")));
        assertEquals("0.0.0.0", s.host());
        assertEquals(0, s.port());
        assertEquals("/ws", s.path());
        assertEquals(100, s.maxTextChars());
        assertEquals(2048, s.maxFrameBytes());
        assertEquals(5, s.maxMessagesPerSecond());
        assertEquals(7, s.burst());
        assertEquals(9, s.outboundQueueLimit());
        assertEquals(4096, s.outboundMaxBytes());
        assertEquals(1_000_000, s.outboundMaxTotalBytes());
        assertEquals(Duration.ofSeconds(3), s.requestHeadTimeout());
        assertEquals(Duration.ZERO, s.idleTimeout());
        assertEquals(Duration.ofMillis(250), s.closeTimeout());
        assertEquals(List.of("token-one-1", "token-two-2"), s.authTokens());
        assertEquals(Set.of("https://a.example", "http://localhost:3000"), s.allowedOrigins());
        assertEquals("bye", s.shutdownNotice());
    }

    @Test
    void badValuesNameTheFullKey() {
        InvalidConfigurationException port = assertThrows(InvalidConfigurationException.class,
                () -> read(Map.of("port", "http")));
        assertEquals("fairway.transport.websocket.port", port.key());
        assertThrows(InvalidConfigurationException.class, () -> read(Map.of("path", "no-slash")));
        assertThrows(InvalidConfigurationException.class, () -> read(Map.of("path", "/health")));
        assertThrows(InvalidConfigurationException.class, () -> read(Map.of("max-frame-bytes", "10")));
        assertThrows(InvalidConfigurationException.class, () -> read(Map.of("max-messages-per-second", "0")));
        assertThrows(InvalidConfigurationException.class, () -> read(Map.of("idle-timeout", "forever")));
        assertThrows(InvalidConfigurationException.class, () -> read(Map.of("outbound-max-bytes", "100")));
        assertThrows(InvalidConfigurationException.class, () -> read(Map.of("outbound-max-total-bytes", "1000")));
        assertThrows(InvalidConfigurationException.class, () -> read(Map.of("request-head-timeout", "0")));
        InvalidConfigurationException origin = assertThrows(InvalidConfigurationException.class,
                () -> read(Map.of("allowed-origins", "https://a.example/path")));
        assertTrue(origin.getMessage().contains("allowed-origins"), origin.getMessage());
    }

    @Test
    void aBadTokenIsReportedWithoutItsValue() {
        InvalidConfigurationException e = assertThrows(InvalidConfigurationException.class,
                () -> read(Map.of("auth.tokens", "good-token-1,short")));
        assertFalse(e.getMessage().contains("short"), e.getMessage());
        assertFalse(e.getMessage().contains("good-token-1"), e.getMessage());
        assertEquals("fairway.transport.websocket.auth.tokens", e.key());
    }

    @Test
    void toStringHidesTokens() {
        String text = read(Map.of("auth.tokens", "very-secret-token")).toString();
        assertFalse(text.contains("very-secret-token"), text);
        assertTrue(text.contains("1 configured"), text);
    }

    @Test
    void everyKeyHasItsRowInTheReadme() throws java.io.IOException {
        String readme = java.nio.file.Files.readString(java.nio.file.Path.of("README.md"));
        for (String key : Settings.KEYS) {
            org.junit.jupiter.api.Assertions.assertTrue(readme.contains("| `" + key + "` | `FAIRWAY_TRANSPORT_WEBSOCKET_"
                    + key.toUpperCase(java.util.Locale.ROOT).replace('.', '_').replace('-', '_') + "` |"),
                    key + " has no row in the configuration table of README.md");
        }
    }
}
