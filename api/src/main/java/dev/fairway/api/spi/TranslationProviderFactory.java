package dev.fairway.api.spi;

/**
 * The entry point of a translation provider plugin, found with {@link java.util.ServiceLoader}.
 * Implementations need a public no-argument constructor (or a public static {@code provider()}
 * method, on the module path) and must be cheap to construct: the work happens in {@link #create}.
 */
public interface TranslationProviderFactory {

    /**
     * The name the configuration selects this provider by ({@code fairway.provider = fake}):
     * lower case letters, digits and dashes.
     *
     * @return the name, for example {@code openai}
     */
    String name();

    /**
     * A one-line description for {@code fairway providers}.
     *
     * @return the description
     */
    default String description() {
        return name();
    }

    /**
     * Builds a provider from its configuration.
     *
     * @param context configuration, telemetry and clock
     * @return the provider
     * @throws dev.fairway.api.InvalidConfigurationException when a key is bad or a required key
     *     (such as an API key) is missing
     */
    TranslationProvider create(ProviderContext context);
}
