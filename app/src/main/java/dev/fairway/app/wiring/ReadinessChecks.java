package dev.fairway.app.wiring;

import dev.fairway.api.limit.RateLimiterStore;
import dev.fairway.api.spi.Readiness;
import dev.fairway.api.spi.TranslationProvider;
import dev.fairway.app.config.ConfigKeys;
import dev.fairway.app.config.FairwayConfig;
import jakarta.inject.Singleton;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The node's readiness checks, which the transport's {@code /ready} reports besides its own state (running,
 * under its connection cap, admitted by the overload monitor): {@code provider} (the provider's
 * {@code notReadyReason()}: a warm-up not answered yet, a refused key), {@code limiter-store} (the rate
 * limiter's store: Redis unreachable, the node serving from its local share) and, when sessions are durable,
 * {@code session-store} (the session store's Redis unreachable), then every {@link Readiness} registered as a
 * singleton (embedding, tests). The checks named in {@code fairway.readiness.ignore} are left out.
 *
 * <p>Each check reads state its component keeps (a flag, the outcome of a background probe): a readiness probe
 * never makes a call to a provider or a store.
 */
@Singleton
public final class ReadinessChecks {

    private final List<Readiness> checks;

    /**
     * @param config the configuration, for {@code fairway.readiness.ignore}
     * @param provider the provider
     * @param limiterStore the rate limiter's store
     * @param sessions the session store, if sessions are durable
     * @param extra checks registered as singletons
     */
    public ReadinessChecks(FairwayConfig config, TranslationProvider provider, RateLimiterStore limiterStore,
            SessionJournal sessions, List<Readiness> extra) {
        List<Readiness> all = new ArrayList<>();
        all.add(Readiness.of("provider", provider::notReadyReason));
        all.add(Readiness.of("limiter-store", limiterStore::notReadyReason));
        sessions.durableSessions().ifPresent(durable ->
                all.add(Readiness.of("session-store", durable.store()::notReadyReason)));
        all.addAll(extra);
        Set<String> ignored = ignored(config.get(ConfigKeys.READINESS_IGNORE));
        this.checks = all.stream().filter(check -> !ignored.contains(check.name())).toList();
    }

    private static Set<String> ignored(String value) {
        return value.equals("none") ? Set.of()
                : Arrays.stream(value.split(",")).map(String::trim).collect(Collectors.toUnmodifiableSet());
    }

    /**
     * The checks, in the order {@code /ready} lists them.
     *
     * @return the checks
     */
    public List<Readiness> checks() {
        return checks;
    }
}
