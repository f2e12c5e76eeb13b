package dev.fairway.provider.anthropic;

import dev.fairway.api.InvalidConfigurationException;
import dev.fairway.api.spi.PluginConfig;
import dev.fairway.provider.support.BatchSettings;
import dev.fairway.provider.support.HttpProviderSettings;

import java.net.URI;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The provider's configuration, read once from {@link PluginConfig} and checked: the keys every HTTP
 * provider reads ({@link #http()}) and Anthropic's own. {@link #toString()} masks the API key.
 *
 * @param http base URL (requests go to {@code baseUrl + "/v1/messages"}), model, API key (sent as
 *     {@code x-api-key}), timeouts, temperatures, HTTP version, and the completion cap, whose ceiling
 *     is the model's output limit ({@link ModelLimits}) or a configured value up to that limit
 * @param anthropicVersion the {@code anthropic-version} header
 * @param batch the {@code batch.*} keys: whether and how many segments go in one call
 */
record AnthropicSettings(HttpProviderSettings http, String anthropicVersion, BatchSettings batch) {

    /** The configuration prefix the application gives this provider. */
    static final String PREFIX = "fairway.provider.anthropic";
    /** The environment variable read when {@code api-key} is not configured. */
    static final String API_KEY_ENV = "ANTHROPIC_API_KEY";
    /** Anthropic's own endpoint: only a default, contacted when nothing else is configured. */
    static final String DEFAULT_BASE_URL = "https://api.anthropic.com";
    /**
     * The fastest, cheapest current model: a translation needs no more. ({@code claude-3-5-haiku-latest},
     * the first default, has been retired.)
     */
    static final String DEFAULT_MODEL = "claude-haiku-4-5";
    /** The API version Anthropic documents for the Messages API. */
    static final String DEFAULT_ANTHROPIC_VERSION = "2023-06-01";

    /** Every key this provider reads, relative to {@link #PREFIX}; others are reported as unknown. */
    static final Set<String> KEYS = Stream.concat(HttpProviderSettings.keysWith("anthropic-version").stream(),
            BatchSettings.KEYS.stream()).collect(Collectors.toUnmodifiableSet());

    private static final System.Logger LOG = System.getLogger(AnthropicSettings.class.getName());

    /** How Anthropic's keys differ from the other HTTP providers'. Anthropic accepts temperatures up to 1. */
    private static final HttpProviderSettings.Spec SPEC = new HttpProviderSettings.Spec(AnthropicProvider.NAME,
            DEFAULT_BASE_URL, DEFAULT_BASE_URL, "requests go to {base-url}/v1/messages", DEFAULT_MODEL, API_KEY_ENV,
            1.0, AnthropicSettings::maxTokensMax);

    /** Checks what the factory cannot: the key's presence. */
    AnthropicSettings {
        Objects.requireNonNull(batch, "batch");
        if (http.apiKey().isEmpty()) {
            throw new IllegalArgumentException("apiKey must not be empty");
        }
    }

    /**
     * Reads and checks the configuration.
     *
     * @param config the provider's keys
     * @param environment looks up environment variables (for {@value #API_KEY_ENV})
     * @return the settings
     * @throws InvalidConfigurationException naming the key when a value is bad or the key is missing
     */
    static AnthropicSettings from(PluginConfig config, Function<String, String> environment) {
        HttpProviderSettings.warnUnknownKeys(config, KEYS, LOG);
        HttpProviderSettings http = HttpProviderSettings.read(config, SPEC, environment, true, "");
        String version = config.string("anthropic-version", DEFAULT_ANTHROPIC_VERSION);
        if (!version.matches("[A-Za-z0-9._-]+")) {
            throw new InvalidConfigurationException(config.fullKey("anthropic-version"), version,
                    "an API version such as " + DEFAULT_ANTHROPIC_VERSION);
        }
        return new AnthropicSettings(http, version, BatchSettings.read(config));
    }

    /**
     * The ceiling of {@code max_tokens}: the model's output limit, or a configured value, clamped to
     * the limit when the model is known (Anthropic refuses a larger {@code max_tokens}).
     */
    private static int maxTokensMax(PluginConfig config, String model) {
        int modelMax = ModelLimits.maxOutputTokens(model);
        if (config.get("max-tokens.max").isEmpty()) {
            return modelMax;
        }
        int configured = config.integer("max-tokens.max", modelMax, 1, 1_000_000);
        if (configured > modelMax && ModelLimits.isKnown(model)) {
            LOG.log(System.Logger.Level.WARNING,
                    () -> ModelLimits.clampMessage(config.fullKey("max-tokens.max"), configured, model, modelMax));
            return modelMax;
        }
        return configured;
    }

    /**
     * The Messages endpoint.
     *
     * @return {@code {base-url}/v1/messages}
     */
    URI messagesUri() {
        return URI.create(http.baseUrl() + "/v1/messages");
    }

    @Override
    public String toString() {
        return "AnthropicSettings[" + http + ", anthropicVersion=" + anthropicVersion + ", " + batch + "]";
    }
}
