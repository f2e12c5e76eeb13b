package dev.fairway.app.wiring;

import dev.fairway.api.NanoClock;
import dev.fairway.api.spi.ProviderContext;
import dev.fairway.api.spi.TranslationProvider;
import dev.fairway.app.config.ConfigKeys;
import dev.fairway.app.config.FairwayConfig;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import io.opentelemetry.api.OpenTelemetry;
import jakarta.inject.Singleton;

import java.net.ProxySelector;

/** Builds the translation provider that {@code fairway.provider} selects, closed with the bean context. */
@Factory
public class ProviderBeans {

    private static final System.Logger LOG = System.getLogger(ProviderBeans.class.getName());

    /** Creates the factory; Micronaut calls it. */
    public ProviderBeans() {
    }

    /**
     * The selected provider, built by its plugin's factory from its own keys.
     *
     * @param config the configuration
     * @param plugins the plugins on the module path
     * @param openTelemetry the SDK
     * @param clock the clock
     * @return the provider
     */
    @Singleton
    @Bean(preDestroy = "close")
    TranslationProvider translationProvider(FairwayConfig config, Plugins plugins, OpenTelemetry openTelemetry,
            NanoClock clock) {
        String name = config.get(ConfigKeys.PROVIDER);
        ProxySelector proxies = HttpProxies.create(config.get(ConfigKeys.HTTP_PROXY), config::environmentVariable);
        if (proxies instanceof HttpProxies configured) {
            LOG.log(System.Logger.Level.INFO, () -> "HTTP calls of provider " + name + ": " + configured.describe());
            configured.warnings().forEach(w -> LOG.log(System.Logger.Level.WARNING, w));
        }
        ProviderContext context = new ProviderContext(config.provider(name), openTelemetry, clock)
                .withProxySelector(proxies);
        // Without the build's version file (a class-path run from an IDE), the API module's version stays.
        if (!AppVersion.current().equals("unknown")) {
            context = context.withFairwayVersion(AppVersion.current());
        }
        return plugins.provider(name).create(context);
    }
}
