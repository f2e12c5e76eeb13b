package dev.fairway.app.wiring;

import dev.fairway.api.NanoClock;
import dev.fairway.app.config.ConfigSources;
import dev.fairway.app.config.FairwayConfig;
import io.micronaut.context.annotation.Factory;
import jakarta.inject.Singleton;

/** Builds the configuration view from the sources the command line registered, and the clock. */
@Factory
public class ConfigurationBeans {

    /** Creates the factory; Micronaut calls it. */
    public ConfigurationBeans() {
    }

    /**
     * The validated configuration.
     *
     * @param sources registered by {@link Wiring#start}
     * @return the configuration
     */
    @Singleton
    FairwayConfig configuration(ConfigSources sources) {
        return FairwayConfig.load(sources);
    }

    /**
     * The monotonic clock every component measures time with.
     *
     * @return the system's clock
     */
    @Singleton
    NanoClock clock() {
        return NanoClock.SYSTEM;
    }
}
