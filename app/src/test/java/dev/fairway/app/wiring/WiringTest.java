package dev.fairway.app.wiring;

import dev.fairway.api.InvalidConfigurationException;
import dev.fairway.api.NanoClock;
import dev.fairway.api.TranslationScheduler;
import dev.fairway.api.spi.ProviderContext;
import dev.fairway.api.spi.TranslationProvider;
import dev.fairway.app.config.ConfigKeys;
import dev.fairway.app.config.ConfigSources;
import dev.fairway.app.config.FairwayConfig;
import dev.fairway.app.testing.EchoProviderFactory;
import dev.fairway.app.testing.StubScheduler;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WiringTest {

    private static ConfigSources sources(Map<String, String> env) {
        return ConfigSources.builder().environment(env).build();
    }

    @Test
    void providerBeanIsBuiltBySelectedPluginFromItsOwnKeysAndClosedWithTheContext() {
        EchoProviderFactory echo = new EchoProviderFactory();
        Plugins plugins = Plugins.of(List.of(echo), List.of());
        TranslationProvider provider;
        try (Wiring wiring = Wiring.start(
                sources(Map.of("FAIRWAY_PROVIDER", "echo", "FAIRWAY_PROVIDER_ECHO_MODEL", "echo-large")),
                plugins, List.of())) {
            provider = wiring.bean(TranslationProvider.class);

            assertSame(provider, wiring.bean(TranslationProvider.class));
            assertEquals("echo-large", provider.model());
            assertEquals("echo", wiring.bean(FairwayConfig.class).get(ConfigKeys.PROVIDER));
            assertInstanceOf(OpenTelemetrySdk.class, wiring.bean(OpenTelemetry.class));
            assertSame(NanoClock.SYSTEM, wiring.bean(NanoClock.class));
        }
        assertTrue(echo.created.getFirst().closed.get());
    }

    @Test
    void providerContextCarriesTheEnvironmentsProxiesAndTheAppsVersion() {
        EchoProviderFactory echo = new EchoProviderFactory();
        try (Wiring wiring = Wiring.start(sources(Map.of("FAIRWAY_PROVIDER", "echo",
                        "HTTPS_PROXY", "http://proxy.corp:3128", "NO_PROXY", ".corp")),
                Plugins.of(List.of(echo), List.of()), List.of())) {
            wiring.bean(TranslationProvider.class);

            ProviderContext context = echo.contexts.getFirst();
            assertEquals(AppVersion.current(), context.fairwayVersion());
            assertEquals(List.of(new Proxy(Proxy.Type.HTTP, InetSocketAddress.createUnresolved("proxy.corp", 3128))),
                    context.proxySelector().select(URI.create("https://api.openai.com/v1")));
            assertEquals(List.of(Proxy.NO_PROXY), context.proxySelector().select(URI.create("https://llm.corp/v1")));
        }
    }

    @Test
    void proxyKeyNoneMakesProvidersConnectDirectly() {
        EchoProviderFactory echo = new EchoProviderFactory();
        try (Wiring wiring = Wiring.start(sources(Map.of("FAIRWAY_PROVIDER", "echo", "FAIRWAY_HTTP_PROXY", "none",
                        "HTTPS_PROXY", "http://proxy.corp:3128")),
                Plugins.of(List.of(echo), List.of()), List.of())) {
            wiring.bean(TranslationProvider.class);

            assertEquals(List.of(Proxy.NO_PROXY),
                    echo.contexts.getFirst().proxySelector().select(URI.create("https://api.openai.com/v1")));
        }
    }

    @Test
    void badValueFailsAtStartWithTheConfigurationExceptionItself() {
        InvalidConfigurationException e = assertThrows(InvalidConfigurationException.class,
                () -> Wiring.start(sources(Map.of("FAIRWAY_LIMITER_TPM", "-1")), Plugins.of(List.of(), List.of()),
                        List.of()));

        assertEquals("fairway.limiter.tpm = '-1': expected an integer from 1 to 2147483647", e.getMessage());
    }

    @Test
    void unknownProviderFailsWhenTheProviderIsFirstNeeded() {
        try (Wiring wiring = Wiring.start(sources(Map.of("FAIRWAY_PROVIDER", "opnai")),
                Plugins.of(List.of(new EchoProviderFactory()), List.of()), List.of())) {
            InvalidConfigurationException e = assertThrows(InvalidConfigurationException.class,
                    () -> wiring.bean(TranslationProvider.class));

            assertEquals("fairway.provider = 'opnai': expected one of [echo]", e.getMessage());
        }
    }

    @Test
    void schedulerIsWiredOverTheConfiguredProviderUnlessOneIsGiven() {
        Plugins plugins = Plugins.of(List.of(new dev.fairway.app.testing.EchoProviderFactory()), List.of());
        try (Wiring wiring = Wiring.start(sources(Map.of("FAIRWAY_PROVIDER", "echo")), plugins, List.of())) {
            assertTrue(wiring.findBean(TranslationScheduler.class).orElseThrow()
                    instanceof dev.fairway.core.queue.FairScheduler);
        }
        StubScheduler stub = new StubScheduler(new ArrayList<>());
        try (Wiring wiring = Wiring.start(sources(Map.of()), plugins, List.of(stub))) {
            assertSame(stub, wiring.findBean(TranslationScheduler.class).orElseThrow());
        }
    }

    @Test
    void redisStoreWithoutARedisServesFromTheLocalShareAndSaysSo() throws Exception {
        Plugins plugins = Plugins.of(List.of(new dev.fairway.app.testing.EchoProviderFactory()), List.of());
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            port = free.getLocalPort(); // closed again: nothing listens there
        }
        Map<String, String> env = Map.of("FAIRWAY_PROVIDER", "echo", "FAIRWAY_LIMITER_STORE", "redis",
                "FAIRWAY_LIMITER_REDIS_URI", "redis://127.0.0.1:" + port, "FAIRWAY_LIMITER_REDIS_FALLBACK_NODES", "2");
        try (Wiring wiring = Wiring.start(sources(env), plugins, List.of())) {
            dev.fairway.api.limit.RateLimiter limiter = wiring.bean(dev.fairway.api.limit.RateLimiter.class);
            long permit = limiter.tryAcquire(dev.fairway.api.SessionId.of("s1"), 10);
            assertTrue(dev.fairway.api.limit.Permits.isGranted(permit), "a degraded node keeps admitting");

            Map<String, Object> status = wiring.bean(StatusDocument.class).document();
            Map<?, ?> limiterStatus = (Map<?, ?>) status.get("limiter");
            assertEquals("redis", limiterStatus.get("store"));
            assertEquals(true, limiterStatus.get("degraded"));
            assertEquals(2250L, limiterStatus.get("requestsPerMinuteLimit"), "the local share: 4500 / 2 nodes");
        }
    }

    @Test
    void anUnknownLimiterStoreIsOneLineListingTheStores() {
        Plugins plugins = Plugins.of(List.of(new dev.fairway.app.testing.EchoProviderFactory()), List.of());
        Map<String, String> env = Map.of("FAIRWAY_PROVIDER", "echo", "FAIRWAY_LIMITER_STORE", "etcd");
        dev.fairway.api.InvalidConfigurationException e = assertThrows(
                dev.fairway.api.InvalidConfigurationException.class, () -> Wiring.start(sources(env), plugins, List.of()));

        assertEquals("fairway.limiter.store = 'etcd': expected one of [memory, redis]", e.getMessage());
    }

    @Test
    void aStoreMissingFromTheModulePathIsOneLineListingTheStoresFound() {
        Plugins plugins = Plugins.of(List.of(new dev.fairway.app.testing.EchoProviderFactory()), List.of(),
                List.of(new dev.fairway.core.limiter.MemoryRateLimiterStoreFactory()));
        Map<String, String> env = Map.of("FAIRWAY_PROVIDER", "echo", "FAIRWAY_LIMITER_STORE", "redis");
        try (Wiring wiring = Wiring.start(sources(env), plugins, List.of())) {
            dev.fairway.api.InvalidConfigurationException e = assertThrows(
                    dev.fairway.api.InvalidConfigurationException.class,
                    () -> wiring.bean(dev.fairway.api.limit.RateLimiter.class));

            assertEquals("fairway.limiter.store = 'redis': expected one of [memory]", e.getMessage());
        }
    }

    @Test
    void theMemoryStoreReportsItsOwnStatusLines() {
        Plugins plugins = Plugins.of(List.of(new dev.fairway.app.testing.EchoProviderFactory()), List.of());
        try (Wiring wiring = Wiring.start(sources(Map.of("FAIRWAY_PROVIDER", "echo")), plugins, List.of())) {
            Map<?, ?> limiterStatus = (Map<?, ?>) wiring.bean(StatusDocument.class).document().get("limiter");

            assertEquals(List.of("store", "degraded", "requestsLastMinute"),
                    limiterStatus.keySet().stream().limit(3).map(String::valueOf).toList());
            assertEquals("memory", limiterStatus.get("store"));
            assertEquals(false, limiterStatus.get("degraded"));
        }
    }

    @Test
    void separateInputAndOutputBudgetsAndTheRetryAfterCapAreWiredIntoTheLimiter() {
        Plugins plugins = Plugins.of(List.of(new dev.fairway.app.testing.EchoProviderFactory()), List.of());
        Map<String, String> env = Map.of("FAIRWAY_PROVIDER", "echo", "FAIRWAY_LIMITER_OUTPUT_TPM", "1000",
                "FAIRWAY_LIMITER_MAX_RETRY_AFTER", "5s");
        try (Wiring wiring = Wiring.start(sources(env), plugins, List.of())) {
            dev.fairway.api.limit.RateLimiter limiter = wiring.bean(dev.fairway.api.limit.RateLimiter.class);
            dev.fairway.api.SessionId s = dev.fairway.api.SessionId.of("s1");
            assertTrue(dev.fairway.api.limit.Permits.isGranted(limiter.tryAcquire(s, 5_000, 1_000)));
            assertTrue(!dev.fairway.api.limit.Permits.isGranted(limiter.tryAcquire(s, 10, 1)), "output spent");
            assertTrue(dev.fairway.api.limit.Permits.isGranted(limiter.tryAcquire(s, 5_000, 0)), "input is not");
            limiter.onRateLimited(dev.fairway.api.RateLimitFeedback.builder()
                    .retryAfter(java.time.Duration.ofMinutes(10)).build());
            long refusal = limiter.tryAcquire(s, 10, 0);
            assertTrue(dev.fairway.api.limit.Permits.waitTime(refusal).compareTo(java.time.Duration.ofSeconds(5)) <= 0,
                    dev.fairway.api.limit.Permits.waitTime(refusal).toString());
        }
        InvalidConfigurationException e = assertThrows(InvalidConfigurationException.class,
                () -> Wiring.start(sources(Map.of("FAIRWAY_LIMITER_INPUT_TPM", "3000000000")),
                        Plugins.of(List.of(), List.of()), List.of()));
        assertEquals("fairway.limiter.input-tpm = '3000000000': expected an integer from 0 to 2147483647",
                e.getMessage());
    }

    @Test
    void theFinalHeadroomIsWiredIntoTheLimiter() {
        Plugins plugins = Plugins.of(List.of(new dev.fairway.app.testing.EchoProviderFactory()), List.of());
        Map<String, String> env = Map.of("FAIRWAY_PROVIDER", "echo", "FAIRWAY_LIMITER_RPM", "10",
                "FAIRWAY_LIMITER_FINAL_HEADROOM", "50");
        try (Wiring wiring = Wiring.start(sources(env), plugins, List.of())) {
            dev.fairway.api.limit.RateLimiter limiter = wiring.bean(dev.fairway.api.limit.RateLimiter.class);
            dev.fairway.api.SessionId s = dev.fairway.api.SessionId.of("s1");
            for (int i = 0; i < 5; i++) {
                assertTrue(dev.fairway.api.limit.Permits.isGranted(limiter.tryAcquirePartial(s, 10)), "partial " + i);
            }
            assertTrue(!dev.fairway.api.limit.Permits.isGranted(limiter.tryAcquirePartial(s, 10)),
                    "half is for finals");
            assertTrue(dev.fairway.api.limit.Permits.isGranted(limiter.tryAcquire(s, 10)), "a final");
        }
        InvalidConfigurationException e = assertThrows(InvalidConfigurationException.class,
                () -> Wiring.start(sources(Map.of("FAIRWAY_LIMITER_FINAL_HEADROOM", "95")),
                        Plugins.of(List.of(), List.of()), List.of()));
        assertEquals("fairway.limiter.final-headroom = '95': expected an integer from 0 to 90", e.getMessage());
    }

    @Test
    void pacingFollowsTheLimitUnlessAnIntervalIsSet() {
        assertEquals(java.time.Duration.ofNanos(13_333_333),
                SchedulerBeans.pacing(FairwayConfig.load(sources(Map.of()))));
        assertEquals(java.time.Duration.ofMillis(100),
                SchedulerBeans.pacing(FairwayConfig.load(sources(Map.of("FAIRWAY_LIMITER_RPM", "600")))));
        assertEquals(java.time.Duration.ofMillis(50), SchedulerBeans.pacing(FairwayConfig.load(
                sources(Map.of("FAIRWAY_QUEUE_MIN_REQUEST_INTERVAL", "50ms")))));
    }
}
