package dev.fairway.provider.anthropic;

import dev.fairway.api.InvalidConfigurationException;
import dev.fairway.api.spi.PluginConfig;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The provider's configuration, read once from {@link PluginConfig} and checked. The API key is
 * held here and nowhere else; {@link #toString()} masks it.
 *
 * @param baseUrl the API root without a trailing slash; requests go to {@code baseUrl + "/v1/messages"}
 * @param model the model sent in each request
 * @param apiKey the API key, sent as {@code x-api-key}
 * @param anthropicVersion the {@code anthropic-version} header
 * @param requestTimeout longest wait for an answer
 * @param connectTimeout longest wait to open a connection
 * @param partialTemperature sampling temperature for partials
 * @param finalTemperature sampling temperature for finals
 * @param maxTokensFactor completion headroom: max tokens = source tokens times this factor
 * @param maxTokensMin the smallest completion cap sent
 * @param maxTokensMax the largest completion cap sent: the model's output limit ({@link ModelLimits}),
 *     or a configured value up to that limit
 * @param httpVersion which HTTP version to ask for
 */
record AnthropicSettings(
        URI baseUrl,
        String model,
        String apiKey,
        String anthropicVersion,
        Duration requestTimeout,
        Duration connectTimeout,
        double partialTemperature,
        double finalTemperature,
        double maxTokensFactor,
        int maxTokensMin,
        int maxTokensMax,
        HttpVersionChoice httpVersion) {

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
    static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);
    static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** Partials are translated again and again as they grow: temperature 0 keeps successive ones consistent. */
    static final double DEFAULT_PARTIAL_TEMPERATURE = 0.0;
    /** Finals are translated once: a little freedom lets the phrasing read naturally. */
    static final double DEFAULT_FINAL_TEMPERATURE = 0.2;
    static final double DEFAULT_MAX_TOKENS_FACTOR = 2.0;
    static final int DEFAULT_MAX_TOKENS_MIN = 64;

    /** Every key this provider reads, relative to {@link #PREFIX}; others are reported as unknown. */
    static final Set<String> KEYS = Set.of("base-url", "model", "api-key", "anthropic-version", "request-timeout",
            "connect-timeout", "temperature.partial", "temperature.final", "max-tokens.factor", "max-tokens.min",
            "max-tokens.max", "http-version");

    private static final System.Logger LOG = System.getLogger(AnthropicSettings.class.getName());

    /** Checks what the factory cannot: the cap range and the key's presence. */
    AnthropicSettings {
        if (maxTokensMin > maxTokensMax) {
            throw new IllegalArgumentException("maxTokensMin must be <= maxTokensMax, was "
                    + maxTokensMin + " > " + maxTokensMax);
        }
        if (apiKey.isEmpty()) {
            throw new IllegalArgumentException("apiKey must not be empty");
        }
    }

    /** Which HTTP version to ask for. */
    enum HttpVersionChoice {
        /** HTTP/2 over TLS (negotiated, falling back to HTTP/1.1); HTTP/1.1 over plain http (no h2c upgrade). */
        AUTO,
        /** Always ask for HTTP/2 (over plain http this tries an h2c upgrade). */
        HTTP2,
        /** Always HTTP/1.1. */
        HTTP1_1
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
        Set<String> unknown = new TreeSet<>(config.keys());
        unknown.removeAll(KEYS);
        if (!unknown.isEmpty()) {
            // A typo would otherwise silently fall back to a default.
            LOG.log(System.Logger.Level.WARNING, () -> "ignoring unknown keys " + unknown.stream().map(config::fullKey).toList()
                    + "; known keys: " + new TreeSet<>(KEYS));
        }
        URI baseUrl = baseUrl(config);
        String model = config.string("model", DEFAULT_MODEL);
        if (model.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw new InvalidConfigurationException(config.fullKey("model"), model, "a model name such as " + DEFAULT_MODEL);
        }
        String apiKey = apiKey(config, environment);
        String version = config.string("anthropic-version", DEFAULT_ANTHROPIC_VERSION);
        if (!version.matches("[A-Za-z0-9._-]+")) {
            throw new InvalidConfigurationException(config.fullKey("anthropic-version"), version,
                    "an API version such as " + DEFAULT_ANTHROPIC_VERSION);
        }
        Duration requestTimeout = config.duration("request-timeout", DEFAULT_REQUEST_TIMEOUT,
                Duration.ofMillis(1), Duration.ofMinutes(10));
        Duration connectTimeout = config.duration("connect-timeout", DEFAULT_CONNECT_TIMEOUT,
                Duration.ofMillis(1), Duration.ofMinutes(5));
        // Anthropic accepts temperatures from 0 to 1.
        double partialTemperature = config.decimal("temperature.partial", DEFAULT_PARTIAL_TEMPERATURE, 0.0, 1.0);
        double finalTemperature = config.decimal("temperature.final", DEFAULT_FINAL_TEMPERATURE, 0.0, 1.0);
        double factor = config.decimal("max-tokens.factor", DEFAULT_MAX_TOKENS_FACTOR, 0.5, 20.0);
        int min = config.integer("max-tokens.min", DEFAULT_MAX_TOKENS_MIN, 1, 1_000_000);
        int max = maxTokensMax(config, model);
        if (min > max) {
            throw new InvalidConfigurationException(config.fullKey("max-tokens.min"), Integer.toString(min),
                    "at most " + config.fullKey("max-tokens.max") + " (" + max + ")");
        }
        HttpVersionChoice httpVersion = switch (config.choice("http-version", "auto", Set.of("auto", "http2", "http1.1"))) {
            case "http2" -> HttpVersionChoice.HTTP2;
            case "http1.1" -> HttpVersionChoice.HTTP1_1;
            default -> HttpVersionChoice.AUTO;
        };
        return new AnthropicSettings(baseUrl, model, apiKey, version, requestTimeout, connectTimeout,
                partialTemperature, finalTemperature, factor, min, max, httpVersion);
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
        return URI.create(baseUrl + "/v1/messages");
    }

    /**
     * What error messages call the server: its host and port, never a credential.
     *
     * @return for example {@code api.anthropic.com}
     */
    String serverName() {
        return baseUrl.getPort() < 0 ? baseUrl.getHost() : baseUrl.getHost() + ":" + baseUrl.getPort();
    }

    @Override
    public String toString() {
        return "AnthropicSettings[baseUrl=" + baseUrl + ", model=" + model + ", apiKey=(hidden)"
                + ", anthropicVersion=" + anthropicVersion
                + ", requestTimeout=" + requestTimeout + ", connectTimeout=" + connectTimeout
                + ", partialTemperature=" + partialTemperature + ", finalTemperature=" + finalTemperature
                + ", maxTokensFactor=" + maxTokensFactor + ", maxTokensMin=" + maxTokensMin
                + ", maxTokensMax=" + maxTokensMax + ", httpVersion=" + httpVersion + "]";
    }

    private static URI baseUrl(PluginConfig config) {
        String raw = config.string("base-url", DEFAULT_BASE_URL);
        String allowed = "an http:// or https:// URL such as " + DEFAULT_BASE_URL;
        URI uri;
        try {
            uri = new URI(raw);
        } catch (URISyntaxException e) {
            throw new InvalidConfigurationException(config.fullKey("base-url"), raw, allowed);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null
                || uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
            // A URL with user info may hold a password: do not echo it.
            throw new InvalidConfigurationException(config.fullKey("base-url"),
                    uri.getRawUserInfo() != null ? "(hidden)" : raw,
                    allowed + ", without query, fragment or user info (requests go to {base-url}/v1/messages)");
        }
        String text = uri.toString();
        while (text.endsWith("/")) {
            text = text.substring(0, text.length() - 1);
        }
        return URI.create(text);
    }

    private static String apiKey(PluginConfig config, Function<String, String> environment) {
        String key = config.get("api-key").orElse(null);
        String source = config.fullKey("api-key");
        if (key == null) {
            String fromEnv = environment.apply(API_KEY_ENV);
            key = fromEnv == null || fromEnv.isBlank() ? null : fromEnv.trim();
            source = API_KEY_ENV;
        }
        if (key == null) {
            throw new InvalidConfigurationException(config.fullKey("api-key"), null,
                    "an API key: set the environment variable " + API_KEY_ENV + " (or " + config.fullKey("api-key") + ")");
        }
        if (!key.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            // Never echo the key, not even a bad one.
            throw new InvalidConfigurationException(source, "(hidden)",
                    "an API key of printable ASCII characters without spaces");
        }
        return key;
    }
}
