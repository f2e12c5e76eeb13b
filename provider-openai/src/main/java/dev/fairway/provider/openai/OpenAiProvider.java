package dev.fairway.provider.openai;

import dev.fairway.api.FinishReason;
import dev.fairway.api.NanoClock;
import dev.fairway.api.RateLimitFeedback;
import dev.fairway.api.SegmentKind;
import dev.fairway.api.TokenUsage;
import dev.fairway.api.TransientProviderException;
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
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Translates through an OpenAI or OpenAI-compatible Chat Completions endpoint
 * ({@code POST {base-url}/chat/completions}). Made by {@link OpenAiProviderFactory}.
 *
 * <p>One instance holds one {@link ProviderHttp} client, whose kept-alive connections every call
 * shares and which can open them ahead of the first translation ({@code warm-up}). Calls block the
 * calling (virtual) thread without pinning it; an interrupt cancels the HTTP exchange and surfaces as
 * {@link InterruptedException}.
 *
 * <p>{@link #translate(TranslationRequest, Consumer)} streams the answer (server-sent events) and
 * hands the growing text to a callback, for transports that forward a translation as it grows.
 * {@link #translateBatch} translates several segments in one streamed call with a structured output and hands
 * each to the scheduler as soon as its part of the answer is complete.
 */
public final class OpenAiProvider implements TranslationProvider {

    /** The factory's name. */
    static final String NAME = "openai";

    private static final System.Logger LOG = System.getLogger(OpenAiProvider.class.getName());
    private static final Consumer<String> IGNORE = text -> {
    };

    private final OpenAiSettings settings;
    private final NanoClock clock;
    private final InstantSource wallClock;
    private final TranslationPrompts.Budget prompts;
    private final ExchangeFailures shared;
    private final Failures failures;
    private final URI chatUri;
    private final ProviderHttp http;
    /** The last warm-up: the one at start, or a retry a readiness probe started. */
    private volatile CompletableFuture<Void> warmUp;
    /** Why the provider is not ready (warming up, the warm-up failed or its key was refused); null when ready. */
    private volatile String notReady;
    /** When the last warm-up started, on {@link #clock}. */
    private volatile long warmUpStarted;
    /** Whether a warm-up is on its way. */
    private final AtomicBoolean warming = new AtomicBoolean();

    /** How long after a failed warm-up a readiness probe starts another (one request). */
    static final Duration WARM_UP_RETRY = Duration.ofSeconds(10);

    private OpenAiProvider(OpenAiSettings settings, ProviderContext context, InstantSource wallClock) {
        this.settings = settings;
        this.clock = context.clock();
        this.wallClock = wallClock;
        this.prompts = Prompts.of(settings);
        this.shared = new ExchangeFailures(settings.http(), "a chat completion");
        this.failures = new Failures(settings, shared);
        this.chatUri = settings.endpoint("/chat/completions");
        this.http = ProviderHttp.create(settings.http(), context, shared);
        if (settings.warmUp() == OpenAiSettings.WarmUp.OFF) {
            this.warmUp = CompletableFuture.completedFuture(null);
        } else {
            this.notReady = "warming up: the warm-up request has not answered yet";
            warming.set(true);
            this.warmUp = warm(settings.warmUpConnections());
        }
    }

    /**
     * Builds a provider and starts its warm-up when configured; the warm-up runs in the background
     * and its failures are only logged.
     *
     * @param settings checked settings
     * @param context the application's clock (measures latency), proxy selector and version
     * @param wallClock reads HTTP-date {@code Retry-After} values
     * @return the provider
     */
    static OpenAiProvider create(OpenAiSettings settings, ProviderContext context, InstantSource wallClock) {
        return new OpenAiProvider(Objects.requireNonNull(settings, "settings"),
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
     * Translates; finals are streamed when {@code streaming.finals} is on, otherwise the answer comes
     * in one piece.
     *
     * @param request what to translate
     * @return the translation with usage, latency and rate-limit feedback
     * @throws dev.fairway.api.RateLimitedException on a 429 for a rate limit, with the wait asked for
     * @throws TransientProviderException on timeouts, resets, 408/409/5xx and unreadable answers
     * @throws dev.fairway.api.PermanentProviderException on 400, 401/403, 404, exhausted quota
     * @throws InterruptedException when interrupted; the HTTP exchange is cancelled
     */
    @Override
    public TranslationResult translate(TranslationRequest request) throws InterruptedException {
        Objects.requireNonNull(request, "request");
        return settings.streamFinals() && request.isFinal() ? stream(request, IGNORE) : complete(request);
    }

    /**
     * Translates with a streamed answer ({@code stream: true}), handing the text to {@code onText}
     * each time it grows. The result is the same as {@link #translate(TranslationRequest)}'s. If the
     * server ignores {@code stream}, the whole text is handed over once.
     *
     * @param request what to translate (partial or final)
     * @param onText receives the whole translation so far (leading white space removed), on the
     *     calling thread; if it throws, the call is cancelled and the exception passed on
     * @return the translation with usage, latency and rate-limit feedback
     * @throws dev.fairway.api.RateLimitedException on a 429 for a rate limit, with the wait asked for
     * @throws TransientProviderException on timeouts, resets, 408/409/5xx, broken streams
     * @throws dev.fairway.api.PermanentProviderException on 400, 401/403, 404, exhausted quota
     * @throws InterruptedException when interrupted; the HTTP exchange is cancelled
     */
    public TranslationResult translate(TranslationRequest request, Consumer<String> onText) throws InterruptedException {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(onText, "onText");
        return stream(request, onText);
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
     * Translates several segments in one streamed Chat Completions call with a structured output
     * ({@code response_format} of type {@code json_schema}, strict): the items go as JSON in the user message, the
     * answer is {@code {"translations":[{"id","text"}, ...]}} (see {@link BatchPrompts}), read as it streams in by
     * {@link BatchCall}, which hands each segment to the receiver as soon as its object is complete and valid. A
     * server that ignores {@code stream} answers in one piece, checked the same way. Usage: see {@link BatchCall}
     * (a stream reports its usage last, so the segments get shares of the estimate, and the outcome the usage
     * reported).
     *
     * @param requests 2 to {@code batch.max-segments} segments
     * @param receiver takes each segment's result, on the calling thread; if it throws, the call is cancelled and
     *     the exception passed on
     * @return the call's usage, latency, feedback, model and the answer's problems
     * @throws dev.fairway.api.RateLimitedException on a 429 for a rate limit, with the wait asked for
     * @throws TransientProviderException on timeouts, resets, 408/409/5xx, broken streams
     * @throws dev.fairway.api.PermanentProviderException on 400 (a server without structured outputs), 401/403,
     *     404, exhausted quota
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
        byte[] body = ChatJson.batchRequestBody(settings.http().model(), batch.systemPrompt(), batch.userMessage(),
                BatchPrompts.temperature(settings.http(), requests), settings.maxTokensParameter(), batch.maxTokens(),
                settings.streamIncludeUsage());
        HttpRequest post = authorized(http.request(chatUri))
                .header("Content-Type", "application/json")
                .header("Accept", "text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        batch.sent();
        StreamEnd end = exchange(post, new StreamSink() {
            @Override
            public void head(RateLimitFeedback feedback) {
                batch.answered(feedback);
            }

            @Override
            public void model(String model) {
                batch.model(model);
            }

            @Override
            public void usage(TokenUsage usage) {
                batch.usage(usage);
            }

            @Override
            public void text(String piece) {
                batch.feed(piece);
            }
        });
        switch (end.finish()) {
            case LENGTH -> batch.problem("the answer stopped at " + settings.maxTokensParameter() + " = "
                    + batch.maxTokens() + " (raise " + OpenAiSettings.PREFIX + ".max-tokens.max or lower .batch.max-tokens)");
            case CONTENT_FILTER -> batch.problem("the answer was stopped by the content filter");
            default -> {
                // STOP: the checker says whether the answer is whole. OTHER: a server without finish reasons.
            }
        }
        return batch.finish();
    }

    /**
     * Estimates what the rate limiter should reserve: the prompt's tokens (system prompt, text,
     * framing) plus the request's {@code max_tokens}, which is how OpenAI counts a request against
     * its tokens-per-minute limit when admitting it. The reported usage is usually smaller (the
     * translation is about as long as the source), and the limiter reconciles.
     *
     * @param kind partial or final
     * @param text the source text
     * @return the reservation, > 0
     */
    @Override
    public int estimateTokens(SegmentKind kind, String text) {
        return prompts.reservedTokens(kind, text);
    }

    /**
     * With {@code warm-up} set: not ready until a warm-up request was answered (any HTTP status but 401 and 403,
     * which say the key was refused), so that a node joins its load balancer with its connections open and its
     * endpoint known to be reachable. After a failed warm-up, a probe at least {@link #WARM_UP_RETRY} later starts
     * another (one request, in the background) and answers at once from the state it has. Without a warm-up:
     * always ready. Failures of translations do not make the provider not ready: every node shares the
     * provider, and they show in the finals' outcomes and in {@code /status}.
     *
     * @return empty when ready, or why not
     */
    @Override
    public Optional<String> notReadyReason() {
        String why = notReady;
        if (why != null && clock.nanoTime() - warmUpStarted >= WARM_UP_RETRY.toNanos()
                && warming.compareAndSet(false, true)) {
            warmUp = warm(1);
        }
        return Optional.ofNullable(why);
    }

    /** Stops taking calls; calls in flight finish, then the client closes its connections. Idempotent. */
    @Override
    public void close() {
        http.close();
    }

    @Override
    public String toString() {
        return "OpenAiProvider[baseUrl=" + settings.http().baseUrl() + ", model=" + settings.http().model()
                + ", streamFinals=" + settings.streamFinals() + ", " + settings.batch() + "]";
    }

    /** Completes when the last warm-up's requests have answered or failed; never exceptionally. For tests. */
    CompletableFuture<Void> warmUp() {
        return warmUp;
    }

    /** The checked settings. For tests. */
    OpenAiSettings settings() {
        return settings;
    }

    /** What one call sends. */
    private record Call(HttpRequest http, int promptTokens, int maxTokens) {
    }

    private Call prepare(TranslationRequest request, boolean stream) {
        http.checkOpen();
        String system = TranslationPrompts.systemPrompt(request.kind(), request.sourceLanguage(), request.targetLanguage());
        double temperature = settings.http().temperature(request.isFinal());
        int maxTokens = prompts.maxTokens(request.text());
        byte[] body = ChatJson.requestBody(settings.http().model(), system, request.text(), temperature,
                settings.maxTokensParameter(), maxTokens, stream, settings.streamIncludeUsage());
        HttpRequest post = authorized(http.request(chatUri))
                .header("Content-Type", "application/json")
                .header("Accept", stream ? "text/event-stream" : "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        return new Call(post, prompts.promptTokens(request.kind(), request.text()), maxTokens);
    }

    private HttpRequest.Builder authorized(HttpRequest.Builder builder) {
        String apiKey = settings.http().apiKey();
        switch (settings.auth()) {
            case BEARER -> builder.header("Authorization", "Bearer " + apiKey);
            case API_KEY -> builder.header("api-key", apiKey);
            case NONE -> {
                // A local server without keys.
            }
        }
        if (!settings.organization().isEmpty()) {
            builder.header("OpenAI-Organization", settings.organization());
        }
        if (!settings.project().isEmpty()) {
            builder.header("OpenAI-Project", settings.project());
        }
        return builder;
    }

    private TranslationResult complete(TranslationRequest request) throws InterruptedException {
        Call call = prepare(request, false);
        long start = clock.nanoTime();
        HttpResponse<String> response = http.send(call.http(), HttpResponse.BodyHandlers.ofString());
        Duration latency = since(start);
        RateLimitFeedback feedback = RateLimitHeaders.parse(response.headers(), wallClock.instant());
        int status = response.statusCode();
        if (status / 100 != 2) {
            throw failures.forStatus(status, response.headers(), response.body(), feedback);
        }
        ChatJson.Completion completion;
        try {
            completion = ChatJson.completion(response.body());
        } catch (ChatJson.NotAChatCompletion e) {
            throw shared.malformed(status, response.body(), e.getMessage());
        }
        return result(call, completion.text(), completion.usage(), latency, feedback, completion.model(),
                completion.finishReason());
    }

    private TranslationResult stream(TranslationRequest request, Consumer<String> onText) throws InterruptedException {
        Call call = prepare(request, true);
        TextSink text = new TextSink(onText);
        long start = clock.nanoTime();
        StreamEnd end = exchange(call.http(), text);
        return result(call, text.text(), end.usage(), since(start), end.feedback(), end.model(), end.finish());
    }

    /**
     * Takes a streamed answer as it arrives. The model and the usage of a chunk are handed over before its text,
     * so that text read after them can use them.
     */
    private interface StreamSink {

        /** The answer's head arrived with HTTP 2xx. */
        void head(RateLimitFeedback feedback);

        /** The answer named its model (not blank). */
        void model(String model);

        /** The answer reported its usage. */
        void usage(TokenUsage usage);

        /** The next piece of text: a chunk's content delta, or the whole text of a server that ignored stream. */
        void text(String piece);
    }

    /** How a streamed answer ended. */
    private record StreamEnd(RateLimitFeedback feedback, String model, Optional<TokenUsage> usage, FinishReason finish) {
    }

    /** The text of a translation, handed to {@code onText} each time it grows. */
    private static final class TextSink implements StreamSink {
        private final Consumer<String> onText;
        private final StringBuilder text = new StringBuilder();

        TextSink(Consumer<String> onText) {
            this.onText = onText;
        }

        @Override
        public void head(RateLimitFeedback feedback) {
        }

        @Override
        public void model(String model) {
        }

        @Override
        public void usage(TokenUsage usage) {
        }

        @Override
        public void text(String piece) {
            text.append(piece);
            String sofar = text.toString().stripLeading();
            if (!sofar.isEmpty()) {
                onText.accept(sofar);
            }
        }

        String text() {
            return text.toString().trim();
        }
    }

    /** Sends with {@code stream: true} and reads the answer into a sink; cancels the exchange when reading fails. */
    private StreamEnd exchange(HttpRequest request, StreamSink sink) throws InterruptedException {
        LineStream lines = new LineStream();
        CompletableFuture<HttpResponse<Void>> future = http.sendAsync(request, lines);
        future.whenComplete((response, failure) -> {
            if (failure != null) {
                lines.fail(ProviderHttp.unwrap(failure));
            }
        });
        boolean finished = false;
        try {
            StreamEnd end = readStream(lines, sink);
            finished = true;
            return end;
        } finally {
            if (!finished) {
                lines.cancel();
                future.cancel(true);
            }
        }
    }

    private StreamEnd readStream(LineStream lines, StreamSink sink) throws InterruptedException {
        LineStream.Head head = switch (take(lines)) {
            case LineStream.Head h -> h;
            case LineStream.Failed f -> throw shared.forIo(f.error());
            default -> throw new IllegalStateException("the response's head must come first");
        };
        RateLimitFeedback feedback = RateLimitHeaders.parse(head.headers(), wallClock.instant());
        if (head.status() / 100 != 2 || !isEventStream(head.headers())) {
            String body = rest(lines);
            if (head.status() / 100 != 2) {
                throw failures.forStatus(head.status(), head.headers(), body, feedback);
            }
            ChatJson.Completion completion;
            try {
                completion = ChatJson.completion(body);
            } catch (ChatJson.NotAChatCompletion e) {
                throw shared.malformed(head.status(), body, e.getMessage());
            }
            sink.head(feedback);
            if (!completion.model().isEmpty()) {
                sink.model(completion.model());
            }
            completion.usage().ifPresent(sink::usage);
            if (!completion.text().isEmpty()) {
                sink.text(completion.text());
            }
            return new StreamEnd(feedback, completion.model(), completion.usage(), completion.finishReason());
        }
        sink.head(feedback);
        StringBuilder data = new StringBuilder();
        Optional<FinishReason> finish = Optional.empty();
        Optional<TokenUsage> usage = Optional.empty();
        String model = "";
        boolean done = false;
        while (!done) {
            LineStream.Item item = take(lines);
            String line = switch (item) {
                case LineStream.Line l -> l.text();
                case LineStream.End e -> null;
                case LineStream.Failed f -> throw shared.forIo(f.error());
                case LineStream.Head h -> throw new IllegalStateException("a second response head");
            };
            if (line != null && !line.isEmpty()) {
                // Server-sent events: "data:" lines make an event, a blank line ends it; comments and
                // other fields (event:, id:, retry:) carry nothing for us.
                if (line.startsWith("data:")) {
                    String value = line.substring(5);
                    data.append(data.isEmpty() ? "" : "\n").append(value.startsWith(" ") ? value.substring(1) : value);
                }
                continue;
            }
            if (!data.isEmpty()) {
                String event = data.toString();
                data.setLength(0);
                if (event.equals("[DONE]")) {
                    done = true;
                } else {
                    ChatJson.Chunk chunk;
                    try {
                        chunk = ChatJson.chunk(event);
                    } catch (ChatJson.NotAChatCompletion e) {
                        throw shared.malformed(head.status(), event, e.getMessage());
                    } catch (ChatJson.ErrorEvent e) {
                        throw failures.forStreamError(e.error(), event, head.headers(), feedback);
                    }
                    if (!chunk.model().isEmpty() && !chunk.model().equals(model)) {
                        model = chunk.model();
                        sink.model(model);
                    }
                    if (chunk.usage().isPresent()) {
                        usage = chunk.usage();
                        sink.usage(usage.get());
                    }
                    if (!chunk.delta().isEmpty()) {
                        sink.text(chunk.delta());
                    }
                    finish = chunk.finishReason().isPresent() ? chunk.finishReason() : finish;
                }
            }
            if (line == null) {
                break;
            }
        }
        if (!done && finish.isEmpty()) {
            throw new TransientProviderException(shared.server()
                    + " ended the stream before the translation was complete (no finish_reason, no [DONE])");
        }
        return new StreamEnd(feedback, model, usage, finish.orElse(FinishReason.OTHER));
    }

    private LineStream.Item take(LineStream lines) throws InterruptedException {
        LineStream.Item item = lines.next(settings.http().requestTimeout().toNanos());
        if (item == null) {
            throw shared.timedOut(null);
        }
        return item;
    }

    private String rest(LineStream lines) throws InterruptedException {
        StringBuilder body = new StringBuilder();
        while (true) {
            switch (take(lines)) {
                case LineStream.Line l -> body.append(body.isEmpty() ? "" : "\n").append(l.text());
                case LineStream.End e -> {
                    return body.toString();
                }
                case LineStream.Failed f -> throw shared.forIo(f.error());
                case LineStream.Head h -> throw new IllegalStateException("a second response head");
            }
        }
    }

    private TranslationResult result(Call call, String text, Optional<TokenUsage> usage, Duration latency,
                                     RateLimitFeedback feedback, String model, FinishReason finish) {
        // A server that reports no usage (some compatible servers) gets our estimate, not zero: the
        // limiter reconciles its reservation with this number.
        TokenUsage tokens = usage.orElseGet(() -> TokenUsage.of(call.promptTokens(),
                text.isEmpty() ? 0 : Prompts.textTokens(text)));
        if (finish == FinishReason.LENGTH) {
            LOG.log(System.Logger.Level.DEBUG, () -> "translation cut short at max_tokens=" + call.maxTokens()
                    + "; raise " + OpenAiSettings.PREFIX + ".max-tokens.factor or .max-tokens.min");
        }
        return new TranslationResult(text, tokens, latency, feedback, model.isEmpty() ? settings.http().model() : model, finish);
    }

    /**
     * Sends the warm-up request on {@code connections} connections at once (the caller set {@link #warming});
     * when all have answered or failed, the provider is ready if one was answered, and not ready with the first
     * reason otherwise.
     */
    private CompletableFuture<Void> warm(int connections) {
        warmUpStarted = clock.nanoTime();
        List<CompletableFuture<String>> calls = new ArrayList<>();
        try {
            HttpRequest request = settings.warmUp() == OpenAiSettings.WarmUp.MODELS
                    ? authorized(http.request(settings.endpoint("/models"))).GET().build()
                    : authorized(http.request(settings.endpoint(""))).method("HEAD", HttpRequest.BodyPublishers.noBody()).build();
            String what = "warm-up " + request.method() + " " + request.uri();
            for (int i = 0; i < connections; i++) {
                calls.add(http.sendAsync(request, HttpResponse.BodyHandlers.discarding())
                        .handle((response, failure) -> warmedUp(what, response, failure)));
            }
        } catch (RuntimeException e) {
            // Closed meanwhile: nothing was sent.
            calls.add(CompletableFuture.completedFuture("the provider is closed"));
        }
        return CompletableFuture.allOf(calls.toArray(CompletableFuture<?>[]::new)).handle((done, never) -> {
            String why = null;
            for (CompletableFuture<String> call : calls) {
                String reason = call.join();
                if (reason == null) {
                    why = null;
                    break;
                }
                why = why == null ? reason : why;
            }
            notReady = why;
            warming.set(false);
            return null;
        });
    }

    /** Logs a warm-up request's outcome; returns why it leaves the provider not ready, or null when answered. */
    private String warmedUp(String what, HttpResponse<Void> response, Throwable failure) {
        if (failure != null) {
            String message = shared.forIo(ProviderHttp.unwrap(failure)).getMessage();
            LOG.log(System.Logger.Level.WARNING, () -> what + " failed, connections will open on first use: " + message);
            return "the warm-up request failed (" + ProviderHttp.unwrap(failure).getClass().getSimpleName()
                    + "): the endpoint is not reachable";
        } else if (response.statusCode() == 401 || response.statusCode() == 403) {
            LOG.log(System.Logger.Level.WARNING, () -> what + " answered HTTP " + response.statusCode()
                    + ": the API key was rejected; check " + OpenAiSettings.API_KEY_ENV + " or "
                    + OpenAiSettings.PREFIX + ".api-key");
            return "the warm-up request answered HTTP " + response.statusCode() + ": the API key was rejected";
        }
        LOG.log(System.Logger.Level.DEBUG, () -> what + " answered HTTP " + response.statusCode()
                + " over " + response.version());
        return null;
    }

    private static boolean isEventStream(HttpHeaders headers) {
        return headers.firstValue("content-type").orElse("").toLowerCase(Locale.ROOT).startsWith("text/event-stream");
    }

    private Duration since(long start) {
        return Duration.ofNanos(Math.max(0, clock.nanoTime() - start));
    }
}
