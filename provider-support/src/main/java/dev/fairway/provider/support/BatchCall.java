package dev.fairway.provider.support;

import dev.fairway.api.FinishReason;
import dev.fairway.api.NanoClock;
import dev.fairway.api.RateLimitFeedback;
import dev.fairway.api.TokenUsage;
import dev.fairway.api.TranslationRequest;
import dev.fairway.api.TranslationResult;
import dev.fairway.api.spi.BatchOutcome;
import dev.fairway.api.spi.BatchReceiver;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One batch call of an HTTP provider ({@link dev.fairway.api.spi.TranslationProvider#translateBatch}), from the
 * prompts to the {@link BatchOutcome}: the provider sends {@link #systemPrompt()} and {@link #userMessage()} with
 * {@link #maxTokens()} in its wire format, says when it {@link #sent()} the call, passes on what the answer says
 * ({@link #answered}, {@link #model}, {@link #usage}) and {@link #feed feeds} the answer's JSON text as it comes;
 * each valid segment goes to the {@link BatchReceiver} at once ({@link BatchAnswerChecker} says what valid is), and
 * {@link #finish()} gives the outcome with the answer's problems.
 *
 * <p>Usage. A delivered segment's usage is its share of the call's usage, apportioned by the estimated tokens of
 * the segments' source texts ({@link BatchUsage}: the shares of all the segments add up to the call's usage
 * exactly). When the call's usage is not known yet as a segment is delivered (a stream that reports usage in its
 * last event, as OpenAI's does with {@code stream_options.include_usage}), the share is of the call's
 * {@linkplain #estimatedUsage() estimated usage} instead. {@link BatchOutcome#usage()} is the usage the provider
 * reported (the estimate when it reported none): the scheduler reconciles the whole call's tokens from it, not from
 * the sum of the shares. Segments left out take their share with them.
 *
 * <p>Each delivered result's {@code providerLatency} is the time from {@link #sent()} to the end of that segment's
 * part of the answer, its {@code rateLimit} the feedback of the answer's headers, its {@code finishReason}
 * {@link FinishReason#STOP} (its part is complete).
 *
 * <p>One call, one thread: not thread-safe.
 */
public final class BatchCall {

    /** Estimated tokens an answer item adds around its translation: {@code {"id":"12","text":"..."},}. */
    public static final int ITEM_FRAMING_TOKENS = 12;
    /** Estimated tokens of the answer around its items: {@code {"translations":[...]}}. */
    public static final int ANSWER_FRAMING_TOKENS = 8;

    private final List<TranslationRequest> requests;
    private final NanoClock clock;
    private final BatchReceiver receiver;
    private final String systemPrompt;
    private final String userMessage;
    private final int maxTokens;
    private final int[] weights;
    private final TokenUsage estimate;
    private final List<TokenUsage> estimatedShares;
    private final BatchAnswerChecker checker;
    private final List<String> problems = new ArrayList<>();

    private long start;
    private RateLimitFeedback feedback = RateLimitFeedback.NONE;
    private String model;
    private TokenUsage reported;
    private List<TokenUsage> reportedShares;
    private BatchOutcome outcome;

    private BatchCall(List<TranslationRequest> requests, TranslationPrompts.Budget budget, String model,
            NanoClock clock, BatchReceiver receiver) {
        this.requests = List.copyOf(requests);
        this.clock = clock;
        this.receiver = receiver;
        this.model = model;
        this.systemPrompt = BatchPrompts.systemPrompt();
        this.userMessage = BatchPrompts.userMessage(this.requests);
        int n = this.requests.size();
        this.weights = new int[n];
        long caps = ANSWER_FRAMING_TOKENS;
        long expected = ANSWER_FRAMING_TOKENS;
        for (int i = 0; i < n; i++) {
            String text = this.requests.get(i).text();
            weights[i] = budget.textTokens(text);
            caps += budget.maxTokens(text) + ITEM_FRAMING_TOKENS;
            expected += weights[i] + ITEM_FRAMING_TOKENS;
        }
        this.maxTokens = (int) Math.min(budget.maxTokensCeiling(), caps);
        int promptTokens = budget.promptTokens(systemPrompt, userMessage);
        this.estimate = TokenUsage.of(promptTokens, (int) Math.min(Integer.MAX_VALUE / 2, expected));
        this.estimatedShares = BatchUsage.apportion(estimate, weights);
        this.checker = BatchAnswerChecker.create(n, this::accepted);
        this.start = clock.nanoTime();
    }

    /**
     * Prepares a call.
     *
     * @param requests the segments, in the order the receiver's indexes refer to
     * @param budget the provider's token arithmetic (its tokenizer constants and completion cap)
     * @param model the configured model, named in results until the answer names its own
     * @param clock measures the latency
     * @param receiver takes each valid segment
     * @return the call
     */
    public static BatchCall create(List<TranslationRequest> requests, TranslationPrompts.Budget budget, String model,
            NanoClock clock, BatchReceiver receiver) {
        Objects.requireNonNull(requests, "requests");
        if (requests.isEmpty()) {
            throw new IllegalArgumentException("requests must not be empty");
        }
        return new BatchCall(requests, Objects.requireNonNull(budget, "budget"), Objects.requireNonNull(model, "model"),
                Objects.requireNonNull(clock, "clock"), Objects.requireNonNull(receiver, "receiver"));
    }

    /**
     * The segments.
     *
     * @return them, in order
     */
    public List<TranslationRequest> requests() {
        return requests;
    }

    /**
     * The system prompt to send.
     *
     * @return {@link BatchPrompts#systemPrompt()}
     */
    public String systemPrompt() {
        return systemPrompt;
    }

    /**
     * The user message to send.
     *
     * @return {@link BatchPrompts#userMessage} of the segments
     */
    public String userMessage() {
        return userMessage;
    }

    /**
     * The completion cap to send: each segment's own cap (as its single call would have) plus the answer's JSON
     * framing, at most the budget's ceiling. When the ceiling cuts it, the answer may end before its last segments,
     * which are then left out.
     *
     * @return the cap
     */
    public int maxTokens() {
        return maxTokens;
    }

    /**
     * What the call is expected to use: the prompt's estimated tokens, and about the sources' tokens plus the
     * answer's framing as completion.
     *
     * @return the estimate
     */
    public TokenUsage estimatedUsage() {
        return estimate;
    }

    /** The call is being sent now: latencies are measured from here. */
    public void sent() {
        start = clock.nanoTime();
    }

    /**
     * The answer's head arrived.
     *
     * @param rateLimit the rate-limit feedback of its headers
     */
    public void answered(RateLimitFeedback rateLimit) {
        this.feedback = Objects.requireNonNull(rateLimit, "rateLimit");
    }

    /**
     * The answer named its model.
     *
     * @param answered the model, ignored when blank
     */
    public void model(String answered) {
        if (answered != null && !answered.isBlank()) {
            this.model = answered;
        }
    }

    /**
     * The answer reported its usage; the segments delivered from now on get shares of it.
     *
     * @param usage the call's usage
     */
    public void usage(TokenUsage usage) {
        this.reported = Objects.requireNonNull(usage, "usage");
        this.reportedShares = BatchUsage.apportion(usage, weights);
    }

    /**
     * The next piece of the answer's JSON text.
     *
     * @param text a delta of a stream, or the whole answer
     */
    public void feed(String text) {
        checker.feed(text);
    }

    /**
     * Records a problem the provider found itself (the model stopped at the completion cap, refused, ...).
     *
     * @param line one line
     */
    public void problem(String line) {
        problems.add(Objects.requireNonNull(line, "line"));
    }

    /**
     * Whether the answer's JSON was read to its end, so far.
     *
     * @return true once the answer object closed
     */
    public boolean isComplete() {
        return checker.isComplete();
    }

    /**
     * The segments not delivered (so far).
     *
     * @return their positions, ascending
     */
    public List<Integer> undelivered() {
        return checker.undelivered();
    }

    /**
     * Ends the answer and says how the call went. Idempotent.
     *
     * @return the reported usage (else the estimate), the latency to the whole answer, the feedback, the model and
     *     the problems: the checker's, then the provider's
     */
    public BatchOutcome finish() {
        if (outcome == null) {
            checker.finish();
            List<String> all = new ArrayList<>(checker.problems());
            all.addAll(problems);
            outcome = new BatchOutcome(reported != null ? reported : estimate, since(), feedback, model, all);
        }
        return outcome;
    }

    private void accepted(int index, String text) {
        TokenUsage share = (reportedShares != null ? reportedShares : estimatedShares).get(index);
        receiver.translated(index, new TranslationResult(text, share, since(), feedback, model, FinishReason.STOP));
    }

    private Duration since() {
        return Duration.ofNanos(Math.max(0, clock.nanoTime() - start));
    }

    @Override
    public String toString() {
        return "BatchCall[" + requests.size() + " segments, maxTokens=" + maxTokens + "]";
    }
}
