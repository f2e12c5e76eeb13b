package dev.fairway.provider.anthropic;

import dev.fairway.api.FinishReason;
import dev.fairway.api.NanoClock;
import dev.fairway.api.RateLimitFeedback;
import dev.fairway.api.SegmentKind;
import dev.fairway.api.TokenUsage;
import dev.fairway.api.TranslationRequest;
import dev.fairway.api.TranslationResult;
import dev.fairway.api.spi.BatchLimits;
import dev.fairway.api.spi.BatchOutcome;
import dev.fairway.api.spi.BatchReceiver;
import dev.fairway.api.spi.ProviderContext;
import dev.fairway.api.spi.TranslationProvider;
import dev.fairway.provider.support.BatchCall;
import dev.fairway.provider.support.BatchPrompts;
import dev.fairway.provider.support.ExchangeFailures;
import dev.fairway.provider.support.ProviderHttp;
import dev.fairway.provider.support.TranslationPrompts;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Translates through Anthropic's Messages API ({@code POST {base-url}/v1/messages}). Made by
 * {@link AnthropicProviderFactory}.
 *
 * <p>One instance holds one {@link ProviderHttp} client, whose kept-alive connections every call shares
 * (HTTP/2 streams over one connection to {@code api.anthropic.com}, a pool of HTTP/1.1 connections to
 * a plain-http server). Calls block the calling (virtual) thread without pinning it; an interrupt
 * cancels the HTTP exchange and surfaces as {@link InterruptedException}.
 *
 * <p>{@link #translateBatch} translates several segments in one call, the answer a forced tool call whose input
 * is checked segment by segment.
 */
public final class AnthropicProvider implements TranslationProvider {

    /** The factory's name. */
    static final String NAME = "anthropic";

    private static final System.Logger LOG = System.getLogger(AnthropicProvider.class.getName());

    private final AnthropicSettings settings;
    private final NanoClock clock;
    private final InstantSource wallClock;
    private final TranslationPrompts.Budget prompts;
    private final ExchangeFailures shared;
    private final Failures failures;
    private final URI messagesUri;
    private final ProviderHttp http;

    private AnthropicProvider(AnthropicSettings settings, ProviderContext context, InstantSource wallClock) {
        this.settings = settings;
        this.clock = context.clock();
        this.wallClock = wallClock;
        this.prompts = Prompts.of(settings);
        this.shared = new ExchangeFailures(settings.http(), "a message");
        this.failures = new Failures(settings, shared);
        this.messagesUri = settings.messagesUri();
        this.http = ProviderHttp.create(settings.http(), context, shared);
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
        return settings.http().model();
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
        http.checkOpen();
        String system = TranslationPrompts.systemPrompt(request.kind(), request.sourceLanguage(), request.targetLanguage());
        double temperature = settings.http().temperature(request.isFinal());
        int maxTokens = prompts.maxTokens(request.text());
        byte[] body = MessagesJson.requestBody(settings.http().model(), system, request.text(), temperature, maxTokens);
        HttpRequest post = post(body);
        long start = clock.nanoTime();
        HttpResponse<String> response = http.send(post, HttpResponse.BodyHandlers.ofString());
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
            throw shared.malformed(status, response.body(), e.getMessage());
        }
        // A server that reports no usage gets our estimate, not zero: the limiter reconciles with it.
        TokenUsage usage = message.usage().orElseGet(() -> TokenUsage.of(prompts.promptTokens(request.kind(), request.text()),
                message.text().isEmpty() ? 0 : Prompts.textTokens(message.text())));
        if (message.finishReason() == FinishReason.LENGTH) {
            LOG.log(System.Logger.Level.DEBUG, () -> "translation cut short at max_tokens=" + maxTokens
                    + "; raise " + AnthropicSettings.PREFIX + ".max-tokens.factor or .max-tokens.min");
        }
        return new TranslationResult(message.text(), usage, latency, feedback,
                message.model().isEmpty() ? settings.http().model() : message.model(), message.finishReason());
    }

    /**
     * The batch limits of {@code batch.max-segments} and {@code batch.max-tokens}.
     *
     * @return the limits, or empty when {@code batch.enabled = false} or {@code batch.max-segments = 1}
     */
    @Override
    public Optional<BatchLimits> batchLimits() {
        return settings.batch().limits();
    }

    /**
     * Translates several segments in one Messages call: the items go as JSON in the user turn, and the model must
     * call one tool, {@code translations}, whose {@code input_schema} is the answer's schema (see
     * {@link BatchPrompts}). The answer is not streamed: the tool call's input is checked as a whole by
     * {@link BatchCall}, which hands each valid segment to the receiver (all of them once the answer is in). The
     * segments' usages are shares of the usage the answer reports, adding up to it. An answer stopped at
     * {@code max_tokens} may have cut its last translation, which is left out.
     *
     * @param requests 2 to {@code batch.max-segments} segments
     * @param receiver takes each segment's result, on the calling thread
     * @return the call's usage, latency, feedback, model and the answer's problems
     * @throws dev.fairway.api.RateLimitedException on {@code rate_limit_error} (429), with {@code retry-after}
     * @throws dev.fairway.api.TransientProviderException on {@code overloaded_error}, {@code api_error}, timeouts,
     *     resets and unreadable answers
     * @throws dev.fairway.api.PermanentProviderException on authentication, permission, billing, invalid-request
     *     and not-found errors
     * @throws UnsupportedOperationException when batching is off
     * @throws InterruptedException when interrupted; the HTTP exchange is cancelled
     */
    @Override
    public BatchOutcome translateBatch(List<TranslationRequest> requests, BatchReceiver receiver)
            throws InterruptedException {
        Objects.requireNonNull(receiver, "receiver");
        settings.batch().check(NAME, requests);
        http.checkOpen();
        BatchCall batch = BatchCall.create(requests, prompts, settings.http().model(), clock, receiver);
        byte[] body = MessagesJson.batchRequestBody(settings.http().model(), batch.systemPrompt(), batch.userMessage(),
                BatchPrompts.temperature(settings.http(), requests), batch.maxTokens());
        HttpRequest post = post(body);
        batch.sent();
        HttpResponse<String> response = http.send(post, HttpResponse.BodyHandlers.ofString());
        RateLimitFeedback feedback = RateLimitHeaders.parse(response.headers(), wallClock.instant());
        int status = response.statusCode();
        if (status / 100 != 2) {
            throw failures.forStatus(status, response.headers(), response.body(), feedback);
        }
        MessagesJson.ToolAnswer answer;
        try {
            answer = MessagesJson.toolAnswer(response.body());
        } catch (MessagesJson.NotAMessage e) {
            throw shared.malformed(status, response.body(), e.getMessage());
        }
        batch.answered(feedback);
        batch.model(answer.model());
        answer.usage().ifPresent(batch::usage);
        if (!answer.toolCall()) {
            batch.problem("the answer did not call the " + MessagesJson.TRANSLATIONS_TOOL + " tool; its text was read");
        }
        switch (answer.finishReason()) {
            case LENGTH -> batch.problem("the answer stopped at max_tokens = " + batch.maxTokens() + "; its last"
                    + " translation may be cut and was left out (raise " + AnthropicSettings.PREFIX
                    + ".max-tokens.max or lower .batch.max-tokens)");
            case CONTENT_FILTER -> batch.problem("the model refused (stop_reason refusal)");
            default -> {
                // The checker says whether the answer is whole.
            }
        }
        batch.feed(answer.json());
        return batch.finish();
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

    private HttpRequest post(byte[] body) {
        return http.request(messagesUri)
                .header("x-api-key", settings.http().apiKey())
                .header("anthropic-version", settings.anthropicVersion())
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
    }

    /** Stops taking calls; calls in flight finish, then the client closes its connections. Idempotent. */
    @Override
    public void close() {
        http.close();
    }

    @Override
    public String toString() {
        return "AnthropicProvider[baseUrl=" + settings.http().baseUrl() + ", model=" + settings.http().model() + ", "
                + settings.batch() + "]";
    }

    /** The checked settings. For tests. */
    AnthropicSettings settings() {
        return settings;
    }
}
