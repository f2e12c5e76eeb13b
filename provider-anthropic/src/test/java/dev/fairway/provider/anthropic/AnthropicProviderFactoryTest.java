package dev.fairway.provider.anthropic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fairway.api.InvalidConfigurationException;
import dev.fairway.api.spi.PluginConfig;
import dev.fairway.api.spi.ProviderContext;
import dev.fairway.api.spi.TranslationProvider;

import java.net.URI;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AnthropicProviderFactoryTest {

    private static final String KEY = AnthropicProviderTest.KEY;

    private static AnthropicSettings settings(Map<String, String> config, Map<String, String> env) {
        return AnthropicSettings.from(PluginConfig.of(AnthropicSettings.PREFIX, config), env::get);
    }

    private static TranslationProvider create(Map<String, String> config, Map<String, String> env) {
        return new AnthropicProviderFactory(env::get, InstantSource.system())
                .create(ProviderContext.of(PluginConfig.of(AnthropicSettings.PREFIX, config)));
    }

    @Test
    void missingKeyStopsCreateWithOneLineNamingTheKeyAndTheVariable() {
        InvalidConfigurationException e = assertThrows(InvalidConfigurationException.class,
                () -> create(Map.of(), Map.of()));

        assertEquals("fairway.provider.anthropic.api-key = (missing): expected an API key: set the environment variable"
                + " ANTHROPIC_API_KEY (or fairway.provider.anthropic.api-key)", e.getMessage());
    }

    @Test
    void blankEnvironmentVariableCountsAsMissing() {
        assertThrows(InvalidConfigurationException.class, () -> create(Map.of(), Map.of("ANTHROPIC_API_KEY", " ")));
    }

    @Test
    void defaultsNeedOnlyAKeyAndContactNothing() {
        try (TranslationProvider provider = create(Map.of(), Map.of("ANTHROPIC_API_KEY", KEY))) {
            AnthropicSettings s = ((AnthropicProvider) provider).settings();
            assertEquals("anthropic", provider.name());
            assertEquals("claude-3-5-haiku-latest", provider.model());
            assertEquals(URI.create("https://api.anthropic.com/v1/messages"), s.messagesUri());
            assertEquals(KEY, s.apiKey());
            assertEquals("2023-06-01", s.anthropicVersion());
            assertEquals(Duration.ofSeconds(30), s.requestTimeout());
            assertEquals(Duration.ofSeconds(10), s.connectTimeout());
            assertEquals(0.0, s.partialTemperature());
            assertEquals(0.2, s.finalTemperature());
            assertEquals(64, s.maxTokensMin());
            assertEquals(8192, s.maxTokensMax());
        }
    }

    @Test
    void configuredKeyWinsOverTheEnvironment() {
        assertEquals("k-configured", settings(Map.of("api-key", "k-configured"), Map.of("ANTHROPIC_API_KEY", KEY)).apiKey());
    }

    @Test
    void everyKeyIsRead() {
        AnthropicSettings s = settings(Map.ofEntries(
                Map.entry("base-url", "http://localhost:8080/"),
                Map.entry("model", "claude-sonnet-4-0"),
                Map.entry("anthropic-version", "2024-01-01"),
                Map.entry("request-timeout", "5s"),
                Map.entry("connect-timeout", "250ms"),
                Map.entry("temperature.partial", "0.1"),
                Map.entry("temperature.final", "0.5"),
                Map.entry("max-tokens.factor", "3"),
                Map.entry("max-tokens.min", "16"),
                Map.entry("max-tokens.max", "512"),
                Map.entry("http-version", "http1.1")), Map.of("ANTHROPIC_API_KEY", KEY));

        assertEquals(URI.create("http://localhost:8080/v1/messages"), s.messagesUri());
        assertEquals("claude-sonnet-4-0", s.model());
        assertEquals("2024-01-01", s.anthropicVersion());
        assertEquals(Duration.ofSeconds(5), s.requestTimeout());
        assertEquals(Duration.ofMillis(250), s.connectTimeout());
        assertEquals(0.1, s.partialTemperature());
        assertEquals(0.5, s.finalTemperature());
        assertEquals(3.0, s.maxTokensFactor());
        assertEquals(16, s.maxTokensMin());
        assertEquals(512, s.maxTokensMax());
        assertEquals(AnthropicSettings.HttpVersionChoice.HTTP1_1, s.httpVersion());
    }

    @Test
    void badValuesNameTheirKey() {
        Map<String, String> env = Map.of("ANTHROPIC_API_KEY", KEY);
        assertEquals("fairway.provider.anthropic.base-url", assertThrows(InvalidConfigurationException.class,
                () -> settings(Map.of("base-url", "ftp://example.org"), env)).key());
        assertEquals("fairway.provider.anthropic.temperature.final", assertThrows(InvalidConfigurationException.class,
                () -> settings(Map.of("temperature.final", "1.5"), env)).key(), "Anthropic allows 0 to 1");
        assertEquals("fairway.provider.anthropic.max-tokens.min", assertThrows(InvalidConfigurationException.class,
                () -> settings(Map.of("max-tokens.min", "600", "max-tokens.max", "500"), env)).key());
        assertEquals("fairway.provider.anthropic.anthropic-version", assertThrows(InvalidConfigurationException.class,
                () -> settings(Map.of("anthropic-version", "2023 06 01"), env)).key());
        assertEquals("fairway.provider.anthropic.http-version", assertThrows(InvalidConfigurationException.class,
                () -> settings(Map.of("http-version", "http3"), env)).key());
    }

    @Test
    void baseUrlWithUserInfoIsRejectedWithoutEchoingIt() {
        InvalidConfigurationException e = assertThrows(InvalidConfigurationException.class,
                () -> settings(Map.of("base-url", "https://user:hunter2@example.org"), Map.of("ANTHROPIC_API_KEY", KEY)));

        assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
    }

    @Test
    void keyWithSpacesIsRejectedWithoutEchoingIt() {
        InvalidConfigurationException fromEnv = assertThrows(InvalidConfigurationException.class,
                () -> settings(Map.of(), Map.of("ANTHROPIC_API_KEY", "sk-ant abc-SECRET")));

        assertFalse(fromEnv.getMessage().contains("SECRET"), fromEnv.getMessage());
        assertEquals("ANTHROPIC_API_KEY", fromEnv.key());
    }

    @Test
    void factoryAndSettingsShowNoKey() {
        AnthropicProviderTest.assertNoKey(settings(Map.of(), Map.of("ANTHROPIC_API_KEY", KEY)).toString());
        AnthropicProviderTest.assertNoKey(new AnthropicProviderFactory().toString());
        assertTrue(new AnthropicProviderFactory().description().contains("Messages API"));
    }
}
