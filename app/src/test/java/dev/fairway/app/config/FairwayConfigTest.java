package dev.fairway.app.config;

import dev.fairway.api.InvalidConfigurationException;
import dev.fairway.api.spi.PluginConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FairwayConfigTest {

    @TempDir
    Path dir;

    private Path file(String text) throws IOException {
        Path file = dir.resolve("fairway.properties");
        Files.writeString(file, text);
        return file;
    }

    private static InvalidConfigurationException invalid(ConfigSources sources) {
        return assertThrows(InvalidConfigurationException.class, () -> FairwayConfig.load(sources));
    }

    @Test
    void defaultsApplyWhenNoSourceSetsAKey() {
        FairwayConfig config = FairwayConfig.load(ConfigSources.builder().build());

        assertEquals("fake", config.get(ConfigKeys.PROVIDER));
        assertEquals("websocket", config.get(ConfigKeys.TRANSPORT));
        assertEquals(4500, config.get(ConfigKeys.LIMITER_RPM));
        assertEquals(1_800_000, config.get(ConfigKeys.LIMITER_TPM));
        assertEquals(256, config.get(ConfigKeys.QUEUE_MAX_CONCURRENT));
        assertEquals(Duration.ZERO, config.get(ConfigKeys.QUEUE_MIN_REQUEST_INTERVAL));
        assertEquals(Duration.ofMinutes(5), config.get(ConfigKeys.SESSION_IDLE_TIMEOUT));
        assertEquals("default", config.source("fairway.limiter.rpm").orElseThrow());
    }

    @Test
    void theDefaultProviderFollowsTheApiKeysThatAreSet() {
        FairwayConfig none = FairwayConfig.load(ConfigSources.builder().environment(Map.of("OPENAI_API_KEY", " ")).build());
        assertEquals("fake", none.get(ConfigKeys.PROVIDER));
        assertEquals(Optional.of("auto: no OPENAI_API_KEY or ANTHROPIC_API_KEY"), none.providerChoice());

        FairwayConfig openai = FairwayConfig.load(ConfigSources.builder()
                .environment(Map.of("OPENAI_API_KEY", "sk-test", "ANTHROPIC_API_KEY", "sk-ant-test")).build());
        assertEquals("openai", openai.get(ConfigKeys.PROVIDER));
        assertEquals(Optional.of("auto: OPENAI_API_KEY is set"), openai.providerChoice());

        FairwayConfig anthropic = FairwayConfig.load(ConfigSources.builder()
                .environment(Map.of("ANTHROPIC_API_KEY", "sk-ant-test")).build());
        assertEquals("anthropic", anthropic.get(ConfigKeys.PROVIDER));

        FairwayConfig byProviderKey = FairwayConfig.load(ConfigSources.builder()
                .environment(Map.of("FAIRWAY_PROVIDER_OPENAI_API_KEY", "sk-test")).build());
        assertEquals("openai", byProviderKey.get(ConfigKeys.PROVIDER));
        assertEquals(Optional.of("auto: fairway.provider.openai.api-key is set"), byProviderKey.providerChoice());

        FairwayConfig named = FairwayConfig.load(ConfigSources.builder().environment(Map.of("OPENAI_API_KEY", "sk-test"))
                .overrides(Map.of("fairway.provider", "fake")).build());
        assertEquals("fake", named.get(ConfigKeys.PROVIDER));
        assertEquals(Optional.empty(), named.providerChoice());
    }

    @Test
    void systemPropertyBeatsEnvironmentBeatsFileBeatsDefault() throws IOException {
        Path file = file("fairway.queue.max-concurrent = 2\n");
        Map<String, String> env = Map.of("FAIRWAY_QUEUE_MAX_CONCURRENT", "3");
        Map<String, String> system = Map.of("fairway.queue.max-concurrent", "5");

        FairwayConfig all = FairwayConfig.load(ConfigSources.builder().file(file).environment(env)
                .systemProperties(system).build());
        FairwayConfig noSystem = FairwayConfig.load(ConfigSources.builder().file(file).environment(env).build());
        FairwayConfig fileOnly = FairwayConfig.load(ConfigSources.builder().file(file).build());

        assertEquals(5, all.get(ConfigKeys.QUEUE_MAX_CONCURRENT));
        assertEquals("system property", all.source("fairway.queue.max-concurrent").orElseThrow());
        assertEquals(3, noSystem.get(ConfigKeys.QUEUE_MAX_CONCURRENT));
        assertEquals("environment", noSystem.source("fairway.queue.max-concurrent").orElseThrow());
        assertEquals(2, fileOnly.get(ConfigKeys.QUEUE_MAX_CONCURRENT));
        assertEquals("file", fileOnly.source("fairway.queue.max-concurrent").orElseThrow());
    }

    @Test
    void commandLineOverrideBeatsSystemProperty() {
        FairwayConfig config = FairwayConfig.load(ConfigSources.builder()
                .systemProperties(Map.of("fairway.limiter.rpm", "100"))
                .override("fairway.limiter.rpm", "200").build());

        assertEquals(200, config.get(ConfigKeys.LIMITER_RPM));
        assertEquals("command line", config.source("fairway.limiter.rpm").orElseThrow());
    }

    @Test
    void environmentVariableOverridesTheFileUnderItsMappedName() throws IOException {
        FairwayConfig config = FairwayConfig.load(ConfigSources.builder()
                .file(file("fairway.session.idle-timeout = 1m\nfairway.limiter.tpm = 1_000\n"))
                .environment(Map.of("FAIRWAY_SESSION_IDLE_TIMEOUT", "90s")).build());

        assertEquals(Duration.ofSeconds(90), config.get(ConfigKeys.SESSION_IDLE_TIMEOUT));
        assertEquals(1000, config.get(ConfigKeys.LIMITER_TPM));
    }

    @Test
    void blankEnvironmentVariableCountsAsUnset() throws IOException {
        FairwayConfig config = FairwayConfig.load(ConfigSources.builder()
                .file(file("fairway.provider = openai\n"))
                .environment(Map.of("FAIRWAY_PROVIDER", "  ")).build());

        assertEquals("openai", config.get(ConfigKeys.PROVIDER));
    }

    @Test
    void wrongTypeNamesKeyValueAndWhatIsAllowed() {
        InvalidConfigurationException e = invalid(ConfigSources.builder()
                .environment(Map.of("FAIRWAY_QUEUE_MAX_CONCURRENT", "lots")).build());

        assertEquals("fairway.queue.max-concurrent = 'lots': expected an integer from 1 to 65536", e.getMessage());
    }

    @Test
    void outOfRangeValueIsRefused() {
        InvalidConfigurationException e = invalid(ConfigSources.builder()
                .systemProperties(Map.of("fairway.limiter.rpm", "0")).build());

        assertEquals("fairway.limiter.rpm = '0': expected an integer from 1 to 2147483647", e.getMessage());
    }

    @Test
    void badDurationAndBadBooleanAreRefused() {
        assertEquals("fairway.session.idle-timeout = 'soon': expected a duration from 1s to 24h such as 250ms, 2s, 5m",
                invalid(ConfigSources.builder().override("fairway.session.idle-timeout", "soon").build()).getMessage());
        assertEquals("fairway.queue.deduplicate = 'maybe': expected true or false",
                invalid(ConfigSources.builder().override("fairway.queue.deduplicate", "maybe").build()).getMessage());
    }

    @Test
    void unknownPolicyNamesTheChoices() {
        assertEquals("fairway.limiter.policy = 'fifo': expected one of [max-min, none, static-split]",
                invalid(ConfigSources.builder().override("fairway.limiter.policy", "fifo").build()).getMessage());
    }

    @Test
    void concurrencyFloorAboveCeilingIsRefused() {
        InvalidConfigurationException e = invalid(ConfigSources.builder()
                .override("fairway.concurrency.min", "10").override("fairway.concurrency.max", "5").build());
        assertEquals("fairway.concurrency.min = '10': expected at most fairway.concurrency.max (5)", e.getMessage());
    }

    @Test
    void malformedPluginNameIsRefused() {
        assertEquals("fairway.provider = 'Open AI': expected a plugin name of lower case letters, digits and dashes",
                invalid(ConfigSources.builder().override("fairway.provider", "Open AI").build()).getMessage());
    }

    @Test
    void unknownKeyInFileIsRefusedWithTheNearestKnownKey() throws IOException {
        Path file = file("fairway.queue.max-concurent = 8\n");

        InvalidConfigurationException e = invalid(ConfigSources.builder().file(file).build());

        assertEquals("fairway.queue.max-concurent", e.key());
        assertEquals("fairway.queue.max-concurent = '8': expected a known key such as fairway.queue.max-concurrent"
                + " (it is unknown in " + file + "); `fairway config --markdown` lists every key", e.getMessage());
    }

    @Test
    void unknownKeyWithoutNearNeighbourIsRefusedToo() throws IOException {
        InvalidConfigurationException e = invalid(ConfigSources.builder()
                .file(file("fairway.something.else = 1\n")).build());

        assertTrue(e.getMessage().startsWith("fairway.something.else = '1': expected a known key (it is unknown in "),
                e.getMessage());
    }

    @Test
    void keyOutsideFairwayAndOtelInFileIsRefused() throws IOException {
        InvalidConfigurationException e = invalid(ConfigSources.builder().file(file("queue.max = 8\n")).build());

        assertTrue(e.getMessage().startsWith("queue.max = '8': expected keys starting with 'fairway.' or 'otel.'"),
                e.getMessage());
    }

    @Test
    void unknownKeyAsSystemPropertyIsRefused() {
        InvalidConfigurationException e = invalid(ConfigSources.builder()
                .systemProperties(Map.of("fairway.limiter.rmp", "10", "user.home", "/root")).build());

        assertTrue(e.getMessage().contains("a known key such as fairway.limiter.rpm (it is unknown in the system"
                + " properties)"), e.getMessage());
    }

    @Test
    void pluginKeysAreAllowedAndReadThroughEveryLayer() throws IOException {
        FairwayConfig config = FairwayConfig.load(ConfigSources.builder()
                .file(file("fairway.provider.openai.model = gpt-4o-mini\nfairway.provider.openai.timeout = 5s\n"
                        + "fairway.transport.websocket.port = 8080\n"))
                .environment(Map.of("FAIRWAY_PROVIDER_OPENAI_API_KEY", "sk-test",
                        "FAIRWAY_PROVIDER_OPENAI_TIMEOUT", "7s"))
                .build());

        PluginConfig openai = config.provider("openai");
        assertEquals("fairway.provider.openai", openai.prefix());
        assertEquals("gpt-4o-mini", openai.string("model", "x"));
        assertEquals("sk-test", openai.get("api-key").orElseThrow());
        assertEquals(Duration.ofSeconds(7), openai.duration("timeout", Duration.ZERO, Duration.ZERO,
                Duration.ofMinutes(1)));
        assertEquals(Set.of("model", "timeout"), openai.keys());
        assertEquals(8080, config.transport("websocket").integer("port", 1, 1, 65535));
        assertEquals(Set.of(), config.provider("fake").keys());
    }

    @Test
    void pluginGettersNameTheFullKey() {
        FairwayConfig config = FairwayConfig.load(ConfigSources.builder()
                .environment(Map.of("FAIRWAY_TRANSPORT_WEBSOCKET_PORT", "http")).build());

        InvalidConfigurationException e = assertThrows(InvalidConfigurationException.class,
                () -> config.transport("websocket").integer("port", 8080, 1, 65535));

        assertEquals("fairway.transport.websocket.port = 'http': expected an integer from 1 to 65535", e.getMessage());
    }

    @Test
    void valuesMayReferToOtherKeys() throws IOException {
        FairwayConfig config = FairwayConfig.load(ConfigSources.builder()
                .file(file("fairway.provider.fake.rpm = ${fairway.limiter.rpm}\n"))
                .override("fairway.limiter.rpm", "1200").build());

        assertEquals(1200, config.provider("fake").integer("rpm", 1, 1, 100_000));
    }

    @Test
    void otelKeysOfTheFileAreKeptForTelemetry() throws IOException {
        FairwayConfig config = FairwayConfig.load(ConfigSources.builder()
                .file(file("otel.service.name = fairway-eu\nfairway.limiter.rpm = 10\n")).build());

        assertEquals(Map.of("otel.service.name", "fairway-eu"), config.otelProperties());
    }

    @Test
    void missingFileStopsWithOneLine() {
        Path missing = dir.resolve("nope.properties");

        StartupException e = assertThrows(StartupException.class,
                () -> FairwayConfig.load(ConfigSources.builder().file(missing).build()));

        assertEquals("--config " + missing + ": no such file", e.getMessage());
    }
}
