package dev.fairway.provider.anthropic;

import dev.fairway.api.FinishReason;
import dev.fairway.api.NanoClock;
import dev.fairway.api.RateLimitFeedback;
import dev.fairway.api.SegmentKind;
import dev.fairway.api.TokenUsage;
import dev.fairway.api.TranslationRequest;
import dev.fairway.api.TranslationResult;
import dev.fairway.api.spi.ProviderContext;
import dev.fairway.api.spi.TranslationPrompts;
import dev.fairway.api.spi.TranslationProvider;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Translates through Anthropic's Messages API ({@code POST {base-url}/v1/messages}). Made by
 * {@link AnthropicProviderFactory}.
 *
 * <p>One instance holds one JDK {@link HttpClient}: its connections are kept alive and shared by
 * every call (HTTP/2 streams over one connection to {@code api.anthropic.com}, a pool of HTTP/1.1
 * connections to a plain-http server). Calls block the calling (virtual) thread without pinning it;
 * an interrupt cancels the HTTP exchange and surfaces as {@link InterruptedException}.
 */
public final class AnthropicProvider implements TranslationProvider {

    /** The factory's name. */
    static final String NAME = "anthropic";

    private static final System.Logger LOG = System.getLogger(AnthropicProvider.class.getName());
    /**
     * The client's own tasks (completing futures, body delivery) run on virtual threads started on
     * demand: the client then keeps no pool of platform threads of its own.
     */
    private static final Executor VIRTUAL_THREADS = task -> Thread.ofVirtual().name("fairway-anthropic-http").start(task);

    private final AnthropicSettings settings;
    private final NanoClock clock;
    /** {@code fairway/0.1.0 (provider-anthropic)}: which Fairway, for the provider's logs and support. */
    private final String userAgent;
    private final InstantSource wallClock;
    private final TranslationPrompts.Budget prompts;
    private final Failures failures;
    private final URI messagesUri;
    private final HttpClient client;
    private final AtomicBoolean closed = new AtomicBoolean();

    private AnthropicProvider(AnthropicSettings settings, ProviderContext context, InstantSource wallClock) {
        this.settings = settings;
        this.clock = context.clock();
        this.userAgent = "fairway/" + context.fairwayVersion() + " (provider-anthropic)";
        this.wallClock = wallClock;
        this.prompts = Prompts.of(settings);
        this.failures = new Failures(settings);
        this.messagesUri = settings.messagesUri();
        this.client = HttpClient.newBuilder()
                .version(httpVersion(settings))
                .connectTimeout(settings.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                // The application's choice (HTTPS_PROXY, NO_PROXY, fairway.http.proxy): the JDK's
                // client reads no environment variable itself.
                .proxy(context.proxySelector())
                .executor(VIRTUAL_THREADS)
                .build();
    }

    /**
     * Builds a provider.
     *
     * @param settings checked settings
     * @param context the application's clock (measures latency), proxy selector and version
     * @param wallClock turns the rate-limit headers' timestamps into waits
     * @return the provider
     */
    static AnthropicProvider create(AnthropicSettings settings, ProviderContext context, InstantSource wallClock) {
        return new AnthropicProvider(Objects.requireNonNull(settings, "settings"),
                Objects.requireNonNull(context, "context"), Objects.requireNonNull(wallClock, "wallClock"));
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String model() {
        return settings.model();
    }

    /**
     * Translates.
     *
     * @param request what to translate
     * @return the translation with usage, latency and rate-limit feedback
     * @throws dev.fairway.api.RateLimitedException on {@code rate_limit_error} (429), with {@code retry-after}
     * @throws dev.fairway.api.TransientProviderException on {@code overloaded_error} (529), {@code api_error}
     *     (500), timeouts, resets and unreadable answers
     * @throws dev.fairway.api.PermanentProviderException on authentication, permission, billing,
     *     invalid-request and not-found errors
     * @throws InterruptedException when interrupted; the HTTP exchange is cancelled
     */
    @Override
    public TranslationResult translate(TranslationRequest request) throws InterruptedException {
        Objects.requireNonNull(request, "request");
        if (closed.get()) {
            throw new IllegalStateException("the anthropic provider is closed");
        }
        String system = TranslationPrompts.systemPrompt(request.kind(), request.sourceLanguage(), request.targetLanguage());
        double temperature = request.isFinal() ? settings.finalTemperature() : settings.partialTemperature();
        int maxTokens = prompts.maxTokens(request.text());
        byte[] body = MessagesJson.requestBody(settings.model(), system, request.text(), temperature, maxTokens);
        HttpRequest http = HttpRequest.newBuilder(messagesUri)
                .timeout(settings.requestTimeout())
                .header("User-Agent", userAgent)
                .header("x-api-key", settings.apiKey())
                .header("anthropic-version", settings.anthropicVersion())
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        long start = clock.nanoTime();
        HttpResponse<String> response = await(client.sendAsync(http, HttpResponse.BodyHandlers.ofString()));
        Duration latency = Duration.ofNanos(Math.max(0, clock.nanoTime() - start));
        RateLimitFeedback feedback = RateLimitHeaders.parse(response.headers(), wallClock.instant());
        int status = response.statusCode();
        if (status / 100 != 2) {
            throw failures.forStatus(status, response.headers(), response.body(), feedback);
        }
        MessagesJson.Message message;
        try {
            message = MessagesJson.message(response.body());
        } catch (MessagesJson.NotAMessage e) {
            throw failures.malformed(status, response.body(), e.getMessage());
        }
        // A server that reports no usage gets our estimate, not zero: the limiter reconciles with it.
        TokenUsage usage = message.usage().orElseGet(() -> TokenUsage.of(prompts.promptTokens(request.kind(), request.text()),
                message.text().isEmpty() ? 0 : Prompts.textTokens(message.text())));
        if (message.finishReason() == FinishReason.LENGTH) {
            LOG.log(System.Logger.Level.DEBUG, () -> "translation cut short at max_tokens=" + maxTokens
                    + "; raise " + AnthropicSettings.PREFIX + ".max-tokens.factor or .max-tokens.min");
        }
        return new TranslationResult(message.text(), usage, latency, feedback,
                message.model().isEmpty() ? settings.model() : message.model(), message.finishReason());
    }

    /**
     * Estimates what the rate limiter should reserve: the prompt's tokens (system prompt, text,
     * framing) plus the request's {@code max_tokens}, which Anthropic charges against the
     * output-tokens limit when it admits a request.
     *
     * @param kind partial or final
     * @param text the source text
     * @return the reservation, > 0
     */
    @Override
    public int estimateTokens(SegmentKind kind, String text) {
        return prompts.reservedTokens(kind, text);
    }

    /** Stops taking calls; calls in flight finish, then the client closes its connections. Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            client.shutdown();
        }
    }

    @Override
    public String toString() {
        return "AnthropicProvider[baseUrl=" + settings.baseUrl() + ", model=" + settings.model() + "]";
    }

    /** The checked settings. For tests. */
    AnthropicSettings settings() {
        return settings;
    }

    private <T> T await(CompletableFuture<T> future) throws InterruptedException {
        try {
            return future.get(settings.requestTimeout().toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            future.cancel(true);
            throw e;
        } catch (TimeoutException e) {
            future.cancel(true);
            throw failures.timedOut(null);
        } catch (ExecutionException e) {
            throw failures.forIo(unwrap(e.getCause()));
        }
    }

    private static Throwable unwrap(Throwable failure) {
        Throwable t = failure;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static HttpClient.Version httpVersion(AnthropicSettings settings) {
        return switch (settings.httpVersion()) {
            case HTTP2 -> HttpClient.Version.HTTP_2;
            case HTTP1_1 -> HttpClient.Version.HTTP_1_1;
            // HTTP/2 is negotiated by TLS (ALPN) and falls back to HTTP/1.1; over plain http the JDK
            // would try an h2c upgrade, which some local servers and proxies mishandle.
            case AUTO -> "https".equalsIgnoreCase(settings.baseUrl().getScheme())
                    ? HttpClient.Version.HTTP_2 : HttpClient.Version.HTTP_1_1;
        };
    }
}
