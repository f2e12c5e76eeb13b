package dev.fairway.app.wiring;

import dev.fairway.api.FairwayException;
import dev.fairway.app.config.ConfigSources;
import dev.fairway.app.config.FairwayConfig;
import dev.fairway.app.config.StartupException;
import io.micronaut.context.BeanContext;

import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The running bean context: singletons built on first use by the {@code @Factory} classes of this
 * package, destroyed in reverse order by {@link #close()} (the provider, then the OpenTelemetry SDK,
 * which flushes). Failures of bean factories come out as the {@link FairwayException} that caused
 * them, not wrapped in Micronaut's exceptions, so that their one-line messages reach the user; a
 * component's {@link IllegalArgumentException} (a value its builder refused that the configuration's
 * ranges let through, which is a bug) comes out as a one-line {@link StartupException} too.
 *
 * <p>Cores join later as more {@code @Factory} beans; {@code serve} asks for a
 * {@code TranslationScheduler} bean, which core-queue's factory will provide.
 */
public final class Wiring implements AutoCloseable {

    private final BeanContext context;

    private Wiring(BeanContext context) {
        this.context = context;
    }

    /**
     * Starts the bean context and loads the configuration, so that a bad value fails here.
     *
     * @param sources the configuration sources
     * @param plugins the plugins found on the module path
     * @param singletons further ready-made singletons to register (tests and embedding), may be empty
     * @return the running wiring
     * @throws FairwayException when the configuration is bad
     */
    public static Wiring start(ConfigSources sources, Plugins plugins, List<?> singletons) {
        BeanContext context = BeanContext.build();
        context.start();
        Wiring wiring = new Wiring(context);
        try {
            context.registerSingleton(ConfigSources.class, sources);
            context.registerSingleton(Plugins.class, plugins);
            for (Object singleton : singletons) {
                context.registerSingleton(singleton);
            }
            wiring.bean(FairwayConfig.class);
            return wiring;
        } catch (RuntimeException e) {
            wiring.close();
            throw e;
        }
    }

    /**
     * A singleton, built on first use.
     *
     * @param type the bean type
     * @param <T> the type
     * @return the bean
     * @throws FairwayException when building it failed for a reason Fairway knows
     */
    public <T> T bean(Class<T> type) {
        return unwrapped(type, () -> context.getBean(type));
    }

    /**
     * A singleton when one is wired.
     *
     * @param type the bean type
     * @param <T> the type
     * @return the bean, when one of this type is wired
     */
    public <T> Optional<T> findBean(Class<T> type) {
        return unwrapped(type, () -> context.findBean(type));
    }

    private static <T> T unwrapped(Class<?> type, Supplier<T> lookup) {
        try {
            return lookup.get();
        } catch (RuntimeException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof FairwayException fairway) {
                    throw fairway;
                }
            }
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof IllegalArgumentException refused) {
                    String reason = String.valueOf(refused.getMessage()).replaceAll("\\s*\\R\\s*", " ");
                    throw new StartupException("cannot build the " + type.getSimpleName() + ": "
                            + HttpProxies.withoutUserInfo(reason) + " (a configuration value its component refuses)", e);
                }
            }
            throw e;
        }
    }

    /** Destroys the singletons: closes the provider and flushes and closes the OpenTelemetry SDK. */
    @Override
    public void close() {
        if (context.isRunning()) {
            context.close();
        }
    }
}
