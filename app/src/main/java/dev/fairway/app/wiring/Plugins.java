package dev.fairway.app.wiring;

import dev.fairway.api.InvalidConfigurationException;
import dev.fairway.api.limit.RateLimiterStoreFactory;
import dev.fairway.api.session.SessionStoreFactory;
import dev.fairway.api.spi.TranslationProviderFactory;
import dev.fairway.api.spi.TransportFactory;
import dev.fairway.api.spi.WebContent;
import dev.fairway.app.config.ConfigKeys;
import dev.fairway.app.config.StartupException;

import java.util.Comparator;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.function.Function;

/**
 * The provider, transport, rate limiter store and session store plugins found on the module path, by name, and
 * the web content (the console module's pages) the transport serves.
 */
public final class Plugins {

    private final List<TranslationProviderFactory> providers;
    private final List<TransportFactory> transports;
    private final List<RateLimiterStoreFactory> limiterStores;
    private final List<SessionStoreFactory> sessionStores;
    private final List<WebContent> webContent;

    private Plugins(List<TranslationProviderFactory> providers, List<TransportFactory> transports,
            List<RateLimiterStoreFactory> limiterStores, List<SessionStoreFactory> sessionStores) {
        this.providers = sorted(providers, TranslationProviderFactory::name, "translation provider");
        this.transports = sorted(transports, TransportFactory::name, "transport");
        this.limiterStores = sorted(limiterStores, RateLimiterStoreFactory::name, "rate limiter store");
        this.sessionStores = sorted(sessionStores, SessionStoreFactory::name, "session store");
        this.webContent = sorted(load(WebContent.class), WebContent::name, "web content");
    }

    /**
     * The plugins that {@link ServiceLoader} finds for this module ({@code uses} in module-info).
     *
     * @return the plugins
     * @throws StartupException when a plugin cannot be loaded or two share a name
     */
    public static Plugins discover() {
        return new Plugins(load(TranslationProviderFactory.class), load(TransportFactory.class),
                load(RateLimiterStoreFactory.class), load(SessionStoreFactory.class));
    }

    /**
     * Given providers and transports, for tests and embedding; the rate limiter and session stores are the
     * ones {@link ServiceLoader} finds.
     *
     * @param providers provider factories
     * @param transports transport factories
     * @return the plugins
     */
    public static Plugins of(List<? extends TranslationProviderFactory> providers,
            List<? extends TransportFactory> transports) {
        return of(providers, transports, load(RateLimiterStoreFactory.class));
    }

    /**
     * Given plugins, for tests and embedding; the session stores are the ones {@link ServiceLoader} finds.
     *
     * @param providers provider factories
     * @param transports transport factories
     * @param limiterStores rate limiter store factories
     * @return the plugins
     */
    public static Plugins of(List<? extends TranslationProviderFactory> providers,
            List<? extends TransportFactory> transports, List<? extends RateLimiterStoreFactory> limiterStores) {
        return new Plugins(List.copyOf(providers), List.copyOf(transports), List.copyOf(limiterStores),
                load(SessionStoreFactory.class));
    }

    private static <S> List<S> load(Class<S> service) {
        try {
            return ServiceLoader.load(service).stream().map(ServiceLoader.Provider::get).toList();
        } catch (ServiceConfigurationError e) {
            throw new StartupException("a " + service.getSimpleName() + " plugin cannot be loaded: " + e.getMessage(), e);
        }
    }

    private static <S> List<S> sorted(List<S> plugins, Function<S, String> name, String kind) {
        List<S> list = plugins.stream().sorted(Comparator.comparing(name)).toList();
        for (int i = 1; i < list.size(); i++) {
            if (name.apply(list.get(i)).equals(name.apply(list.get(i - 1)))) {
                throw new StartupException("two " + kind + " plugins are named '" + name.apply(list.get(i)) + "': "
                        + list.get(i - 1).getClass().getName() + " and " + list.get(i).getClass().getName());
            }
        }
        return list;
    }

    /**
     * The provider factories, by name.
     *
     * @return the factories
     */
    public List<TranslationProviderFactory> providers() {
        return providers;
    }

    /**
     * The transport factories, by name.
     *
     * @return the factories
     */
    public List<TransportFactory> transports() {
        return transports;
    }

    /**
     * The rate limiter store factories, by name.
     *
     * @return the factories
     */
    public List<RateLimiterStoreFactory> limiterStores() {
        return limiterStores;
    }

    /**
     * The session store factories, by name.
     *
     * @return the factories
     */
    public List<SessionStoreFactory> sessionStores() {
        return sessionStores;
    }

    /**
     * The web content found on the module path (the console module's pages), by name.
     *
     * @return the contents
     */
    public List<WebContent> webContent() {
        return webContent;
    }

    /**
     * The session store factory of a name.
     *
     * @param name the value of {@code fairway.session.store}
     * @return the factory
     * @throws InvalidConfigurationException naming the stores there are, when none has this name
     */
    public SessionStoreFactory sessionStore(String name) {
        return find(sessionStores, SessionStoreFactory::name, name, ConfigKeys.SESSION_STORE.name(), "session store");
    }

    /**
     * The rate limiter store factory of a name.
     *
     * @param name the value of {@code fairway.limiter.store}
     * @return the factory
     * @throws InvalidConfigurationException naming the stores there are, when none has this name
     */
    public RateLimiterStoreFactory limiterStore(String name) {
        return find(limiterStores, RateLimiterStoreFactory::name, name, ConfigKeys.LIMITER_STORE.name(),
                "rate limiter store");
    }

    /**
     * The provider factory of a name.
     *
     * @param name the value of {@code fairway.provider}
     * @return the factory
     * @throws InvalidConfigurationException naming the providers there are, when none has this name
     */
    public TranslationProviderFactory provider(String name) {
        return find(providers, TranslationProviderFactory::name, name, ConfigKeys.PROVIDER.name(), "provider");
    }

    /**
     * The transport factory of a name.
     *
     * @param name the value of {@code fairway.transport}
     * @return the factory
     * @throws InvalidConfigurationException naming the transports there are, when none has this name
     */
    public TransportFactory transport(String name) {
        return find(transports, TransportFactory::name, name, ConfigKeys.TRANSPORT.name(), "transport");
    }

    private static <S> S find(List<S> plugins, Function<S, String> nameOf, String name, String key, String kind) {
        for (S plugin : plugins) {
            if (nameOf.apply(plugin).equals(name)) {
                return plugin;
            }
        }
        List<String> names = plugins.stream().map(nameOf).toList();
        String allowed = "one of " + names;
        if (names.isEmpty()) {
            allowed += " (no " + kind + " plugin found on the module path)";
        }
        throw new InvalidConfigurationException(key, name, allowed);
    }
}
