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

/** Builds the translation provider that {@code fairway.provider} selects, closed with the bean context. */
@Factory
public class ProviderBeans {

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
        return plugins.provider(name).create(new ProviderContext(config.provider(name), openTelemetry, clock));
    }
}
