package dev.fairway.provider.openai;

import dev.fairway.api.spi.ProviderContext;
import dev.fairway.api.spi.TranslationProvider;
import dev.fairway.api.spi.TranslationProviderFactory;

import java.time.InstantSource;
import java.util.Objects;
import java.util.function.Function;

/**
 * The {@code openai} provider plugin: OpenAI's Chat Completions API, or any server that speaks it
 * (Azure OpenAI, vLLM, Ollama), chosen by {@code fairway.provider.openai.base-url}. Found by
 * {@link java.util.ServiceLoader}; cheap to construct, the work happens in {@link #create}.
 *
 * <p>The API key comes from {@code fairway.provider.openai.api-key}, else from the environment
 * variable {@code OPENAI_API_KEY}; without one, {@link #create} stops with an
 * {@link dev.fairway.api.InvalidConfigurationException} that says so in one line. The module's
 * README lists every key.
 */
public final class OpenAiProviderFactory implements TranslationProviderFactory {

    private final Function<String, String> environment;
    private final InstantSource wallClock;

    /** The factory {@link java.util.ServiceLoader} makes: reads the process environment and the system clock. */
    public OpenAiProviderFactory() {
        this(System::getenv, InstantSource.system());
    }

    /**
     * A factory with its own environment and wall clock, for tests.
     *
     * @param environment looks up environment variables; returns null for unset ones
     * @param wallClock reads HTTP-date {@code Retry-After} values
     */
    OpenAiProviderFactory(Function<String, String> environment, InstantSource wallClock) {
        this.environment = Objects.requireNonNull(environment, "environment");
        this.wallClock = Objects.requireNonNull(wallClock, "wallClock");
    }

    @Override
    public String name() {
        return OpenAiProvider.NAME;
    }

    @Override
    public String description() {
        return "OpenAI Chat Completions, or an OpenAI-compatible server (Azure OpenAI, vLLM, Ollama) at base-url";
    }

    /**
     * Builds an {@link OpenAiProvider}; with {@code warm-up} set, starts opening connections in the
     * background (a failed warm-up is only logged).
     *
     * @param context the provider's configuration and clock
     * @return the provider
     * @throws dev.fairway.api.InvalidConfigurationException when a key is bad or no API key is set
     */
    @Override
    public TranslationProvider create(ProviderContext context) {
        Objects.requireNonNull(context, "context");
        return OpenAiProvider.create(OpenAiSettings.from(context.config(), environment), context, wallClock);
    }

    @Override
    public String toString() {
        return "OpenAiProviderFactory[openai]";
    }
}
