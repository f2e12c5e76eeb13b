package dev.fairway.provider.fake;

import dev.fairway.test.support.ManualClock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fairway.api.InvalidConfigurationException;
import dev.fairway.api.SegmentKind;
import dev.fairway.api.SessionId;
import dev.fairway.api.TranslationRequest;
import dev.fairway.api.TranslationResult;
import dev.fairway.api.spi.BatchLimits;
import dev.fairway.api.spi.PluginConfig;
import dev.fairway.api.spi.ProviderContext;
import dev.fairway.api.spi.TranslationProvider;
import dev.fairway.api.spi.TranslationProviderFactory;
import io.opentelemetry.api.OpenTelemetry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FakeProviderFactoryTest {

    private static final String PREFIX = "fairway.provider.fake";
    private static final TranslationRequest HELLO =
            new TranslationRequest(SessionId.of("s-1"), SegmentKind.FINAL, 0, "Hello", "en", "de", 40);

    @Test
    void serviceLoaderFindsFakeByName() {
        // The test runs inside the provider's module, which declares no 'uses' of its own.
        FakeProviderFactoryTest.class.getModule().addUses(TranslationProviderFactory.class);
        TranslationProviderFactory factory = ServiceLoader.load(TranslationProviderFactory.class).stream()
                .map(ServiceLoader.Provider::get)
                .filter(f -> f.name().equals("fake"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no provider factory named 'fake'"));
        assertInstanceOf(FakeProviderFactory.class, factory);
        assertTrue(!factory.description().isBlank() && !factory.description().contains("\n"));
    }

    @Test
    void servicesFileNamesTheFactoryForTheClassPath() throws IOException {
        try (InputStream in = FakeProviderFactory.class.getModule()
                .getResourceAsStream("META-INF/services/dev.fairway.api.spi.TranslationProviderFactory")) {
            assertNotNull(in);
            assertEquals(FakeProviderFactory.class.getName(), new String(in.readAllBytes(), StandardCharsets.UTF_8).trim());
        }
    }

    @Test
    void createReadsItsKeys() throws InterruptedException {
        ManualClock clock = ManualClock.create();
        PluginConfig config = PluginConfig.of(PREFIX, Map.of(
                "latency.base", "0", "latency.per-token", "0", "latency.jitter", "0",
                "rpm", "1_000", "tpm", "90000", "model", "fake-large", "seed", "3"));
        TranslationProvider provider = new FakeProviderFactory()
                .create(new ProviderContext(config, OpenTelemetry.noop(), clock));
        assertEquals("fake", provider.name());
        assertEquals("fake-large", provider.model());
        TranslationResult result = provider.translate(HELLO);
        assertEquals("[de] Hallo", result.text());
        assertEquals(OptionalLong.of(1000), result.rateLimit().requestLimit());
        assertEquals(OptionalLong.of(90_000), result.rateLimit().tokenLimit());
        provider.close();
        provider.close();
    }

    @Test
    void configuredLatencyIsSpent() throws InterruptedException {
        ManualClock clock = ManualClock.create();
        PluginConfig config = PluginConfig.of(PREFIX, Map.of(
                "latency.base", "150ms", "latency.per-token", "3ms", "latency.jitter", "0"));
        FakeProvider provider = FakeProvider.builder().clock(clock).sleeper(clock::sleep).config(config).build();
        TranslationResult result = provider.translate(HELLO);
        assertEquals(Duration.ofMillis(150 + 3L * result.usage().completionTokens()), result.providerLatency());
    }

    @Test
    void batchKeysSetTheBatchLimits() {
        PluginConfig config = PluginConfig.of(PREFIX, Map.of("batch.max-segments", "8", "batch.max-tokens", "2_000",
                "batch.misnumber-rate", "0.1", "batch.drop-rate", "0.05"));
        TranslationProvider provider = new FakeProviderFactory().create(ProviderContext.of(config));
        assertEquals(Optional.of(new BatchLimits(8, 2_000)), provider.batchLimits());
        assertEquals(Optional.of(new BatchLimits(16, 4_000)),
                new FakeProviderFactory().create(ProviderContext.of(PluginConfig.empty(PREFIX))).batchLimits());
    }

    @Test
    void oneSegmentABatchTurnsBatchingOff() {
        PluginConfig config = PluginConfig.of(PREFIX, Map.of("batch.max-segments", "1"));
        TranslationProvider provider = new FakeProviderFactory().create(ProviderContext.of(config));
        assertEquals(Optional.empty(), provider.batchLimits());
        assertThrows(UnsupportedOperationException.class,
                () -> provider.translateBatch(List.of(HELLO, HELLO), (index, result) -> { }));
    }

    @Test
    void defaultsAreAboveFairwaysOwnLimits() {
        FakeProvider provider = FakeProvider.create(PluginConfig.empty(PREFIX), ManualClock.create());
        assertEquals(5_000, provider.requestsPerMinute());
        assertEquals(2_000_000, provider.tokensPerMinute());
        assertEquals("fake-small", provider.model());
    }

    @ParameterizedTest
    @CsvSource({
        "latency.base, fast",
        "latency.per-token, -1ms",
        "latency.jitter, 2 parsecs",
        "seed, lucky",
        "rpm, -1",
        "tpm, lots",
        "fault.rate-429, 1.5",
        "fault.rate-5xx, often",
        "fault.rate-timeout, -0.1",
        "fault.rate-garbage, 2",
        "fault.retry-after, soon",
        "timeout, never",
        "batch.max-segments, 0",
        "batch.max-segments, 1001",
        "batch.max-segments, many",
        "batch.max-tokens, 0",
        "batch.max-tokens, 1_000_001",
        "batch.misnumber-rate, 1.5",
        "batch.misnumber-rate, sometimes",
        "batch.drop-rate, -0.1",
    })
    void badValueNamesTheKey(String key, String value) {
        PluginConfig config = PluginConfig.of(PREFIX, Map.of(key, value));
        InvalidConfigurationException e = assertThrows(InvalidConfigurationException.class,
                () -> new FakeProviderFactory().create(ProviderContext.of(config)));
        assertEquals(PREFIX + "." + key, e.key());
        assertEquals(value, e.value());
    }

    @Test
    void faultRatesAboveOneInAllAreRejected() {
        PluginConfig config = PluginConfig.of(PREFIX, Map.of("fault.rate-429", "0.5", "fault.rate-timeout", "0.6"));
        InvalidConfigurationException e = assertThrows(InvalidConfigurationException.class,
                () -> new FakeProviderFactory().create(ProviderContext.of(config)));
        assertTrue(e.key().startsWith(PREFIX + ".fault.rate"), e.key());
        assertTrue(e.getMessage().contains("at most 1"), e.getMessage());
    }
}
