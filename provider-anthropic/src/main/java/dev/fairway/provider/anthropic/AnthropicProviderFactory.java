package dev.fairway.provider.anthropic;

import dev.fairway.api.spi.ProviderContext;
import dev.fairway.api.spi.TranslationProvider;
import dev.fairway.api.spi.TranslationProviderFactory;

import java.time.InstantSource;
import java.util.Objects;
import java.util.function.Function;

/**
 * The {@code anthropic} provider plugin: Anthropic's Messages API. Found by
 * {@link java.util.ServiceLoader}; cheap to construct, the work happens in {@link #create}.
 *
 * <p>The API key comes from {@code fairway.provider.anthropic.api-key}, else from the environment
 * variable {@code ANTHROPIC_API_KEY}; without one, {@link #create} stops with an
 * {@link dev.fairway.api.InvalidConfigurationException} that says so in one line. The module's
 * README lists every key.
 */
public final class AnthropicProviderFactory implements TranslationProviderFactory {

    private final Function<String, String> environment;
    private final InstantSource wallClock;

    /** The factory {@link java.util.ServiceLoader} makes: reads the process environment and the system clock. */
    public AnthropicProviderFactory() {
        this(System::getenv, InstantSource.system());
    }

    /**
     * A factory with its own environment and wall clock, for tests.
     *
     * @param environment looks up environment variables; returns null for unset ones
     * @param wallClock turns the rate-limit headers' timestamps into waits
     */
    AnthropicProviderFactory(Function<String, String> environment, InstantSource wallClock) {
        this.environment = Objects.requireNonNull(environment, "environment");
        this.wallClock = Objects.requireNonNull(wallClock, "wallClock");
    }

    @Override
    public String name() {
        return AnthropicProvider.NAME;
    }

    @Override
    public String description() {
        return "Anthropic Messages API (Claude), or a server that speaks it at base-url";
    }

    /**
     * Builds an {@link AnthropicProvider}. Contacts nothing: the first translation opens the first connection.
     *
     * @param context the provider's configuration and clock
     * @return the provider
     * @throws dev.fairway.api.InvalidConfigurationException when a key is bad or no API key is set
     */
    @Override
    public TranslationProvider create(ProviderContext context) {
        Objects.requireNonNull(context, "context");
        return AnthropicProvider.create(AnthropicSettings.from(context.config(), environment), context, wallClock);
    }

    @Override
    public String toString() {
        return "AnthropicProviderFactory[anthropic]";
    }
}
