package dev.fairway.provider.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fairway.provider.support.BatchSettings;
import dev.fairway.provider.support.HttpVersionChoice;
import dev.fairway.api.InvalidConfigurationException;
import dev.fairway.api.spi.BatchLimits;
import dev.fairway.api.spi.PluginConfig;
import dev.fairway.api.spi.ProviderContext;
import dev.fairway.api.spi.TranslationProvider;
import dev.fairway.api.spi.TranslationProviderFactory;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class OpenAiProviderFactoryTest {

    private static final String KEY = OpenAiProviderTest.KEY;

    private static OpenAiSettings settings(Map<String, String> config, Map<String, String> env) {
        return OpenAiSettings.from(PluginConfig.of(OpenAiSettings.PREFIX, config), env::get);
    }

    private static TranslationProvider create(Map<String, String> config, Map<String, String> env) {
        return new OpenAiProviderFactory(env::get, InstantSource.system())
                .create(ProviderContext.of(PluginConfig.of(OpenAiSettings.PREFIX, config)));
    }

    @Test
    void serviceLoaderFindsOpenai() {
        // The tests run inside this module, which provides the service but does not use it.
        getClass().getModule().addUses(TranslationProviderFactory.class);

        List<String> names = ServiceLoader.load(TranslationProviderFactory.class).stream()
                .map(p -> p.get().name()).toList();

        assertTrue(names.contains("openai"), names.toString());
    }

    @Test
    void servicesFileNamesTheFactoryForTheClassPath() throws IOException {
        try (InputStream in = getClass().getModule()
                .getResourceAsStream("META-INF/services/dev.fairway.api.spi.TranslationProviderFactory")) {
            assertEquals(OpenAiProviderFactory.class.getName(), new String(in.readAllBytes(), StandardCharsets.UTF_8).trim());
        }
    }

    @Test
    void missingKeyStopsCreateWithOneLineNamingTheKeyAndTheVariable() {
        InvalidConfigurationException e = assertThrows(InvalidConfigurationException.class,
                () -> create(Map.of(), Map.of()));

        assertEquals("fairway.provider.openai.api-key", e.key());
        assertFalse(e.getMessage().contains("\n"));
        assertEquals("fairway.provider.openai.api-key = (missing): expected an API key: set the environment variable "
                + "OPENAI_API_KEY (or fairway.provider.openai.api-key; fairway.provider.openai.auth = none for a server "
                + "without keys)", e.getMessage());
    }

    @Test
    void blankEnvironmentVariableCountsAsMissing() {
        assertThrows(InvalidConfigurationException.class, () -> create(Map.of(), Map.of("OPENAI_API_KEY", "  ")));
    }

    @Test
    void defaultsNeedOnlyAKeyAndContactNothing() {
        TranslationProvider provider = create(Map.of(), Map.of("OPENAI_API_KEY", KEY));
        try (provider) {
            OpenAiSettings s = ((OpenAiProvider) provider).settings();
            assertEquals("openai", provider.name());
            assertEquals("gpt-4o-mini", provider.model());
            assertEquals(URI.create("https://api.openai.com/v1"), s.http().baseUrl());
            assertEquals(KEY, s.http().apiKey());
            assertEquals(Duration.ofSeconds(30), s.http().requestTimeout());
            assertEquals(Duration.ofSeconds(10), s.http().connectTimeout());
            assertEquals(0.0, s.http().partialTemperature());
            assertEquals(0.2, s.http().finalTemperature());
            assertEquals("max_tokens", s.maxTokensParameter());
            assertFalse(s.streamFinals());
            assertEquals(OpenAiSettings.WarmUp.OFF, s.warmUp());
            assertEquals(Optional.of(new BatchLimits(16, 4_000)), provider.batchLimits());
            assertTrue(((OpenAiProvider) provider).warmUp().isDone());
        }
    }

    @Test
    void configuredKeyWinsOverTheEnvironment() {
        assertEquals("sk-configured", settings(Map.of("api-key", "sk-configured"), Map.of("OPENAI_API_KEY", KEY)).http().apiKey());
    }

    @Test
    void everyKeyIsRead() {
        OpenAiSettings s = settings(Map.ofEntries(
                Map.entry("base-url", "http://localhost:8000/v1/"),
                Map.entry("model", "Qwen/Qwen2.5-7B-Instruct"),
                Map.entry("organization", "org-1"),
                Map.entry("project", "proj-1"),
                Map.entry("request-timeout", "5s"),
                Map.entry("connect-timeout", "250ms"),
                Map.entry("temperature.partial", "0.1"),
                Map.entry("temperature.final", "0.5"),
                Map.entry("max-tokens.factor", "3"),
                Map.entry("max-tokens.min", "16"),
                Map.entry("max-tokens.max", "512"),
                Map.entry("streaming.finals", "on"),
                Map.entry("warm-up", "head"),
                Map.entry("warm-up.connections", "4"),
                Map.entry("http-version", "http1.1"),
                Map.entry("batch.max-segments", "8"),
                Map.entry("batch.max-tokens", "2500")), Map.of("OPENAI_API_KEY", KEY));

        assertEquals(URI.create("http://localhost:8000/v1"), s.http().baseUrl());
        assertEquals(URI.create("http://localhost:8000/v1/chat/completions"), s.endpoint("/chat/completions"));
        assertEquals("Qwen/Qwen2.5-7B-Instruct", s.http().model());
        assertEquals("org-1", s.organization());
        assertEquals("proj-1", s.project());
        assertEquals(Duration.ofSeconds(5), s.http().requestTimeout());
        assertEquals(Duration.ofMillis(250), s.http().connectTimeout());
        assertEquals(0.1, s.http().partialTemperature());
        assertEquals(0.5, s.http().finalTemperature());
        assertEquals(3.0, s.http().maxTokensFactor());
        assertEquals(16, s.http().maxTokensMin());
        assertEquals(512, s.http().maxTokensMax());
        assertTrue(s.streamFinals());
        assertEquals(OpenAiSettings.WarmUp.HEAD, s.warmUp());
        assertEquals(4, s.warmUpConnections());
        assertEquals(HttpVersionChoice.HTTP1_1, s.http().httpVersion());
        assertEquals(new BatchSettings(true, 8, 2500), s.batch());
    }

    @Test
    void batchingTurnsOffByKey() {
        Map<String, String> env = Map.of("OPENAI_API_KEY", KEY);
        assertEquals(Optional.empty(), settings(Map.of("batch.enabled", "false"), env).batch().limits());
        assertEquals(Optional.empty(), settings(Map.of("batch.max-segments", "1"), env).batch().limits());
    }

    @Test
    void badBaseUrlNamesTheKey() {
        InvalidConfigurationException e = assertThrows(InvalidConfigurationException.class,
                () -> settings(Map.of("base-url", "ftp://example.org"), Map.of("OPENAI_API_KEY", KEY)));

        assertTrue(e.getMessage().startsWith("fairway.provider.openai.base-url = 'ftp://example.org': expected an http://"),
                e.getMessage());
    }

    @Test
    void baseUrlWithUserInfoIsRejectedWithoutEchoingIt() {
        InvalidConfigurationException e = assertThrows(InvalidConfigurationException.class,
                () -> settings(Map.of("base-url", "https://user:hunter2@example.org/v1"), Map.of("OPENAI_API_KEY", KEY)));

        assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
    }

    @Test
    void outOfRangeValuesNameTheirKey() {
        Map<String, String> env = Map.of("OPENAI_API_KEY", KEY);
        assertEquals("fairway.provider.openai.temperature.final", assertThrows(InvalidConfigurationException.class,
                () -> settings(Map.of("temperature.final", "3"), env)).key());
        assertEquals("fairway.provider.openai.max-tokens.min", assertThrows(InvalidConfigurationException.class,
                () -> settings(Map.of("max-tokens.min", "600", "max-tokens.max", "500"), env)).key());
        assertEquals("fairway.provider.openai.request-timeout", assertThrows(InvalidConfigurationException.class,
                () -> settings(Map.of("request-timeout", "forever"), env)).key());
        assertEquals("fairway.provider.openai.warm-up", assertThrows(InvalidConfigurationException.class,
                () -> settings(Map.of("warm-up", "always"), env)).key());
        assertEquals("fairway.provider.openai.batch.max-segments", assertThrows(InvalidConfigurationException.class,
                () -> settings(Map.of("batch.max-segments", "0"), env)).key());
        assertEquals("fairway.provider.openai.batch.max-tokens", assertThrows(InvalidConfigurationException.class,
                () -> settings(Map.of("batch.max-tokens", "-5"), env)).key());
    }

    @Test
    void keyWithSpacesIsRejectedWithoutEchoingIt() {
        InvalidConfigurationException fromConfig = assertThrows(InvalidConfigurationException.class,
                () -> settings(Map.of("api-key", "sk-abc def-SECRET"), Map.of()));
        assertFalse(fromConfig.getMessage().contains("SECRET"), fromConfig.getMessage());
        assertEquals("fairway.provider.openai.api-key", fromConfig.key());

        InvalidConfigurationException fromEnv = assertThrows(InvalidConfigurationException.class,
                () -> settings(Map.of(), Map.of("OPENAI_API_KEY", "sk-abc\ndef-SECRET")));
        assertFalse(fromEnv.getMessage().contains("SECRET"), fromEnv.getMessage());
        assertEquals("OPENAI_API_KEY", fromEnv.key());
    }

    @Test
    void unknownKeysAreReportedNotSilentlyIgnored() {
        try (LogCapture logs = LogCapture.of(OpenAiSettings.class)) {
            // The batch key is known: the unknown ones are exactly the misspelt one.
            settings(Map.of("temprature.final", "0.1", "model", "m", "batch.max-segments", "4"),
                    Map.of("OPENAI_API_KEY", KEY));

            assertTrue(logs.lines().stream().anyMatch(l -> l.startsWith("WARNING ignoring unknown keys "
                    + "[fairway.provider.openai.temprature.final]")), logs.lines().toString());
        }
    }

    @Test
    void noAuthNeedsNoKey() {
        assertEquals("", settings(Map.of("auth", "none"), Map.of()).http().apiKey());
    }

    @Test
    void nothingShowsTheKey() {
        TranslationProvider provider = create(Map.of(), Map.of("OPENAI_API_KEY", KEY));
        try (provider) {
            OpenAiProviderTest.assertNoKey(provider.toString());
            OpenAiProviderTest.assertNoKey(((OpenAiProvider) provider).settings().toString());
            OpenAiProviderTest.assertNoKey(new OpenAiProviderFactory().toString());
        }
    }

    @Test
    void createdProviderIsTheOpenAiProvider() {
        try (TranslationProvider provider = create(Map.of("api-key", "k"), Map.of())) {
            assertInstanceOf(OpenAiProvider.class, provider);
        }
    }
}
