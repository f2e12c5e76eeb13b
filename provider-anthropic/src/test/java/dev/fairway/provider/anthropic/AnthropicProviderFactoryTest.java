package dev.fairway.provider.anthropic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fairway.provider.support.BatchSettings;
import dev.fairway.provider.support.HttpVersionChoice;
import dev.fairway.api.InvalidConfigurationException;
import dev.fairway.api.spi.BatchLimits;
import dev.fairway.api.spi.PluginConfig;
import dev.fairway.api.spi.ProviderContext;
import dev.fairway.api.spi.TranslationProvider;

import java.net.URI;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

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
            assertEquals("claude-haiku-4-5", provider.model(), "a current model; claude-3-5-haiku-latest is retired");
            assertEquals(URI.create("https://api.anthropic.com/v1/messages"), s.messagesUri());
            assertEquals(KEY, s.http().apiKey());
            assertEquals("2023-06-01", s.anthropicVersion());
            assertEquals(Duration.ofSeconds(30), s.http().requestTimeout());
            assertEquals(Duration.ofSeconds(10), s.http().connectTimeout());
            assertEquals(0.0, s.http().partialTemperature());
            assertEquals(0.2, s.http().finalTemperature());
            assertEquals(64, s.http().maxTokensMin());
            assertEquals(64_000, s.http().maxTokensMax(), "Claude Haiku 4.5's output limit");
            assertEquals(Optional.of(new BatchLimits(16, 4_000)), provider.batchLimits());
        }
    }

    @ParameterizedTest
    @CsvSource({
        "claude-haiku-4-5, 64000",
        "claude-haiku-4-5-20251001, 64000",
        "claude-sonnet-4-5, 64000",
        "claude-sonnet-4-0, 64000",
        "claude-opus-4-1-20250805, 32000",
        "claude-opus-4-0, 32000",
        "claude-opus-4-5, 64000",
        "claude-3-7-sonnet-latest, 64000",
        "claude-3-5-haiku-latest, 8192",
        "claude-3-haiku-20240307, 4096",
        "some-model-from-the-future, 4096"})
    void maxTokensCapFollowsTheModel(String model, int max) {
        assertEquals(max, settings(Map.of("model", model), Map.of("ANTHROPIC_API_KEY", KEY)).http().maxTokensMax());
    }

    @Test
    void configuredCapWinsBelowTheModelsLimitAndIsClampedAboveIt() {
        Map<String, String> env = Map.of("ANTHROPIC_API_KEY", KEY);
        assertEquals(2_000, settings(Map.of("model", "claude-3-5-haiku-latest", "max-tokens.max", "2000"), env)
                .http().maxTokensMax());
        assertEquals(8_192, settings(Map.of("model", "claude-3-5-haiku-latest", "max-tokens.max", "16384"), env)
                .http().maxTokensMax());
        assertEquals(16_384, settings(Map.of("model", "claude-next", "max-tokens.max", "16384"), env).http().maxTokensMax(),
                "whoever names a model Fairway does not know knows its limit");
        assertEquals("fairway.provider.anthropic.max-tokens.max = 16384 is above the output limit of model"
                + " 'claude-3-5-haiku-latest' (8192 tokens): 8192 is used, since Anthropic refuses a larger max_tokens",
                ModelLimits.clampMessage("fairway.provider.anthropic.max-tokens.max", 16_384, "claude-3-5-haiku-latest",
                        8_192));
    }

    @Test
    void minimumAboveTheModelsLimitNamesTheMinimum() {
        assertEquals("fairway.provider.anthropic.max-tokens.min", assertThrows(InvalidConfigurationException.class,
                () -> settings(Map.of("model", "claude-3-haiku", "max-tokens.min", "5000"),
                        Map.of("ANTHROPIC_API_KEY", KEY))).key());
    }

    @Test
    void configuredKeyWinsOverTheEnvironment() {
        assertEquals("k-configured", settings(Map.of("api-key", "k-configured"), Map.of("ANTHROPIC_API_KEY", KEY)).http().apiKey());
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
                Map.entry("http-version", "http1.1"),
                Map.entry("batch.enabled", "false"),
                Map.entry("batch.max-segments", "6"),
                Map.entry("batch.max-tokens", "3000")), Map.of("ANTHROPIC_API_KEY", KEY));

        assertEquals(URI.create("http://localhost:8080/v1/messages"), s.messagesUri());
        assertEquals("claude-sonnet-4-0", s.http().model());
        assertEquals("2024-01-01", s.anthropicVersion());
        assertEquals(Duration.ofSeconds(5), s.http().requestTimeout());
        assertEquals(Duration.ofMillis(250), s.http().connectTimeout());
        assertEquals(0.1, s.http().partialTemperature());
        assertEquals(0.5, s.http().finalTemperature());
        assertEquals(3.0, s.http().maxTokensFactor());
        assertEquals(16, s.http().maxTokensMin());
        assertEquals(512, s.http().maxTokensMax());
        assertEquals(HttpVersionChoice.HTTP1_1, s.http().httpVersion());
        assertEquals(new BatchSettings(false, 6, 3000), s.batch());
        assertEquals(Optional.empty(), s.batch().limits());
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
        assertEquals("fairway.provider.anthropic.batch.max-segments", assertThrows(InvalidConfigurationException.class,
                () -> settings(Map.of("batch.max-segments", "1000"), env)).key());
        assertEquals("fairway.provider.anthropic.batch.max-tokens", assertThrows(InvalidConfigurationException.class,
                () -> settings(Map.of("batch.max-tokens", "0"), env)).key());
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
