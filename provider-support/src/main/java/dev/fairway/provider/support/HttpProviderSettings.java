package dev.fairway.provider.support;

import dev.fairway.api.InvalidConfigurationException;
import dev.fairway.api.spi.PluginConfig;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The keys every HTTP translation provider reads ({@link #KEYS}), read once from {@link PluginConfig}
 * and checked. A provider's own settings hold one of these beside the keys only it has. The API key
 * is held here and nowhere else; {@link #toString()} masks it.
 *
 * @param name the provider's name, for example {@code openai}; its keys are under {@link #prefix()}
 * @param baseUrl the API root without a trailing slash
 * @param model the model sent in each request
 * @param apiKey the API key, empty when the provider sends none
 * @param apiKeyEnv the environment variable read when {@code api-key} is not configured
 * @param requestTimeout longest wait for an answer
 * @param connectTimeout longest wait to open a connection
 * @param partialTemperature sampling temperature for partials
 * @param finalTemperature sampling temperature for finals
 * @param maxTokensFactor completion headroom: max tokens = source tokens times this factor
 * @param maxTokensMin the smallest completion cap sent
 * @param maxTokensMax the largest completion cap sent
 * @param httpVersion which HTTP version to ask for
 */
public record HttpProviderSettings(
        String name,
        URI baseUrl,
        String model,
        String apiKey,
        String apiKeyEnv,
        Duration requestTimeout,
        Duration connectTimeout,
        double partialTemperature,
        double finalTemperature,
        double maxTokensFactor,
        int maxTokensMin,
        int maxTokensMax,
        HttpVersionChoice httpVersion) {

    /** The keys read here, relative to the provider's prefix. */
    public static final Set<String> KEYS = Set.of("base-url", "model", "api-key", "request-timeout",
            "connect-timeout", "temperature.partial", "temperature.final", "max-tokens.factor", "max-tokens.min",
            "max-tokens.max", "http-version");
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** Partials are translated again and again as they grow: temperature 0 keeps successive ones consistent. */
    public static final double DEFAULT_PARTIAL_TEMPERATURE = 0.0;
    /** Finals are translated once: a little freedom lets the phrasing read naturally. */
    public static final double DEFAULT_FINAL_TEMPERATURE = 0.2;
    public static final double DEFAULT_MAX_TOKENS_FACTOR = 2.0;
    public static final int DEFAULT_MAX_TOKENS_MIN = 64;

    /** Validates what reading cannot: every field present, the cap range. */
    public HttpProviderSettings {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(baseUrl, "baseUrl");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(apiKey, "apiKey");
        Objects.requireNonNull(apiKeyEnv, "apiKeyEnv");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(httpVersion, "httpVersion");
        if (maxTokensMin > maxTokensMax) {
            throw new IllegalArgumentException("maxTokensMin must be <= maxTokensMax, was "
                    + maxTokensMin + " > " + maxTokensMax);
        }
    }

    /**
     * What differs between providers in reading the shared keys.
     *
     * @param name the provider's name
     * @param defaultBaseUrl the provider's own endpoint, used when {@code base-url} is not set
     * @param baseUrlExamples examples for the error message, for example {@code https://api.openai.com/v1}
     * @param baseUrlNote why a query is not allowed, for the error message
     * @param defaultModel the model used when {@code model} is not set
     * @param apiKeyEnv the environment variable read when {@code api-key} is not set
     * @param maxTemperature the largest temperature the API accepts
     * @param maxTokensMax reads the completion cap's ceiling from the keys and the model
     */
    public record Spec(String name, String defaultBaseUrl, String baseUrlExamples, String baseUrlNote,
                       String defaultModel, String apiKeyEnv, double maxTemperature, MaxTokensCeiling maxTokensMax) {
    }

    /** Reads {@code max-tokens.max}, whose default and bound may depend on the model. */
    @FunctionalInterface
    public interface MaxTokensCeiling {

        /**
         * The ceiling.
         *
         * @param config the provider's keys
         * @param model the configured model
         * @return the ceiling, >= 1
         */
        int read(PluginConfig config, String model);
    }

    /**
     * Reads and checks the shared keys.
     *
     * @param config the provider's keys
     * @param spec what differs between providers
     * @param environment looks up environment variables (for the API key)
     * @param keyRequired whether a key must be found; when false, the key is checked if given but not kept
     * @param missingKeyNote added to the message when the key is missing, for example how to do without
     * @return the settings
     * @throws InvalidConfigurationException naming the key when a value is bad or the key is missing
     */
    public static HttpProviderSettings read(PluginConfig config, Spec spec, Function<String, String> environment,
            boolean keyRequired, String missingKeyNote) {
        URI baseUrl = baseUrl(config, spec);
        String model = config.string("model", spec.defaultModel());
        if (model.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw new InvalidConfigurationException(config.fullKey("model"), model,
                    "a model name such as " + spec.defaultModel());
        }
        String apiKey = apiKey(config, environment, spec.apiKeyEnv(), keyRequired, missingKeyNote);
        Duration requestTimeout = config.duration("request-timeout", DEFAULT_REQUEST_TIMEOUT,
                Duration.ofMillis(1), Duration.ofMinutes(10));
        Duration connectTimeout = config.duration("connect-timeout", DEFAULT_CONNECT_TIMEOUT,
                Duration.ofMillis(1), Duration.ofMinutes(5));
        double partialTemperature = config.decimal("temperature.partial", DEFAULT_PARTIAL_TEMPERATURE, 0.0,
                spec.maxTemperature());
        double finalTemperature = config.decimal("temperature.final", DEFAULT_FINAL_TEMPERATURE, 0.0,
                spec.maxTemperature());
        double factor = config.decimal("max-tokens.factor", DEFAULT_MAX_TOKENS_FACTOR, 0.5, 20.0);
        int min = config.integer("max-tokens.min", DEFAULT_MAX_TOKENS_MIN, 1, 1_000_000);
        int max = spec.maxTokensMax().read(config, model);
        if (min > max) {
            throw new InvalidConfigurationException(config.fullKey("max-tokens.min"), Integer.toString(min),
                    "at most " + config.fullKey("max-tokens.max") + " (" + max + ")");
        }
        return new HttpProviderSettings(spec.name(), baseUrl, model, apiKey, spec.apiKeyEnv(), requestTimeout,
                connectTimeout, partialTemperature, finalTemperature, factor, min, max, HttpVersionChoice.read(config));
    }

    /**
     * Logs the keys a provider does not read: a typo would otherwise silently fall back to a default.
     *
     * @param config the provider's keys
     * @param known every key the provider reads
     * @param log the provider's logger
     */
    public static void warnUnknownKeys(PluginConfig config, Set<String> known, System.Logger log) {
        Set<String> unknown = new TreeSet<>(config.keys());
        unknown.removeAll(known);
        if (!unknown.isEmpty()) {
            log.log(System.Logger.Level.WARNING, () -> "ignoring unknown keys "
                    + unknown.stream().map(config::fullKey).toList() + "; known keys: " + new TreeSet<>(known));
        }
    }

    /**
     * The keys of a provider that reads these and some of its own.
     *
     * @param own the provider's own keys
     * @return both sets together
     */
    public static Set<String> keysWith(String... own) {
        Set<String> keys = new TreeSet<>(KEYS);
        keys.addAll(Set.of(own));
        return Set.copyOf(keys);
    }

    /**
     * The configuration prefix of the provider's keys.
     *
     * @return for example {@code fairway.provider.openai}
     */
    public String prefix() {
        return "fairway.provider." + name;
    }

    /**
     * What error messages call the server: its host and port, never a credential.
     *
     * @return for example {@code api.openai.com}
     */
    public String serverName() {
        return baseUrl.getPort() < 0 ? baseUrl.getHost() : baseUrl.getHost() + ":" + baseUrl.getPort();
    }

    /**
     * The token arithmetic of these settings' completion cap with a provider's tokenizer constants.
     *
     * @param asciiCharsPerTokenTenths ASCII characters a token, in tenths
     * @param framingTokens tokens the message framing adds
     * @return the budget
     */
    public TranslationPrompts.Budget budget(int asciiCharsPerTokenTenths, int framingTokens) {
        return new TranslationPrompts.Budget(asciiCharsPerTokenTenths, framingTokens, maxTokensFactor, maxTokensMin,
                maxTokensMax);
    }

    /**
     * The sampling temperature of a request.
     *
     * @param isFinal whether the request is a final
     * @return the final or the partial temperature
     */
    public double temperature(boolean isFinal) {
        return isFinal ? finalTemperature : partialTemperature;
    }

    @Override
    public String toString() {
        return "baseUrl=" + baseUrl + ", model=" + model + ", apiKey=" + (apiKey.isEmpty() ? "(none)" : "(hidden)")
                + ", requestTimeout=" + requestTimeout + ", connectTimeout=" + connectTimeout
                + ", partialTemperature=" + partialTemperature + ", finalTemperature=" + finalTemperature
                + ", maxTokensFactor=" + maxTokensFactor + ", maxTokensMin=" + maxTokensMin
                + ", maxTokensMax=" + maxTokensMax + ", httpVersion=" + httpVersion;
    }

    private static URI baseUrl(PluginConfig config, Spec spec) {
        String raw = config.string("base-url", spec.defaultBaseUrl());
        String allowed = "an http:// or https:// URL such as " + spec.baseUrlExamples();
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
                    allowed + ", without query, fragment or user info (" + spec.baseUrlNote() + ")");
        }
        String text = uri.toString();
        while (text.endsWith("/")) {
            text = text.substring(0, text.length() - 1);
        }
        return URI.create(text);
    }

    private static String apiKey(PluginConfig config, Function<String, String> environment, String env,
            boolean required, String missingNote) {
        String key = config.get("api-key").orElse(null);
        String source = config.fullKey("api-key");
        if (key == null) {
            String fromEnv = environment.apply(env);
            key = fromEnv == null || fromEnv.isBlank() ? null : fromEnv.trim();
            source = env;
        }
        if (key == null) {
            if (!required) {
                return "";
            }
            throw new InvalidConfigurationException(config.fullKey("api-key"), null,
                    "an API key: set the environment variable " + env + " (or " + config.fullKey("api-key")
                            + missingNote + ")");
        }
        if (!key.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            // Never echo the key, not even a bad one.
            throw new InvalidConfigurationException(source, "(hidden)",
                    "an API key of printable ASCII characters without spaces");
        }
        return required ? key : "";
    }
}
