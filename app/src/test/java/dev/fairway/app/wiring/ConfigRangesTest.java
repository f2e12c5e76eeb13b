package dev.fairway.app.wiring;

import dev.fairway.api.FairwayException;
import dev.fairway.api.InvalidConfigurationException;
import dev.fairway.api.TranslationScheduler;
import dev.fairway.api.limit.ConcurrencyLimiter;
import dev.fairway.api.limit.RateLimiter;
import dev.fairway.api.limit.RateLimiterStore;
import dev.fairway.api.spi.ProviderContext;
import dev.fairway.api.spi.TranslationProvider;
import dev.fairway.api.spi.TranslationProviderFactory;
import dev.fairway.app.config.ConfigKey;
import dev.fairway.app.config.ConfigKeys;
import dev.fairway.app.config.ConfigSources;
import dev.fairway.app.config.FairwayConfig;
import dev.fairway.app.config.StartupException;
import dev.fairway.core.queue.FairScheduler;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every integer and duration key of {@link ConfigKeys} through the real wiring (the beans {@code serve}
 * builds: rate limiter and its store, concurrency limiter, scheduler over the fake provider) with its
 * minimum, its maximum, one past each, and random values: in range the components are built, out of
 * range start-up stops with one line naming the key, never a dependency-injection failure.
 */
class ConfigRangesTest {

    /** Fixed, so that a failure repeats; {@code -Dfairway.test.seed=...} tries others. */
    private static final long SEED = Long.getLong("fairway.test.seed", 20261207L);
    private static final int RANDOM_IN_RANGE = 2;
    private static final int RANDOM_OUT_OF_RANGE = 1;

    private static Plugins plugins;
    /** A loopback port nothing listens on: the Redis store's keys are built against it and start degraded. */
    private static int closedPort;

    private record Case(String text, Object expected, boolean inRange) {
    }

    @BeforeAll
    static void plugins() throws IOException {
        plugins = Plugins.discover();
        try (ServerSocket free = new ServerSocket(0)) {
            closedPort = free.getLocalPort();
        }
    }

    @Test
    void everyRangedKeyStartsTheWiringInItsRangeAndStopsWithOneLineOutsideIt() {
        Random random = new Random(SEED);
        List<String> failures = new ArrayList<>();
        int keys = 0;
        int cases = 0;
        for (ConfigKey<?> key : ConfigKeys.ALL) {
            if (key.range().isEmpty()) {
                continue;
            }
            keys++;
            for (Case c : cases(key, random)) {
                for (String policy : policies(key)) {
                    cases++;
                    String failure = check(key, c, policy);
                    if (failure != null) {
                        failures.add(failure);
                    }
                }
            }
        }
        assertEquals(List.of(), failures, "seed " + SEED + " (-Dfairway.test.seed=" + SEED + " repeats it)");
        assertTrue(keys >= 18, "integer and duration keys walked: " + keys);
        assertTrue(cases >= keys * 4, "cases: " + cases);
    }

    @Test
    void tokenLimitAboveWhatTheLimiterCountsStopsWithOneLine() {
        InvalidConfigurationException e = assertThrows(InvalidConfigurationException.class,
                () -> Wiring.start(sources(Map.of(ConfigKeys.LIMITER_TPM.name(), "3000000000")), plugins, List.of()));

        assertEquals("fairway.limiter.tpm = '3000000000': expected an integer from 1 to 2147483647", e.getMessage());
    }

    @Test
    void concurrencyMinAboveMaxStopsWithOneLineNamingBothKeys() {
        InvalidConfigurationException e = assertThrows(InvalidConfigurationException.class,
                () -> Wiring.start(sources(Map.of(ConfigKeys.CONCURRENCY_MIN.name(), "9",
                        ConfigKeys.CONCURRENCY_MAX.name(), "8")), plugins, List.of()));

        assertEquals("fairway.concurrency.min = '9': expected at most fairway.concurrency.max (8)", e.getMessage());
    }

    @Test
    void aValueTheComponentStillRefusesIsTheKeysOneLineError() {
        FairwayConfig config = FairwayConfig.load(sources(Map.of(ConfigKeys.LIMITER_TPM.name(), "3000")));

        InvalidConfigurationException e = assertThrows(InvalidConfigurationException.class,
                () -> SchedulerBeans.set(config, ConfigKeys.LIMITER_TPM, value -> {
                    throw new IllegalArgumentException("tokensPerMinute must be 1 to 1000,\nwas " + value);
                }));

        assertEquals("fairway.limiter.tpm = '3000': expected 1 to 2147483647 (refused by the component:"
                + " tokensPerMinute must be 1 to 1000, was 3000)", e.getMessage());
    }

    @Test
    void valuesABuilderRefusesTogetherAreNamedInOneLine() {
        FairwayConfig config = FairwayConfig.load(sources(Map.of(ConfigKeys.CONCURRENCY_MIN.name(), "3")));

        StartupException e = assertThrows(StartupException.class, () -> SchedulerBeans.build(config,
                "the concurrency limiter", () -> {
                    throw new IllegalArgumentException("floor must be <= ceiling");
                }, ConfigKeys.CONCURRENCY_MIN, ConfigKeys.CONCURRENCY_MAX));

        assertEquals("fairway.concurrency.min = '3', fairway.concurrency.max = '256': the concurrency limiter"
                + " refuses them: floor must be <= ceiling", e.getMessage());
    }

    @Test
    void anIllegalArgumentLeftInABeanFailureIsOneLineNotADependencyInjectionPath() {
        TranslationProviderFactory refusing = new TranslationProviderFactory() {
            @Override
            public String name() {
                return "refusing";
            }

            @Override
            public TranslationProvider create(ProviderContext context) {
                throw new IllegalArgumentException("timeout must be positive,\nwas PT0S");
            }
        };
        ConfigSources sources = ConfigSources.builder().override(ConfigKeys.PROVIDER.name(), "refusing").build();
        try (Wiring wiring = Wiring.start(sources, Plugins.of(List.of(refusing), List.of()), List.of())) {
            StartupException e = assertThrows(StartupException.class, () -> wiring.bean(TranslationProvider.class));

            assertEquals("cannot build the TranslationProvider: timeout must be positive, was PT0S"
                    + " (a configuration value its component refuses)", e.getMessage());
        }
    }

    /** Minimum, maximum, one past each, and random values inside and outside. */
    private static List<Case> cases(ConfigKey<?> key, Random random) {
        ConfigKey.Range<?> range = key.range().orElseThrow();
        List<Case> cases = new ArrayList<>();
        if (range.min() instanceof Duration min && range.max() instanceof Duration max) {
            long lo = min.toNanos();
            long hi = max.toNanos();
            List<Long> in = new ArrayList<>(List.of(lo, hi));
            for (int i = 0; i < RANDOM_IN_RANGE; i++) {
                in.add(random.nextLong(lo, hi + 1));
            }
            List<Long> out = new ArrayList<>(List.of(lo - 1, hi + 1));
            for (int i = 0; i < RANDOM_OUT_OF_RANGE; i++) {
                out.add(hi + 1 + random.nextLong(1, Duration.ofDays(3650).toNanos()));
                out.add(lo - 1 - random.nextLong(1, Duration.ofDays(1).toNanos()));
            }
            // ISO-8601 keeps every nanosecond; the short syntax (5m, 250ms) would round.
            in.forEach(n -> cases.add(new Case(Duration.ofNanos(n).toString(), Duration.ofNanos(n), true)));
            out.forEach(n -> cases.add(new Case(Duration.ofNanos(n).toString(), null, false)));
        } else {
            long lo = ((Number) range.min()).longValue();
            long hi = ((Number) range.max()).longValue();
            boolean isInt = range.min() instanceof Integer;
            List<Long> in = new ArrayList<>(List.of(lo, hi));
            for (int i = 0; i < RANDOM_IN_RANGE; i++) {
                in.add(random.nextLong(lo, hi + 1));
            }
            List<Long> out = new ArrayList<>(List.of(lo - 1, hi + 1));
            for (int i = 0; i < RANDOM_OUT_OF_RANGE; i++) {
                out.add(hi + 1 + random.nextLong(1, 1L << 40));
                out.add(lo - 1 - random.nextLong(1, 1L << 40));
            }
            in.forEach(n -> cases.add(new Case(Long.toString(n), isInt ? (Object) Math.toIntExact(n) : n, true)));
            out.forEach(n -> cases.add(new Case(Long.toString(n), null, false)));
        }
        return cases;
    }

    /** The concurrency keys feed a different policy each: both are built. */
    private static List<String> policies(ConfigKey<?> key) {
        return key.name().startsWith("fairway.concurrency.") ? List.of("adaptive", "static") : List.of("adaptive");
    }

    /** Null when the wiring did what it should, else what went wrong. */
    private static String check(ConfigKey<?> key, Case c, String concurrencyPolicy) {
        Map<String, String> overrides = new HashMap<>();
        overrides.put(ConfigKeys.CONCURRENCY_POLICY.name(), concurrencyPolicy);
        // Keep the other end of the concurrency bounds out of the way: min <= max has its own test.
        if (key == ConfigKeys.CONCURRENCY_MIN) {
            overrides.put(ConfigKeys.CONCURRENCY_MAX.name(),
                    String.valueOf(ConfigKeys.CONCURRENCY_MAX.range().orElseThrow().max()));
        } else if (key == ConfigKeys.CONCURRENCY_MAX) {
            overrides.put(ConfigKeys.CONCURRENCY_MIN.name(),
                    String.valueOf(ConfigKeys.CONCURRENCY_MIN.range().orElseThrow().min()));
        }
        if (key.name().startsWith("fairway.limiter.redis.")) {
            overrides.put(ConfigKeys.LIMITER_STORE.name(), "redis");
            overrides.put(ConfigKeys.LIMITER_REDIS_URI.name(), "redis://127.0.0.1:" + closedPort);
        }
        overrides.put(key.name(), c.text());
        String what = key.name() + " = '" + c.text() + "' (" + (c.inRange() ? "in range" : "out of range")
                + ", concurrency " + concurrencyPolicy + ")";
        try (Wiring wiring = Wiring.start(sources(overrides), plugins, List.of())) {
            Object value = wiring.bean(FairwayConfig.class).get(key);
            wiring.bean(RateLimiterStore.class);
            wiring.bean(RateLimiter.class);
            wiring.bean(ConcurrencyLimiter.class);
            TranslationScheduler scheduler = wiring.findBean(TranslationScheduler.class).orElseThrow();
            if (!c.inRange()) {
                return what + ": accepted as " + value;
            }
            if (!c.expected().equals(value)) {
                return what + ": read as " + value + ", not " + c.expected();
            }
            assertInstanceOf(FairScheduler.class, scheduler);
            return null;
        } catch (FairwayException e) {
            if (c.inRange()) {
                return what + ": refused: " + e.getMessage();
            }
            String message = e.getMessage();
            if (!(e instanceof InvalidConfigurationException || e instanceof StartupException)
                    || message.lines().count() != 1 || !message.startsWith(key.name() + " = '" + c.text() + "': ")) {
                return what + ": not the key's one-line error: " + e.getClass().getName() + ": " + message;
            }
            return null;
        } catch (RuntimeException e) {
            return what + ": " + e.getClass().getName() + ": " + e.getMessage();
        }
    }

    private static ConfigSources sources(Map<String, String> overrides) {
        Map<String, String> all = new HashMap<>(overrides);
        all.put(ConfigKeys.PROVIDER.name(), "fake");
        return ConfigSources.builder().overrides(all).build();
    }
}
