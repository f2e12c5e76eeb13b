package dev.fairway.provider.openai;

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
 * @param baseUrl the API root without a trailing slash; requests go to {@code baseUrl + "/chat/completions"}
 * @param model the model sent in each request
 * @param apiKey the API key, empty when {@code auth} is {@link Auth#NONE}
 * @param auth how the key is sent
 * @param organization the {@code OpenAI-Organization} header, empty for none
 * @param project the {@code OpenAI-Project} header, empty for none
 * @param apiVersion the {@code api-version} query parameter (Azure OpenAI), empty for none
 * @param requestTimeout longest wait for an answer (for a streamed answer: for its headers and between two chunks)
 * @param connectTimeout longest wait to open a connection
 * @param partialTemperature sampling temperature for partials
 * @param finalTemperature sampling temperature for finals
 * @param maxTokensFactor completion headroom: max tokens = source tokens times this factor
 * @param maxTokensMin the smallest completion cap sent
 * @param maxTokensMax the largest completion cap sent
 * @param maxTokensParameter the JSON field carrying the cap ({@code max_tokens} or {@code max_completion_tokens})
 * @param streamFinals whether {@code translate(request)} streams finals
 * @param streamIncludeUsage whether streamed requests ask for usage ({@code stream_options.include_usage})
 * @param warmUp which request opens connections when the provider is created
 * @param warmUpConnections how many warm-up requests run at once (one connection each over HTTP/1.1)
 * @param httpVersion which HTTP version to ask for
 */
record OpenAiSettings(
        URI baseUrl,
        String model,
        String apiKey,
        Auth auth,
        String organization,
        String project,
        String apiVersion,
        Duration requestTimeout,
        Duration connectTimeout,
        double partialTemperature,
        double finalTemperature,
        double maxTokensFactor,
        int maxTokensMin,
        int maxTokensMax,
        String maxTokensParameter,
        boolean streamFinals,
        boolean streamIncludeUsage,
        WarmUp warmUp,
        int warmUpConnections,
        HttpVersionChoice httpVersion) {

    /** The configuration prefix the application gives this provider. */
    static final String PREFIX = "fairway.provider.openai";
    /** The environment variable read when {@code api-key} is not configured. */
    static final String API_KEY_ENV = "OPENAI_API_KEY";
    /** OpenAI's own endpoint: only a default, contacted when nothing else is configured. */
    static final String DEFAULT_BASE_URL = "https://api.openai.com/v1";
    static final String DEFAULT_MODEL = "gpt-4o-mini";
    static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);
    static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** Partials are translated again and again as they grow: temperature 0 keeps successive ones consistent. */
    static final double DEFAULT_PARTIAL_TEMPERATURE = 0.0;
    /** Finals are translated once: a little freedom lets the phrasing read naturally. */
    static final double DEFAULT_FINAL_TEMPERATURE = 0.2;
    static final double DEFAULT_MAX_TOKENS_FACTOR = 2.0;
    static final int DEFAULT_MAX_TOKENS_MIN = 64;
    static final int DEFAULT_MAX_TOKENS_MAX = 16_384;

    /** Every key this provider reads, relative to {@link #PREFIX}; others are reported as unknown. */
    static final Set<String> KEYS = Set.of("base-url", "model", "api-key", "auth", "organization", "project",
            "api-version", "request-timeout", "connect-timeout", "temperature.partial", "temperature.final",
            "max-tokens.factor", "max-tokens.min", "max-tokens.max", "max-tokens.parameter", "streaming.finals",
            "streaming.include-usage", "warm-up", "warm-up.connections", "http-version");

    private static final System.Logger LOG = System.getLogger(OpenAiSettings.class.getName());

    /** Checks what the factory cannot: the cap range and the key's presence. */
    OpenAiSettings {
        if (maxTokensMin > maxTokensMax) {
            throw new IllegalArgumentException("maxTokensMin must be <= maxTokensMax, was "
                    + maxTokensMin + " > " + maxTokensMax);
        }
        if (auth != Auth.NONE && apiKey.isEmpty()) {
            throw new IllegalArgumentException("apiKey must not be empty when auth is " + auth);
        }
    }

    /** How the API key travels. */
    enum Auth {
        /** {@code Authorization: Bearer <key>}: OpenAI, vLLM, Ollama, Azure OpenAI's v1 API. */
        BEARER,
        /** {@code api-key: <key>}: Azure OpenAI's deployment API. */
        API_KEY,
        /** No key: local servers without authentication. */
        NONE
    }

    /** The request that opens connections at start (the original's "Phase 1.5" connection warm-up). */
    enum WarmUp {
        /** No warm-up: the first translation opens the first connection. */
        OFF,
        /** {@code GET {base-url}/models}: authenticated, so a rejected key shows up in the log at start. */
        MODELS,
        /** {@code HEAD {base-url}}: opens the connection without touching an endpoint that costs anything. */
        HEAD
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
    static OpenAiSettings from(PluginConfig config, Function<String, String> environment) {
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
            throw new InvalidConfigurationException(config.fullKey("model"), model, "a model name such as gpt-4o-mini");
        }
        Auth auth = Auth.valueOf(config.choice("auth", "bearer", Set.of("bearer", "api-key", "none"))
                .toUpperCase(Locale.ROOT).replace('-', '_'));
        String apiKey = apiKey(config, environment, auth);
        String organization = headerValue(config, "organization");
        String project = headerValue(config, "project");
        String apiVersion = config.string("api-version", "");
        if (!apiVersion.matches("[A-Za-z0-9._-]*")) {
            throw new InvalidConfigurationException(config.fullKey("api-version"), apiVersion,
                    "an API version such as 2024-10-21");
        }
        Duration requestTimeout = config.duration("request-timeout", DEFAULT_REQUEST_TIMEOUT,
                Duration.ofMillis(1), Duration.ofMinutes(10));
        Duration connectTimeout = config.duration("connect-timeout", DEFAULT_CONNECT_TIMEOUT,
                Duration.ofMillis(1), Duration.ofMinutes(5));
        double partialTemperature = config.decimal("temperature.partial", DEFAULT_PARTIAL_TEMPERATURE, 0.0, 2.0);
        double finalTemperature = config.decimal("temperature.final", DEFAULT_FINAL_TEMPERATURE, 0.0, 2.0);
        double factor = config.decimal("max-tokens.factor", DEFAULT_MAX_TOKENS_FACTOR, 0.5, 20.0);
        int min = config.integer("max-tokens.min", DEFAULT_MAX_TOKENS_MIN, 1, 1_000_000);
        int max = config.integer("max-tokens.max", DEFAULT_MAX_TOKENS_MAX, 1, 1_000_000);
        if (min > max) {
            throw new InvalidConfigurationException(config.fullKey("max-tokens.min"), Integer.toString(min),
                    "at most " + config.fullKey("max-tokens.max") + " (" + max + ")");
        }
        String parameter = config.choice("max-tokens.parameter", "max_tokens",
                Set.of("max_tokens", "max_completion_tokens"));
        boolean streamFinals = config.bool("streaming.finals", false);
        boolean includeUsage = config.bool("streaming.include-usage", true);
        WarmUp warmUp = WarmUp.valueOf(config.choice("warm-up", "off", Set.of("off", "models", "head"))
                .toUpperCase(Locale.ROOT));
        int warmUpConnections = config.integer("warm-up.connections", 1, 1, 64);
        HttpVersionChoice httpVersion = switch (config.choice("http-version", "auto", Set.of("auto", "http2", "http1.1"))) {
            case "http2" -> HttpVersionChoice.HTTP2;
            case "http1.1" -> HttpVersionChoice.HTTP1_1;
            default -> HttpVersionChoice.AUTO;
        };
        return new OpenAiSettings(baseUrl, model, apiKey, auth, organization, project, apiVersion,
                requestTimeout, connectTimeout, partialTemperature, finalTemperature, factor, min, max,
                parameter, streamFinals, includeUsage, warmUp, warmUpConnections, httpVersion);
    }

    /**
     * The URI of an endpoint under the base URL, with the {@code api-version} query when set.
     *
     * @param path for example {@code /chat/completions}, or empty for the base URL itself
     * @return the URI
     */
    URI endpoint(String path) {
        String query = apiVersion.isEmpty() ? "" : "?api-version=" + apiVersion;
        return URI.create(baseUrl + path + query);
    }

    /**
     * What error messages call the server: its host and port, never a credential.
     *
     * @return for example {@code api.openai.com}
     */
    String serverName() {
        return baseUrl.getPort() < 0 ? baseUrl.getHost() : baseUrl.getHost() + ":" + baseUrl.getPort();
    }

    @Override
    public String toString() {
        return "OpenAiSettings[baseUrl=" + baseUrl + ", model=" + model + ", apiKey="
                + (apiKey.isEmpty() ? "(none)" : "(hidden)") + ", auth=" + auth
                + ", organization=" + organization + ", project=" + project + ", apiVersion=" + apiVersion
                + ", requestTimeout=" + requestTimeout + ", connectTimeout=" + connectTimeout
                + ", partialTemperature=" + partialTemperature + ", finalTemperature=" + finalTemperature
                + ", maxTokensFactor=" + maxTokensFactor + ", maxTokensMin=" + maxTokensMin
                + ", maxTokensMax=" + maxTokensMax + ", maxTokensParameter=" + maxTokensParameter
                + ", streamFinals=" + streamFinals + ", streamIncludeUsage=" + streamIncludeUsage
                + ", warmUp=" + warmUp + ", warmUpConnections=" + warmUpConnections
                + ", httpVersion=" + httpVersion + "]";
    }

    private static URI baseUrl(PluginConfig config) {
        String raw = config.string("base-url", DEFAULT_BASE_URL);
        String allowed = "an http:// or https:// URL such as " + DEFAULT_BASE_URL + " or http://localhost:11434/v1";
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
                    allowed + ", without query, fragment or user info (set api-version for Azure's query)");
        }
        String text = uri.toString();
        while (text.endsWith("/")) {
            text = text.substring(0, text.length() - 1);
        }
        return URI.create(text);
    }

    private static String apiKey(PluginConfig config, Function<String, String> environment, Auth auth) {
        String key = config.get("api-key").orElse(null);
        String source = config.fullKey("api-key");
        if (key == null) {
            String fromEnv = environment.apply(API_KEY_ENV);
            key = fromEnv == null || fromEnv.isBlank() ? null : fromEnv.trim();
            source = API_KEY_ENV;
        }
        if (key == null) {
            if (auth == Auth.NONE) {
                return "";
            }
            throw new InvalidConfigurationException(config.fullKey("api-key"), null,
                    "an API key: set the environment variable " + API_KEY_ENV + " (or " + config.fullKey("api-key")
                            + "; " + config.fullKey("auth") + " = none for a server without keys)");
        }
        if (!key.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            // Never echo the key, not even a bad one.
            throw new InvalidConfigurationException(source.equals(API_KEY_ENV) ? API_KEY_ENV : source, "(hidden)",
                    "an API key of printable ASCII characters without spaces");
        }
        return auth == Auth.NONE ? "" : key;
    }

    private static String headerValue(PluginConfig config, String key) {
        String value = config.string(key, "");
        if (!value.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new InvalidConfigurationException(config.fullKey(key), value,
                    "an id of printable ASCII characters without spaces");
        }
        return value;
    }
}
