package dev.fairway.provider.fake;

import dev.fairway.api.FinishReason;
import dev.fairway.api.InvalidConfigurationException;
import dev.fairway.api.NanoClock;
import dev.fairway.api.PermanentProviderException;
import dev.fairway.api.RateLimitFeedback;
import dev.fairway.api.RateLimitedException;
import dev.fairway.api.SegmentKind;
import dev.fairway.api.TokenUsage;
import dev.fairway.api.TransientProviderException;
import dev.fairway.api.TranslationRequest;
import dev.fairway.api.TranslationResult;
import dev.fairway.api.spi.BatchLimits;
import dev.fairway.api.spi.BatchOutcome;
import dev.fairway.api.spi.BatchReceiver;
import dev.fairway.api.spi.PluginConfig;
import dev.fairway.api.spi.PluginConfig.DurationText;
import dev.fairway.api.spi.TranslationProvider;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * A simulated translation provider that behaves enough like a small hosted model to benchmark
 * Fairway against. Immutable once built and thread-safe: any number of virtual threads may call
 * {@link #translate} at once.
 *
 * <p>Each call, in order:
 * <ol>
 *   <li>refuses permanently ({@code BAD_REQUEST}) a text containing {@link #BAD_REQUEST_MARKER}, or
 *       one whose tokens exceed the token limit on their own;</li>
 *   <li>pseudo-translates the text (deterministic, see the README) and counts its tokens:
 *       prompt = {@value #PROMPT_OVERHEAD_TOKENS} + ceil(chars / 4), completion = ceil(output chars / 4);</li>
 *   <li>draws its fault: with the configured probabilities an injected 429, 5xx, timeout or
 *       malformed answer;</li>
 *   <li>an injected 429 answers at once and is not counted; otherwise the provider's own sliding
 *       60-second RPM and TPM window admits the request (prompt + completion tokens) or answers 429
 *       with {@code Retry-After} and the {@code x-ratelimit-*} feedback;</li>
 *   <li>spends the latency through the {@link Sleeper}: base + per-token x completion tokens +
 *       jitter, where the jitter is log-normal with mean and standard deviation both equal to the
 *       configured jitter, capped at {@value #JITTER_CAP} times it. A latency beyond the timeout, or an
 *       injected timeout, waits the timeout and fails; an injected 5xx fails after the base latency;
 *       an injected malformed answer fails after the whole latency;</li>
 *   <li>returns the translation, its usage, the time measured on the clock and the rate-limit feedback.</li>
 * </ol>
 *
 * <p>A batch call ({@link #translateBatch}) goes through the same steps as one request with the tokens of all
 * its segments and the system prompt once; its answer streams in: each segment is handed to the receiver at
 * base + jitter + per-token x the completion tokens of the answer up to and including its own part. With the
 * configured probabilities one part of the answer comes back under a wrong id, or is missing; the id check
 * leaves such segments out and reports them in {@link BatchOutcome#problems()}.
 *
 * <p>Randomness is seeded: call number {@code k} (counted from 0, only by calls that need a draw)
 * uses draws {@code 3k}, {@code 3k+1} and {@code 3k+2} of the SplitMix64 sequence that
 * {@code new java.util.SplittableRandom(seed).nextLong()} produces, computed directly from the index
 * so that no lock is needed. A batch call counts as one call; its answer's defects come from a
 * {@link SplittableRandom} seeded with its draw {@code 3k}. The same seed and the same sequence of calls give
 * the same latencies, faults and answers.
 */
public final class FakeProvider implements TranslationProvider {

    /** The name the configuration selects this provider by. */
    public static final String NAME = "fake";

    /** A text containing this marker is refused with {@link PermanentProviderException.Kind#BAD_REQUEST}. */
    public static final String BAD_REQUEST_MARKER = "[[fake:bad-request]]";

    /** Tokens the simulated system prompt adds to every request's prompt. */
    public static final int PROMPT_OVERHEAD_TOKENS = 30;

    /** Default fixed part of the latency. */
    public static final Duration DEFAULT_LATENCY_BASE = Duration.ofMillis(200);
    /** Default latency per completion token. */
    public static final Duration DEFAULT_LATENCY_PER_TOKEN = Duration.ofMillis(2);
    /** Default mean (and standard deviation) of the random part of the latency. */
    public static final Duration DEFAULT_LATENCY_JITTER = Duration.ofMillis(30);
    /** Default seed of the latency and fault draws. */
    public static final long DEFAULT_SEED = 42;
    /** Default requests per minute of the provider's own limit: OpenAI's 5,000, above Fairway's 4,500. */
    public static final long DEFAULT_REQUESTS_PER_MINUTE = 5_000;
    /** Default tokens per minute of the provider's own limit: 2,000,000, above Fairway's 1,800,000. */
    public static final long DEFAULT_TOKENS_PER_MINUTE = 2_000_000;
    /** Default time a timed-out call waits before it fails. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    /** Default {@code Retry-After} of an injected 429. */
    public static final Duration DEFAULT_FAULT_RETRY_AFTER = Duration.ofSeconds(1);
    /** Default model name. */
    public static final String DEFAULT_MODEL = "fake-small";
    /** Default most segments in one batch call. */
    public static final int DEFAULT_BATCH_MAX_SEGMENTS = 16;
    /** Default most estimated tokens in one batch call. */
    public static final int DEFAULT_BATCH_MAX_TOKENS = 4_000;
    /** The largest {@code batch.max-segments} accepted. */
    public static final int BATCH_MAX_SEGMENTS_LIMIT = 1_000;
    /** The largest {@code batch.max-tokens} accepted. */
    public static final int BATCH_MAX_TOKENS_LIMIT = 1_000_000;

    /** The jitter never exceeds this many times its configured mean. */
    static final int JITTER_CAP = 10;

    private static final System.Logger LOG = System.getLogger(FakeProvider.class.getName());

    /** The configuration keys, relative to {@code fairway.provider.fake}. */
    static final Set<String> KEYS = Set.of("latency.base", "latency.per-token", "latency.jitter", "seed", "rpm",
            "tpm", "fault.rate-429", "fault.rate-5xx", "fault.rate-timeout", "fault.rate-garbage",
            "fault.retry-after", "timeout", "model", "batch.max-segments", "batch.max-tokens",
            "batch.misnumber-rate", "batch.drop-rate");

    private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;
    /** Log-normal with mean 1 and standard deviation 1: sigma^2 = ln 2, mu = -sigma^2 / 2. */
    private static final double SIGMA = Math.sqrt(Math.log(2));
    private static final double MU = -Math.log(2) / 2;
    /** Mixed into a batch call's draw {@code 3k} to seed its answer's random source apart from its fault. */
    private static final long ANSWER_SALT = 0x5851f42d4c957f2dL;

    private final String model;
    private final NanoClock clock;
    private final Sleeper sleeper;
    private final long baseNanos;
    private final long perTokenNanos;
    private final long jitterNanos;
    private final long seed;
    private final double rate429;
    private final double rate5xx;
    private final double rateTimeout;
    private final double rateGarbage;
    private final boolean faulty;
    private final Duration faultRetryAfter;
    private final Duration timeout;
    private final long timeoutNanos;
    private final ServerLimits limits;
    private final long requestsPerMinute;
    private final long tokensPerMinute;
    private final Optional<BatchLimits> batchLimits;
    private final double misnumberRate;
    private final double dropRate;
    private final AtomicLong draws = new AtomicLong();

    private final LongAdder calls = new LongAdder();
    private final LongAdder succeeded = new LongAdder();
    private final LongAdder rateLimited = new LongAdder();
    private final LongAdder injected429 = new LongAdder();
    private final LongAdder injected5xx = new LongAdder();
    private final LongAdder timeouts = new LongAdder();
    private final LongAdder garbage = new LongAdder();
    private final LongAdder badRequests = new LongAdder();
    private final LongAdder interrupted = new LongAdder();
    private final LongAdder promptTokens = new LongAdder();
    private final LongAdder completionTokens = new LongAdder();
    private final LongAdder batchCalls = new LongAdder();
    private final LongAdder batchSegments = new LongAdder();
    private final LongAdder batchSegmentsLeftOut = new LongAdder();

    private FakeProvider(Builder b) {
        model = b.model;
        clock = b.clock;
        sleeper = b.sleeper;
        baseNanos = b.latencyBase.toNanos();
        perTokenNanos = b.latencyPerToken.toNanos();
        jitterNanos = b.latencyJitter.toNanos();
        seed = b.seed;
        rate429 = b.rate429;
        rate5xx = b.rate5xx;
        rateTimeout = b.rateTimeout;
        rateGarbage = b.rateGarbage;
        faulty = rate429 + rate5xx + rateTimeout + rateGarbage > 0;
        faultRetryAfter = b.faultRetryAfter;
        timeout = b.timeout;
        timeoutNanos = b.timeout.toNanos();
        requestsPerMinute = b.requestsPerMinute;
        tokensPerMinute = b.tokensPerMinute;
        limits = new ServerLimits(requestsPerMinute, tokensPerMinute);
        batchLimits = b.batchMaxSegments >= 2
                ? Optional.of(new BatchLimits(b.batchMaxSegments, b.batchMaxTokens)) : Optional.empty();
        misnumberRate = b.misnumberRate;
        dropRate = b.dropRate;
    }

    /**
     * A builder with the defaults: about 250 ms for a short partial, 5,000 RPM and 2,000,000 TPM, no
     * faults, the system clock and real sleeping.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A provider from configuration keys (relative to {@code fairway.provider.fake}) and a clock,
     * sleeping for real.
     *
     * @param config the keys; see the README for each
     * @param clock the clock to measure with
     * @return the provider
     * @throws InvalidConfigurationException when a key is bad
     */
    public static FakeProvider create(PluginConfig config, NanoClock clock) {
        return builder().clock(clock).config(config).build();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String model() {
        return model;
    }

    /**
     * The requests per minute of the provider's own limit.
     *
     * @return the limit, 0 when unlimited
     */
    public long requestsPerMinute() {
        return requestsPerMinute;
    }

    /**
     * The tokens per minute of the provider's own limit.
     *
     * @return the limit, 0 when unlimited
     */
    public long tokensPerMinute() {
        return tokensPerMinute;
    }

    /**
     * What this provider has answered so far.
     *
     * @return a snapshot of the counters (each read separately, so a snapshot taken while calls run
     *     may be slightly inconsistent)
     */
    public FakeProviderStats stats() {
        return new FakeProviderStats(calls.sum(), succeeded.sum(), rateLimited.sum(), injected429.sum(),
                injected5xx.sum(), timeouts.sum(), garbage.sum(), badRequests.sum(), interrupted.sum(),
                promptTokens.sum(), completionTokens.sum(), batchCalls.sum(), batchSegments.sum(),
                batchSegmentsLeftOut.sum());
    }

    @Override
    public TranslationResult translate(TranslationRequest request) throws InterruptedException {
        Objects.requireNonNull(request, "request");
        calls.increment();
        refuseIfInterrupted();
        long start = clock.nanoTime();
        String text = request.text();
        refuseMarker(text, "the text");
        String output = PseudoTranslator.translate(text, request.sourceLanguage(), request.targetLanguage());
        int prompt = promptTokens(text.length());
        int completion = completionTokens(output.length());
        int total = prompt + completion;
        refuseTooLarge(total, "");
        long call = faulty || jitterNanos > 0 ? draws.getAndIncrement() : 0;
        Fault fault = faulty ? fault(unit(draw(call, 0))) : Fault.NONE;
        RateLimitFeedback feedback = admit(start, total, fault);
        long latency = latencyNanos(completion, call);
        try {
            failEarly(fault);
            if (latency > timeoutNanos) {
                sleeper.sleep(timeoutNanos);
                throw timedOut(latency, "");
            }
            spend(latency);
        } catch (InterruptedException e) {
            interrupted.increment();
            throw e;
        }
        if (fault == Fault.GARBAGE) {
            throw garbled("a JSON chat completion", output.length() + 17);
        }
        succeeded.increment();
        promptTokens.add(prompt);
        completionTokens.add(completion);
        long elapsed = Math.max(0, clock.nanoTime() - start);
        return new TranslationResult(output, TokenUsage.of(prompt, completion), Duration.ofNanos(elapsed),
                feedback, model, FinishReason.STOP);
    }

    /**
     * Present unless batching is turned off ({@code batch.max-segments = 1}).
     *
     * @return the configured {@code batch.max-segments} and {@code batch.max-tokens}
     */
    @Override
    public Optional<BatchLimits> batchLimits() {
        return batchLimits;
    }

    /**
     * Translates the segments in one call: one request against the provider's own limits with the tokens of
     * all the segments and the system prompt once, and one fault draw for the whole call, as {@link #translate}
     * has them. The answer streams in, in the order of {@code requests}: after the base latency and the
     * jitter, each part takes the per-token latency of its completion tokens, and each segment whose part passes
     * the id check is handed to the receiver as soon as its part is written. A call whose latency runs past
     * the timeout has handed over the segments written before it, then fails as a timeout.
     *
     * <p>Each result's text is what {@link #translate} gives for the segment, its completion tokens are its
     * own, and its prompt tokens are its own text's plus its share of the system prompt's
     * {@value #PROMPT_OVERHEAD_TOKENS} (split as evenly as integers allow): when every segment is answered, the
     * results' usages sum to the outcome's.
     *
     * @throws IllegalArgumentException when {@code requests} holds fewer than 2 or more than
     *     {@code batch.max-segments} requests, or more than {@code batch.max-tokens} estimated tokens
     */
    @Override
    public BatchOutcome translateBatch(List<TranslationRequest> requests, BatchReceiver receiver)
            throws InterruptedException {
        Objects.requireNonNull(requests, "requests");
        Objects.requireNonNull(receiver, "receiver");
        BatchLimits batch = batchLimits.orElseThrow(() -> new UnsupportedOperationException(
                "fake provider: batching is off (batch.max-segments is 1)"));
        checkBatch(requests, batch);
        int n = requests.size();
        calls.increment();
        batchCalls.increment();
        batchSegments.add(n);
        refuseIfInterrupted();
        long start = clock.nanoTime();
        String[] outputs = new String[n];
        int[] textTokens = new int[n];
        int[] completions = new int[n];
        int prompt = PROMPT_OVERHEAD_TOKENS;
        int wholeCompletion = 0;
        for (int i = 0; i < n; i++) {
            TranslationRequest request = requests.get(i);
            refuseMarker(request.text(), "segment " + i);
            outputs[i] = PseudoTranslator.translate(request.text(), request.sourceLanguage(),
                    request.targetLanguage());
            textTokens[i] = textTokens(request.text().length());
            completions[i] = completionTokens(outputs[i].length());
            prompt += textTokens[i];
            wholeCompletion += completions[i];
        }
        refuseTooLarge(prompt + wholeCompletion, " in a batch of " + n + " segments");
        long call = faulty || jitterNanos > 0 || misnumberRate > 0 || dropRate > 0 ? draws.getAndIncrement() : 0;
        List<BatchAnswer.Part> answer = BatchAnswer.write(n, misnumberRate, dropRate,
                new SplittableRandom(draw(call, 0) ^ ANSWER_SALT));
        int completion = 0;
        int answerChars = 0;
        for (BatchAnswer.Part part : answer) {
            completion += completions[part.segment()];
            answerChars += outputs[part.segment()].length();
        }
        int total = prompt + completion;
        Fault fault = faulty ? fault(unit(draw(call, 0))) : Fault.NONE;
        RateLimitFeedback feedback = admit(start, total, fault);
        long head = latencyNanos(0, call);
        long latency = head + perTokenNanos * completion;
        BatchIdCheck check = new BatchIdCheck(n);
        int answered = 0;
        try {
            failEarly(fault);
            if (fault == Fault.GARBAGE) {
                // The body does not parse from its first byte: no part of it reaches the receiver.
                if (latency > timeoutNanos) {
                    sleeper.sleep(timeoutNanos);
                    throw timedOut(latency, "");
                }
                spend(latency);
                throw garbled("a JSON batch answer", answerChars + 24 * answer.size() + 17);
            }
            long slept = 0;
            long written = head;
            for (BatchAnswer.Part part : answer) {
                written += perTokenNanos * completions[part.segment()];
                if (written > timeoutNanos) {
                    spend(timeoutNanos - slept);
                    throw timedOut(latency, "; " + answered + " of " + n + " segments had been answered");
                }
                spend(written - slept);
                slept = written;
                int segment = check.accept(part.id());
                if (segment < 0) {
                    continue;
                }
                if (segment != part.segment()) {
                    // BatchAnswer writes only defects the check catches; anything else is a bug here.
                    throw new IllegalStateException("fake provider: the id check took the part of segment "
                            + part.segment() + " for segment " + segment);
                }
                int share = textTokens[segment] + PROMPT_OVERHEAD_TOKENS / n
                        + (segment < PROMPT_OVERHEAD_TOKENS % n ? 1 : 0);
                long elapsed = Math.max(0, clock.nanoTime() - start);
                receiver.translated(segment, new TranslationResult(outputs[segment],
                        TokenUsage.of(share, completions[segment]), Duration.ofNanos(elapsed), feedback, model,
                        FinishReason.STOP));
                answered++;
            }
        } catch (InterruptedException e) {
            interrupted.increment();
            throw e;
        }
        succeeded.increment();
        promptTokens.add(prompt);
        completionTokens.add(completion);
        batchSegmentsLeftOut.add(n - answered);
        long elapsed = Math.max(0, clock.nanoTime() - start);
        return new BatchOutcome(TokenUsage.of(prompt, completion), Duration.ofNanos(elapsed), feedback, model,
                check.finish());
    }

    private static void checkBatch(List<TranslationRequest> requests, BatchLimits batch) {
        int n = requests.size();
        if (n < 2 || n > batch.maxSegments()) {
            throw new IllegalArgumentException("requests must hold 2 to " + batch.maxSegments()
                    + " requests (batch.max-segments), was " + n);
        }
        long estimated = 0;
        for (int i = 0; i < n; i++) {
            estimated += Objects.requireNonNull(requests.get(i), "requests[" + i + "]").estimatedTokens();
        }
        if (estimated > batch.maxTokens()) {
            throw new IllegalArgumentException("requests must hold at most " + batch.maxTokens()
                    + " estimated tokens (batch.max-tokens), was " + estimated);
        }
    }

    private void refuseIfInterrupted() throws InterruptedException {
        if (Thread.interrupted()) {
            interrupted.increment();
            throw new InterruptedException("interrupted before the fake provider call");
        }
    }

    private void refuseMarker(String text, String what) {
        if (text.contains(BAD_REQUEST_MARKER)) {
            badRequests.increment();
            throw new PermanentProviderException(PermanentProviderException.Kind.BAD_REQUEST,
                    "fake provider: HTTP 400 Bad Request: " + what + " contains " + BAD_REQUEST_MARKER);
        }
    }

    private void refuseTooLarge(int total, String where) {
        if (!limits.fits(total)) {
            badRequests.increment();
            throw new PermanentProviderException(PermanentProviderException.Kind.BAD_REQUEST,
                    "fake provider: HTTP 400 Bad Request: request too large: " + total + " tokens" + where
                            + ", more than the limit of " + limits.tokenLimit() + " tokens per minute");
        }
    }

    /**
     * An injected 429 refuses at once without being counted; otherwise the window admits the request or
     * refuses it with a 429.
     *
     * @return the feedback of the admitted request
     */
    private RateLimitFeedback admit(long start, int total, Fault fault) {
        if (fault == Fault.RATE_LIMIT) {
            injected429.increment();
            throw new RateLimitedException("fake provider: HTTP 429 Too Many Requests (injected fault); retry after "
                    + DurationText.format(faultRetryAfter),
                    limits.snapshot(start).retryAfter(faultRetryAfter).build());
        }
        ServerLimits.Decision decision = limits.tryAdmit(start, total);
        if (!decision.admitted()) {
            rateLimited.increment();
            throw new RateLimitedException(limitMessage(decision.feedback()), decision.feedback());
        }
        return decision.feedback();
    }

    /** Fails an injected timeout after the timeout, an injected 5xx after the base latency. */
    private void failEarly(Fault fault) throws InterruptedException {
        switch (fault) {
            case TIMEOUT -> {
                sleeper.sleep(timeoutNanos);
                timeouts.increment();
                throw new TransientProviderException("fake provider: no response within "
                        + DurationText.format(timeout) + " (injected timeout)");
            }
            case SERVER_ERROR -> {
                sleeper.sleep(Math.min(baseNanos, timeoutNanos));
                injected5xx.increment();
                throw new TransientProviderException(
                        "fake provider: HTTP 503 Service Unavailable (injected fault)");
            }
            default -> {
            }
        }
    }

    private TransientProviderException timedOut(long latency, String detail) {
        timeouts.increment();
        return new TransientProviderException("fake provider: no response within "
                + DurationText.format(timeout) + " (the simulated latency of "
                + DurationText.format(Duration.ofNanos(latency)) + " is longer" + detail + ")");
    }

    private TransientProviderException garbled(String expected, int bytes) {
        garbage.increment();
        return new TransientProviderException("fake provider returned a malformed response body: expected "
                + expected + ", got " + bytes + " bytes that do not parse (injected fault)");
    }

    /** Spends {@code nanos} through the sleeper; 0 does not call it. */
    private void spend(long nanos) throws InterruptedException {
        if (nanos > 0) {
            sleeper.sleep(nanos);
        }
    }

    /**
     * Estimates prompt and completion tokens as this provider will count them, slightly above:
     * the prompt exactly, and the output as the text plus three eighths plus the language prefix,
     * which bounds the pseudo-translation's growth (an ending of up to two letters a word) for
     * ordinary sentences.
     */
    @Override
    public int estimateTokens(SegmentKind kind, String text) {
        int chars = text.length();
        int expectedOutputChars = 8 + chars + (3 * chars + 7) / 8;
        return promptTokens(chars) + completionTokens(expectedOutputChars);
    }

    /** Nothing to release: the fake holds no connections. */
    @Override
    public void close() {
        // Idempotent by having nothing to do.
    }

    @Override
    public String toString() {
        return "FakeProvider[model=" + model
                + ", latency=" + DurationText.format(Duration.ofNanos(baseNanos))
                + " + " + DurationText.format(Duration.ofNanos(perTokenNanos)) + "/token"
                + " + ~" + DurationText.format(Duration.ofNanos(jitterNanos))
                + ", rpm=" + requestsPerMinute + ", tpm=" + tokensPerMinute
                + ", faults[429=" + rate429 + ", 5xx=" + rate5xx + ", timeout=" + rateTimeout
                + ", garbage=" + rateGarbage + "], batch="
                + batchLimits.map(b -> b.maxSegments() + " segments/" + b.maxTokens() + " tokens").orElse("off")
                + "[misnumber=" + misnumberRate + ", drop=" + dropRate + "], seed=" + seed + "]";
    }

    static int promptTokens(int chars) {
        return PROMPT_OVERHEAD_TOKENS + textTokens(chars);
    }

    /** The prompt tokens of a source text, without the system prompt. */
    static int textTokens(int chars) {
        return (chars + 3) / 4;
    }

    static int completionTokens(int chars) {
        return Math.max(1, (chars + 3) / 4);
    }

    private String limitMessage(RateLimitFeedback feedback) {
        long waitMillis = feedback.retryAfter().orElse(Duration.ZERO).toMillis();
        return "fake provider: HTTP 429 Too Many Requests: rate limit of " + limitText() + " reached; retry after "
                + waitMillis + "ms";
    }

    private String limitText() {
        if (requestsPerMinute > 0 && tokensPerMinute > 0) {
            return requestsPerMinute + " requests and " + tokensPerMinute + " tokens per minute";
        }
        return requestsPerMinute > 0 ? requestsPerMinute + " requests per minute"
                : tokensPerMinute + " tokens per minute";
    }

    private Fault fault(double u) {
        double edge = rate429;
        if (u < edge) {
            return Fault.RATE_LIMIT;
        }
        edge += rate5xx;
        if (u < edge) {
            return Fault.SERVER_ERROR;
        }
        edge += rateTimeout;
        if (u < edge) {
            return Fault.TIMEOUT;
        }
        edge += rateGarbage;
        return u < edge ? Fault.GARBAGE : Fault.NONE;
    }

    private long latencyNanos(int completion, long call) {
        long latency = baseNanos + perTokenNanos * completion;
        if (jitterNanos > 0) {
            double u1 = 1.0 - unit(draw(call, 1));
            double u2 = unit(draw(call, 2));
            double z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
            double factor = Math.min(JITTER_CAP, Math.exp(MU + SIGMA * z));
            latency += Math.round(factor * jitterNanos);
        }
        return latency;
    }

    /** Draw {@code 3 * call + j} of {@code new SplittableRandom(seed).nextLong()}'s sequence. */
    private long draw(long call, int j) {
        return mix64(seed + (3 * call + j + 1) * GOLDEN_GAMMA);
    }

    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** A double in [0, 1) from the top 53 bits, as {@code SplittableRandom.nextDouble()} makes it. */
    private static double unit(long bits) {
        return (bits >>> 11) * 0x1.0p-53;
    }

    private enum Fault {
        NONE, RATE_LIMIT, SERVER_ERROR, TIMEOUT, GARBAGE
    }

    /**
     * Builds a {@link FakeProvider}. Every setter checks its argument and throws
     * {@link IllegalArgumentException} naming the field and the value; {@link #config(PluginConfig)}
     * throws {@link InvalidConfigurationException} naming the key instead.
     */
    public static final class Builder {
        private Duration latencyBase = DEFAULT_LATENCY_BASE;
        private Duration latencyPerToken = DEFAULT_LATENCY_PER_TOKEN;
        private Duration latencyJitter = DEFAULT_LATENCY_JITTER;
        private long seed = DEFAULT_SEED;
        private long requestsPerMinute = DEFAULT_REQUESTS_PER_MINUTE;
        private long tokensPerMinute = DEFAULT_TOKENS_PER_MINUTE;
        private double rate429;
        private double rate5xx;
        private double rateTimeout;
        private double rateGarbage;
        private Duration faultRetryAfter = DEFAULT_FAULT_RETRY_AFTER;
        private Duration timeout = DEFAULT_TIMEOUT;
        private String model = DEFAULT_MODEL;
        private int batchMaxSegments = DEFAULT_BATCH_MAX_SEGMENTS;
        private int batchMaxTokens = DEFAULT_BATCH_MAX_TOKENS;
        private double misnumberRate;
        private double dropRate;
        private NanoClock clock = NanoClock.SYSTEM;
        private Sleeper sleeper = Sleeper.SYSTEM;

        private Builder() {
        }

        /**
         * Applies the configuration keys that are set; unset keys keep this builder's values.
         * Unknown keys are logged as a warning.
         *
         * @param config keys relative to {@code fairway.provider.fake}
         * @return this builder
         * @throws InvalidConfigurationException when a value is malformed or out of range, or the
         *     fault rates sum to more than 1
         */
        public Builder config(PluginConfig config) {
            Objects.requireNonNull(config, "config");
            Duration day = Duration.ofDays(1);
            latencyBase = config.duration("latency.base", latencyBase, Duration.ZERO, day);
            latencyPerToken = config.duration("latency.per-token", latencyPerToken, Duration.ZERO, Duration.ofMinutes(1));
            latencyJitter = config.duration("latency.jitter", latencyJitter, Duration.ZERO, day);
            seed = config.longValue("seed", seed, Long.MIN_VALUE, Long.MAX_VALUE);
            requestsPerMinute = config.longValue("rpm", requestsPerMinute, 0, 1_000_000_000L);
            tokensPerMinute = config.longValue("tpm", tokensPerMinute, 0, 1_000_000_000_000L);
            double r429 = config.decimal("fault.rate-429", rate429, 0, 1);
            double r5xx = config.decimal("fault.rate-5xx", rate5xx, 0, 1);
            double rTimeout = config.decimal("fault.rate-timeout", rateTimeout, 0, 1);
            double rGarbage = config.decimal("fault.rate-garbage", rateGarbage, 0, 1);
            double sum = r429 + r5xx + rTimeout + rGarbage;
            if (sum > 1 + 1e-9) {
                throw new InvalidConfigurationException(config.fullKey("fault.rate-*"), Double.toString(sum),
                        "fault rates that sum to at most 1 (rate-429 " + r429 + " + rate-5xx " + r5xx
                                + " + rate-timeout " + rTimeout + " + rate-garbage " + rGarbage + ")");
            }
            rate429 = r429;
            rate5xx = r5xx;
            rateTimeout = rTimeout;
            rateGarbage = rGarbage;
            faultRetryAfter = config.duration("fault.retry-after", faultRetryAfter, Duration.ZERO, day);
            timeout = config.duration("timeout", timeout, Duration.ZERO, day);
            model = config.string("model", model);
            batchMaxSegments = config.integer("batch.max-segments", batchMaxSegments, 1, BATCH_MAX_SEGMENTS_LIMIT);
            batchMaxTokens = config.integer("batch.max-tokens", batchMaxTokens, 1, BATCH_MAX_TOKENS_LIMIT);
            misnumberRate = config.decimal("batch.misnumber-rate", misnumberRate, 0, 1);
            dropRate = config.decimal("batch.drop-rate", dropRate, 0, 1);
            Set<String> unknown = new TreeSet<>(config.keys());
            unknown.removeAll(KEYS);
            if (!unknown.isEmpty()) {
                LOG.log(System.Logger.Level.WARNING, "ignoring unknown keys under {0}: {1} (known: {2})",
                        config.prefix(), unknown, new TreeSet<>(KEYS));
            }
            return this;
        }

        /**
         * The fixed part of every call's latency.
         *
         * @param value >= 0; default 200 ms
         * @return this builder
         */
        public Builder latencyBase(Duration value) {
            latencyBase = nonNegative("latencyBase", value);
            return this;
        }

        /**
         * The latency each completion token adds.
         *
         * @param value >= 0; default 2 ms
         * @return this builder
         */
        public Builder latencyPerToken(Duration value) {
            latencyPerToken = nonNegative("latencyPerToken", value);
            return this;
        }

        /**
         * The mean and standard deviation of the log-normal random part of the latency.
         *
         * @param value >= 0, 0 for none; default 30 ms
         * @return this builder
         */
        public Builder latencyJitter(Duration value) {
            latencyJitter = nonNegative("latencyJitter", value);
            return this;
        }

        /**
         * No latency at all, for benchmarks of the scheduler itself.
         *
         * @return this builder
         */
        public Builder zeroLatency() {
            latencyBase = Duration.ZERO;
            latencyPerToken = Duration.ZERO;
            latencyJitter = Duration.ZERO;
            return this;
        }

        /**
         * The seed of the latency and fault draws.
         *
         * @param value any; default 42
         * @return this builder
         */
        public Builder seed(long value) {
            seed = value;
            return this;
        }

        /**
         * The provider's own requests-per-minute limit.
         *
         * @param value >= 0, 0 for unlimited; default 5,000
         * @return this builder
         */
        public Builder requestsPerMinute(long value) {
            if (value < 0) {
                throw new IllegalArgumentException("requestsPerMinute must be >= 0, was " + value);
            }
            requestsPerMinute = value;
            return this;
        }

        /**
         * The provider's own tokens-per-minute limit (prompt and completion tokens).
         *
         * @param value >= 0, 0 for unlimited; default 2,000,000
         * @return this builder
         */
        public Builder tokensPerMinute(long value) {
            if (value < 0) {
                throw new IllegalArgumentException("tokensPerMinute must be >= 0, was " + value);
            }
            tokensPerMinute = value;
            return this;
        }

        /**
         * No server-side limits: every call is admitted and results carry no rate-limit feedback.
         *
         * @return this builder
         */
        public Builder unlimited() {
            requestsPerMinute = 0;
            tokensPerMinute = 0;
            return this;
        }

        /**
         * The probability that a call is refused by an injected 429.
         *
         * @param value 0 to 1; default 0
         * @return this builder
         */
        public Builder rate429(double value) {
            rate429 = rate("rate429", value);
            return this;
        }

        /**
         * The probability that a call fails with an injected HTTP 503.
         *
         * @param value 0 to 1; default 0
         * @return this builder
         */
        public Builder rate5xx(double value) {
            rate5xx = rate("rate5xx", value);
            return this;
        }

        /**
         * The probability that a call hangs until the timeout and fails.
         *
         * @param value 0 to 1; default 0
         * @return this builder
         */
        public Builder rateTimeout(double value) {
            rateTimeout = rate("rateTimeout", value);
            return this;
        }

        /**
         * The probability that a call's answer is malformed.
         *
         * @param value 0 to 1; default 0
         * @return this builder
         */
        public Builder rateGarbage(double value) {
            rateGarbage = rate("rateGarbage", value);
            return this;
        }

        /**
         * The {@code Retry-After} of an injected 429.
         *
         * @param value >= 0; default 1 s
         * @return this builder
         */
        public Builder faultRetryAfter(Duration value) {
            faultRetryAfter = nonNegative("faultRetryAfter", value);
            return this;
        }

        /**
         * How long a timed-out call waits before it fails; a call whose simulated latency is longer
         * also times out.
         *
         * @param value >= 0; default 10 s
         * @return this builder
         */
        public Builder timeout(Duration value) {
            timeout = nonNegative("timeout", value);
            return this;
        }

        /**
         * The model name results report.
         *
         * @param value not blank; default {@code fake-small}
         * @return this builder
         */
        public Builder model(String value) {
            if (value == null || value.isBlank()) {
                throw new IllegalArgumentException("model must not be blank, was '" + value + "'");
            }
            model = value;
            return this;
        }

        /**
         * The most segments in one batch call; 1 turns batching off ({@link FakeProvider#batchLimits()} is
         * empty and {@link FakeProvider#translateBatch} throws {@link UnsupportedOperationException}).
         *
         * @param value 1 to {@value FakeProvider#BATCH_MAX_SEGMENTS_LIMIT}; default 16
         * @return this builder
         */
        public Builder batchMaxSegments(int value) {
            if (value < 1 || value > BATCH_MAX_SEGMENTS_LIMIT) {
                throw new IllegalArgumentException("batchMaxSegments must be from 1 to " + BATCH_MAX_SEGMENTS_LIMIT
                        + ", was " + value);
            }
            batchMaxSegments = value;
            return this;
        }

        /**
         * The most estimated tokens (the sum of the requests' {@code estimatedTokens}) in one batch call.
         *
         * @param value 1 to {@value FakeProvider#BATCH_MAX_TOKENS_LIMIT}; default 4,000
         * @return this builder
         */
        public Builder batchMaxTokens(int value) {
            if (value < 1 || value > BATCH_MAX_TOKENS_LIMIT) {
                throw new IllegalArgumentException("batchMaxTokens must be from 1 to " + BATCH_MAX_TOKENS_LIMIT
                        + ", was " + value);
            }
            batchMaxTokens = value;
            return this;
        }

        /**
         * No batch calls: the same as {@code batchMaxSegments(1)}.
         *
         * @return this builder
         */
        public Builder noBatching() {
            batchMaxSegments = 1;
            return this;
        }

        /**
         * The probability that one part of a batch answer comes back under a wrong id (an unknown one, or an
         * earlier segment's); its segment is left out of the answer.
         *
         * @param value 0 to 1; default 0
         * @return this builder
         */
        public Builder batchMisnumberRate(double value) {
            misnumberRate = rate("batchMisnumberRate", value);
            return this;
        }

        /**
         * The probability that one part of a batch answer is missing; its segment is left out of the answer.
         *
         * @param value 0 to 1; default 0
         * @return this builder
         */
        public Builder batchDropRate(double value) {
            dropRate = rate("batchDropRate", value);
            return this;
        }

        /**
         * The clock latency is measured with and the rate-limit window runs on.
         *
         * @param value the clock; default {@link NanoClock#SYSTEM}
         * @return this builder
         */
        public Builder clock(NanoClock value) {
            clock = Objects.requireNonNull(value, "clock");
            return this;
        }

        /**
         * How latency is spent; with a clock driven by hand (test-support's {@code ManualClock}), its
         * {@code clock::sleep}.
         *
         * @param value the sleeper; default {@link Sleeper#SYSTEM}
         * @return this builder
         */
        public Builder sleeper(Sleeper value) {
            sleeper = Objects.requireNonNull(value, "sleeper");
            return this;
        }

        /**
         * Builds the provider.
         *
         * @return the provider
         * @throws IllegalArgumentException when the fault rates sum to more than 1
         */
        public FakeProvider build() {
            double sum = rate429 + rate5xx + rateTimeout + rateGarbage;
            if (sum > 1 + 1e-9) {
                throw new IllegalArgumentException("fault rates must sum to at most 1, was " + sum);
            }
            return new FakeProvider(this);
        }

        private static Duration nonNegative(String field, Duration value) {
            if (value == null || value.isNegative()) {
                throw new IllegalArgumentException(field + " must be >= 0, was " + value);
            }
            return value;
        }

        private static double rate(String field, double value) {
            if (!(value >= 0 && value <= 1)) {
                throw new IllegalArgumentException(field + " must be from 0 to 1, was " + value);
            }
            return value;
        }
    }
}
