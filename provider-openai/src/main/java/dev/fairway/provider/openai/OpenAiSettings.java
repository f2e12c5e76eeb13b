package dev.fairway.provider.openai;

import dev.fairway.api.InvalidConfigurationException;
import dev.fairway.api.spi.PluginConfig;
import dev.fairway.provider.support.BatchSettings;
import dev.fairway.provider.support.HttpProviderSettings;

import java.net.URI;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The provider's configuration, read once from {@link PluginConfig} and checked: the keys every HTTP
 * provider reads ({@link #http()}) and OpenAI's own. {@link #toString()} masks the API key.
 *
 * @param http base URL (requests go to {@code baseUrl + "/chat/completions"}), model, API key (empty
 *     when {@code auth} is {@link Auth#NONE}), timeouts, temperatures, completion cap, HTTP version
 * @param auth how the key is sent
 * @param organization the {@code OpenAI-Organization} header, empty for none
 * @param project the {@code OpenAI-Project} header, empty for none
 * @param apiVersion the {@code api-version} query parameter (Azure OpenAI), empty for none
 * @param maxTokensParameter the JSON field carrying the cap ({@code max_tokens} or {@code max_completion_tokens})
 * @param streamFinals whether {@code translate(request)} streams finals
 * @param streamIncludeUsage whether streamed requests ask for usage ({@code stream_options.include_usage})
 * @param warmUp which request opens connections when the provider is created
 * @param warmUpConnections how many warm-up requests run at once (one connection each over HTTP/1.1)
 * @param batch the {@code batch.*} keys: whether and how many segments go in one call
 */
record OpenAiSettings(
        HttpProviderSettings http,
        Auth auth,
        String organization,
        String project,
        String apiVersion,
        String maxTokensParameter,
        boolean streamFinals,
        boolean streamIncludeUsage,
        WarmUp warmUp,
        int warmUpConnections,
        BatchSettings batch) {

    /** The configuration prefix the application gives this provider. */
    static final String PREFIX = "fairway.provider.openai";
    /** The environment variable read when {@code api-key} is not configured. */
    static final String API_KEY_ENV = "OPENAI_API_KEY";
    /** OpenAI's own endpoint: only a default, contacted when nothing else is configured. */
    static final String DEFAULT_BASE_URL = "https://api.openai.com/v1";
    static final String DEFAULT_MODEL = "gpt-4o-mini";
    static final int DEFAULT_MAX_TOKENS_MAX = 16_384;

    /** Every key this provider reads, relative to {@link #PREFIX}; others are reported as unknown. */
    static final Set<String> KEYS = Stream.concat(HttpProviderSettings.keysWith("auth", "organization", "project",
            "api-version", "max-tokens.parameter", "streaming.finals", "streaming.include-usage", "warm-up",
            "warm-up.connections").stream(), BatchSettings.KEYS.stream()).collect(Collectors.toUnmodifiableSet());

    /** How OpenAI's keys differ from the other HTTP providers'. OpenAI accepts temperatures up to 2. */
    private static final HttpProviderSettings.Spec SPEC = new HttpProviderSettings.Spec(OpenAiProvider.NAME,
            DEFAULT_BASE_URL, DEFAULT_BASE_URL + " or http://localhost:11434/v1", "set api-version for Azure's query",
            DEFAULT_MODEL, API_KEY_ENV, 2.0,
            (config, model) -> config.integer("max-tokens.max", DEFAULT_MAX_TOKENS_MAX, 1, 1_000_000));

    private static final System.Logger LOG = System.getLogger(OpenAiSettings.class.getName());

    /** Checks what the factory cannot: the key's presence. */
    OpenAiSettings {
        Objects.requireNonNull(batch, "batch");
        if (auth != Auth.NONE && http.apiKey().isEmpty()) {
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

    /**
     * Reads and checks the configuration.
     *
     * @param config the provider's keys
     * @param environment looks up environment variables (for {@value #API_KEY_ENV})
     * @return the settings
     * @throws InvalidConfigurationException naming the key when a value is bad or the key is missing
     */
    static OpenAiSettings from(PluginConfig config, Function<String, String> environment) {
        HttpProviderSettings.warnUnknownKeys(config, KEYS, LOG);
        Auth auth = Auth.valueOf(config.choice("auth", "bearer", Set.of("bearer", "api-key", "none"))
                .toUpperCase(Locale.ROOT).replace('-', '_'));
        HttpProviderSettings http = HttpProviderSettings.read(config, SPEC, environment, auth != Auth.NONE,
                "; " + config.fullKey("auth") + " = none for a server without keys");
        String organization = headerValue(config, "organization");
        String project = headerValue(config, "project");
        String apiVersion = config.string("api-version", "");
        if (!apiVersion.matches("[A-Za-z0-9._-]*")) {
            throw new InvalidConfigurationException(config.fullKey("api-version"), apiVersion,
                    "an API version such as 2024-10-21");
        }
        String parameter = config.choice("max-tokens.parameter", "max_tokens",
                Set.of("max_tokens", "max_completion_tokens"));
        boolean streamFinals = config.bool("streaming.finals", false);
        boolean includeUsage = config.bool("streaming.include-usage", true);
        WarmUp warmUp = WarmUp.valueOf(config.choice("warm-up", "off", Set.of("off", "models", "head"))
                .toUpperCase(Locale.ROOT));
        int warmUpConnections = config.integer("warm-up.connections", 1, 1, 64);
        return new OpenAiSettings(http, auth, organization, project, apiVersion, parameter, streamFinals,
                includeUsage, warmUp, warmUpConnections, BatchSettings.read(config));
    }

    /**
     * The URI of an endpoint under the base URL, with the {@code api-version} query when set.
     *
     * @param path for example {@code /chat/completions}, or empty for the base URL itself
     * @return the URI
     */
    URI endpoint(String path) {
        String query = apiVersion.isEmpty() ? "" : "?api-version=" + apiVersion;
        return URI.create(http.baseUrl() + path + query);
    }

    @Override
    public String toString() {
        return "OpenAiSettings[" + http + ", auth=" + auth
                + ", organization=" + organization + ", project=" + project + ", apiVersion=" + apiVersion
                + ", maxTokensParameter=" + maxTokensParameter
                + ", streamFinals=" + streamFinals + ", streamIncludeUsage=" + streamIncludeUsage
                + ", warmUp=" + warmUp + ", warmUpConnections=" + warmUpConnections + ", " + batch + "]";
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
