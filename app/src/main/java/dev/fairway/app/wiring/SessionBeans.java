package dev.fairway.app.wiring;

import dev.fairway.api.session.SessionStoreContext;
import dev.fairway.api.session.SessionStoreFactory;
import dev.fairway.app.config.ConfigKeys;
import dev.fairway.app.config.FairwayConfig;
import dev.fairway.app.config.StartupException;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import io.opentelemetry.api.OpenTelemetry;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;

/**
 * Durable sessions: the session store plugin that {@code fairway.session.store} names (found with
 * {@link java.util.ServiceLoader}), opened over its own keys ({@code fairway.session.<store>.*}) and the data
 * directory, closed with the bean context.
 */
@Factory
public class SessionBeans {

    /** Creates the factory; Micronaut calls it. */
    public SessionBeans() {
    }

    /**
     * The session journal.
     *
     * @param config the configuration
     * @param plugins the session store plugins
     * @param openTelemetry for the store's telemetry
     * @return the journal; {@code none} when no store is configured
     */
    @Singleton
    @Bean(preDestroy = "close")
    SessionJournal sessionJournal(FairwayConfig config, Plugins plugins, OpenTelemetry openTelemetry) {
        String name = config.get(ConfigKeys.SESSION_STORE);
        if ("none".equals(name)) {
            return SessionJournal.none();
        }
        SessionStoreFactory factory = plugins.sessionStore(name);
        Path dataDir = Path.of(config.get(ConfigKeys.SESSION_DATA_DIR)).toAbsolutePath();
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new StartupException(ConfigKeys.SESSION_DATA_DIR.name() + " = '" + dataDir
                    + "': the directory cannot be created: " + e.getMessage(), e);
        }
        SessionStoreContext context = new SessionStoreContext(config.sessionStore(name), dataDir,
                config.get(ConfigKeys.SESSION_GROUP_COMMIT), Clock.systemUTC(), openTelemetry);
        return SessionJournal.of(name, factory.create(context), config.get(ConfigKeys.SESSION_RESUME_WINDOW),
                config.get(ConfigKeys.SESSION_JOURNAL_LIMIT), Clock.systemUTC());
    }
}
