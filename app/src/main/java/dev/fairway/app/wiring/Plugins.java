package dev.fairway.app.wiring;

import dev.fairway.api.InvalidConfigurationException;
import dev.fairway.api.limit.RateLimiterStoreFactory;
import dev.fairway.api.session.SessionStoreFactory;
import dev.fairway.api.spi.TranslationProviderFactory;
import dev.fairway.api.spi.TransportFactory;
import dev.fairway.api.spi.WebContent;
import dev.fairway.app.config.ConfigKeys;
import dev.fairway.app.config.StartupException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.function.Function;

/**
 * The provider, transport, rate limiter store and session store plugins, by name: those on the module path,
 * and those of a plugins directory ({@code fairway.plugins.dir}), whose jars are loaded in a module layer of
 * their own ({@link PluginLayer}) and found with {@code ServiceLoader.load(layer, service)}; and the web content
 * (the console module's pages) the transport serves.
 *
 * <p>A plugin that cannot be loaded stops start-up ({@link StartupException}, one line naming its jar): the
 * node never runs with part of its plugins.
 */
public final class Plugins {

    /** What {@link #origin(Object)} says of a plugin on the module path. */
    public static final String MODULE_PATH = "module path";

    private final List<TranslationProviderFactory> providers;
    private final List<TransportFactory> transports;
    private final List<RateLimiterStoreFactory> limiterStores;
    private final List<SessionStoreFactory> sessionStores;
    /** The plugins directory's layer; null when there is none. */
    private final PluginLayer layer;
    private final List<WebContent> webContent;

    private Plugins(List<TranslationProviderFactory> providers, List<TransportFactory> transports,
            List<RateLimiterStoreFactory> limiterStores, List<SessionStoreFactory> sessionStores, PluginLayer layer) {
        this.layer = layer;
        this.providers = sorted(providers, TranslationProviderFactory::name, "translation provider");
        this.transports = sorted(transports, TransportFactory::name, "transport");
        this.limiterStores = sorted(limiterStores, RateLimiterStoreFactory::name, "rate limiter store");
        this.sessionStores = sorted(sessionStores, SessionStoreFactory::name, "session store");
        this.webContent = sorted(load(WebContent.class), WebContent::name, "web content");
    }

    /**
     * The plugins that {@link ServiceLoader} finds for this module ({@code uses} in module-info) on the module
     * path.
     *
     * @return the plugins
     * @throws StartupException when a plugin cannot be loaded or two share a name
     */
    public static Plugins discover() {
        return new Plugins(load(TranslationProviderFactory.class), load(TransportFactory.class),
                load(RateLimiterStoreFactory.class), load(SessionStoreFactory.class), null);
    }

    /**
     * The plugins on the module path and those of the jars in a plugins directory, loaded in a module layer
     * above the application's.
     *
     * @param directory the plugins directory; its files ending in {@code .jar} are loaded, others left alone
     * @return the plugins
     * @throws StartupException naming the jar, when a jar cannot be loaded as a module, does not resolve, a
     *     plugin in it cannot be created, or two plugins share a name
     */
    public static Plugins discover(Path directory) {
        Objects.requireNonNull(directory, "directory");
        Module app = Plugins.class.getModule();
        ModuleLayer parent = app.getLayer() == null ? ModuleLayer.boot() : app.getLayer();
        Optional<PluginLayer> found = PluginLayer.load(directory, parent, Plugins.class.getClassLoader());
        if (found.isEmpty()) {
            return discover();
        }
        PluginLayer layer = found.get();
        return new Plugins(both(TranslationProviderFactory.class, layer), both(TransportFactory.class, layer),
                both(RateLimiterStoreFactory.class, layer), both(SessionStoreFactory.class, layer), layer);
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
                load(SessionStoreFactory.class), null);
    }

    private static <S> List<S> load(Class<S> service) {
        try {
            return ServiceLoader.load(service).stream().map(ServiceLoader.Provider::get).toList();
        } catch (ServiceConfigurationError e) {
            throw new StartupException("a " + service.getSimpleName() + " plugin cannot be loaded: " + e.getMessage(), e);
        }
    }

    /** The module path's plugins, then the plugins directory's. */
    private static <S> List<S> both(Class<S> service, PluginLayer layer) {
        List<S> plugins = new ArrayList<>(load(service));
        plugins.addAll(load(service, layer));
        return plugins;
    }

    /**
     * The plugins of the layer alone: {@code ServiceLoader.load(layer, service)} also finds the parent layers',
     * which {@link #load(Class)} has found already, so those are skipped before they are created.
     */
    private static <S> List<S> load(Class<S> service, PluginLayer layer) {
        List<S> plugins = new ArrayList<>();
        Iterator<ServiceLoader.Provider<S>> found = ServiceLoader.load(layer.layer(), service).stream().iterator();
        while (true) {
            ServiceLoader.Provider<S> provider;
            try {
                if (!found.hasNext()) {
                    return plugins;
                }
                provider = found.next();
            } catch (ServiceConfigurationError e) {
                String where = layer.jarNamedIn(e.getMessage()).map(Path::toString)
                        .orElse("in " + layer.jars());
                throw new StartupException("plugin " + where + ": its " + service.getSimpleName()
                        + " cannot be loaded: " + PluginLayer.reasons(e), e);
            }
            Optional<Path> jar = layer.jarOf(provider.type());
            if (jar.isEmpty()) {
                continue;
            }
            try {
                plugins.add(provider.get());
            } catch (ServiceConfigurationError | RuntimeException e) {
                // The error's own message repeats the service and the class: the cause says why.
                Throwable why = e instanceof ServiceConfigurationError && e.getCause() != null ? e.getCause() : e;
                throw new StartupException("plugin " + jar.get() + ": its " + service.getSimpleName() + " "
                        + provider.type().getName() + " cannot be created: " + PluginLayer.reasons(why), e);
            }
        }
    }

    private <S> List<S> sorted(List<S> plugins, Function<S, String> name, String kind) {
        List<S> list = plugins.stream().sorted(Comparator.comparing(name)).toList();
        for (int i = 1; i < list.size(); i++) {
            if (name.apply(list.get(i)).equals(name.apply(list.get(i - 1)))) {
                throw new StartupException("two " + kind + " plugins are named '" + name.apply(list.get(i)) + "': "
                        + describe(list.get(i - 1)) + " and " + describe(list.get(i)));
            }
        }
        return list;
    }

    private String describe(Object plugin) {
        return plugin.getClass().getName() + " (" + origin(plugin) + ")";
    }

    /**
     * Where a plugin came from: the jar in the plugins directory, {@value #MODULE_PATH}, or {@code class path}.
     *
     * @param plugin one of the factories of these plugins
     * @return the jar's path as the plugins directory was given, or where else the plugin was found
     */
    public String origin(Object plugin) {
        Class<?> type = plugin.getClass();
        if (layer != null) {
            Optional<Path> jar = layer.jarOf(type);
            if (jar.isPresent()) {
                return jar.get().toString();
            }
        }
        return type.getModule().isNamed() ? MODULE_PATH : "class path";
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
            allowed += " (no " + kind + " plugin found on the module path or in the plugins directory)";
        }
        throw new InvalidConfigurationException(key, name, allowed);
    }
}
