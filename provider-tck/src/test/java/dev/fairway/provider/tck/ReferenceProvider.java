package dev.fairway.provider.tck;

import dev.fairway.api.FinishReason;
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
import dev.fairway.api.spi.ProviderContext;
import dev.fairway.api.spi.TranslationProvider;
import dev.fairway.api.spi.TranslationProviderFactory;

import dev.fairway.provider.tck.ProviderScript.BatchAnswer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An in-process provider that answers as its {@link Script} says, correct unless given flaws: each
 * {@link Flaw} is a bug a real provider could have, which one contract rule must catch.
 */
final class ReferenceProvider implements TranslationProvider {

    static final String NAME = "reference";

    /** Bugs to build in. */
    enum Flaw {
        /** Wraps InterruptedException in a TransientProviderException. */
        WRAPS_INTERRUPT,
        /** Clears a pending interrupt at the start of a call and waits for the server. */
        IGNORES_PENDING_INTERRUPT,
        /** After an interrupted call, every later call fails ("connection pool closed"). */
        BROKEN_AFTER_INTERRUPT,
        /** Maps a 429 to TransientProviderException. */
        RATE_LIMIT_AS_TRANSIENT,
        /** Loses the retry-after of a 429. */
        DROPS_RETRY_AFTER,
        /** Maps a transient failure to a permanent one. */
        TRANSIENT_AS_PERMANENT,
        /** Maps a rejected credential to BAD_REQUEST. */
        AUTHENTICATION_AS_BAD_REQUEST,
        /** Quotes the server's text, which echoes the key, in its exception. */
        LEAKS_KEY_IN_MESSAGE,
        /** Logs the key at DEBUG when it is created. */
        LOGS_KEY,
        /** Keeps the text of the call in flight in one field shared by every call. */
        SHARED_STATE,
        /** Reports no usage. */
        NO_USAGE,
        /** Drops the rate-limit feedback of normal answers. */
        DROPS_FEEDBACK,
        /** Estimates 0 tokens. */
        ZERO_ESTIMATE,
        /** Throws on a second close. */
        CLOSE_TWICE_THROWS,
        /** Reports another name than its factory's. */
        WRONG_NAME,
        /** Hands the receiver the spoiled part of a batch answer too (unknown or repeated id, empty text, cut text). */
        DELIVERS_SPOILED_BATCH_PARTS,
        /** Gives each segment of a batch the whole call's usage instead of its share. */
        WHOLE_USAGE_PER_BATCH_SEGMENT
    }

    private static final System.Logger LOG = System.getLogger(ReferenceProvider.class.getName());

    private final Script script;
    private final Set<Flaw> flaws;
    private final String key;
    private final NanoClock clock;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean poisoned = new AtomicBoolean();
    /** Only used with {@link Flaw#SHARED_STATE}: the bug. */
    private volatile String sharedText;

    ReferenceProvider(Script script, Set<Flaw> flaws, ProviderContext context) {
        this.script = script;
        this.flaws = flaws;
        this.key = context.config().get("api-key").orElseThrow();
        this.clock = context.clock();
        if (flaws.contains(Flaw.LOGS_KEY)) {
            LOG.log(System.Logger.Level.DEBUG, "created with api-key {0}", key);
        }
    }

    @Override
    public String name() {
        return flaws.contains(Flaw.WRONG_NAME) ? "Reference" : NAME;
    }

    @Override
    public String model() {
        return "reference-1";
    }

    @Override
    public TranslationResult translate(TranslationRequest request) throws InterruptedException {
        long start = clock.nanoTime();
        sharedText = request.text();
        failOrHold();
        String text = flaws.contains(Flaw.SHARED_STATE) ? sharedText : request.text();
        TokenUsage usage = flaws.contains(Flaw.NO_USAGE) ? TokenUsage.NONE : TokenUsage.of(12, 5);
        return new TranslationResult("[" + request.targetLanguage() + "] " + text, usage,
                Duration.ofNanos(clock.nanoTime() - start), feedback(), model(), FinishReason.STOP);
    }

    @Override
    public Optional<BatchLimits> batchLimits() {
        return script.batches ? Optional.of(new BatchLimits(8, 10_000)) : Optional.empty();
    }

    /** Answers as the script's batch answer says, reading its parts as a provider reads an answer's JSON. */
    @Override
    public BatchOutcome translateBatch(List<TranslationRequest> requests, BatchReceiver receiver)
            throws InterruptedException {
        if (!script.batches) {
            throw new UnsupportedOperationException("reference does not translate batches");
        }
        long start = clock.nanoTime();
        failOrHold();
        List<BatchAnswers.Part> segments = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            segments.add(new BatchAnswers.Part(Integer.toString(i), requests.get(i).text()));
        }
        script.lastBatch = requests.stream().map(TranslationRequest::text).toList();
        BatchAnswers.Answer answer = BatchAnswers.of(segments, script.batchAnswer, script.spoiled);
        int n = requests.size();
        TokenUsage call = flaws.contains(Flaw.NO_USAGE) ? TokenUsage.NONE : TokenUsage.of(12 * n, 5 * n);
        TokenUsage share = flaws.contains(Flaw.NO_USAGE) ? TokenUsage.NONE
                : flaws.contains(Flaw.WHOLE_USAGE_PER_BATCH_SEGMENT) ? call : TokenUsage.of(12, 5);
        List<String> problems = new ArrayList<>();
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < answer.parts().size(); i++) {
            BatchAnswers.Part part = answer.parts().get(i);
            boolean cut = i == answer.cutInside();
            String text = cut ? part.text().substring(0, part.text().length() / 2) : part.text();
            Integer index = segments.stream().filter(s -> s.id().equals(part.id())).map(s -> Integer.valueOf(s.id()))
                    .findFirst().orElse(null);
            boolean valid = !cut && index != null && seen.add(index) && !text.isBlank();
            if (!valid) {
                problems.add("part " + i + " is spoiled");
                if (!flaws.contains(Flaw.DELIVERS_SPOILED_BATCH_PARTS)) {
                    if (cut) {
                        break;
                    }
                    continue;
                }
                index = index == null || cut ? i : index;
            }
            receiver.translated(index, new TranslationResult(text, share, Duration.ofNanos(clock.nanoTime() - start),
                    feedback(), model(), FinishReason.STOP));
            if (cut) {
                break;
            }
        }
        for (int i = 0; i < n; i++) {
            if (!seen.contains(i)) {
                problems.add("no translation for id " + i);
            }
        }
        return new BatchOutcome(call, Duration.ofNanos(clock.nanoTime() - start), feedback(), model(), problems);
    }

    private RateLimitFeedback feedback() {
        return flaws.contains(Flaw.DROPS_FEEDBACK) ? RateLimitFeedback.NONE
                : RateLimitFeedback.builder().requestLimit(100).requestsRemaining(99).build();
    }

    /** Fails as the script's mode says, or holds a hanging call; returns for a normal answer. */
    private void failOrHold() throws InterruptedException {
        if (flaws.contains(Flaw.IGNORES_PENDING_INTERRUPT)) {
            Thread.interrupted();
        }
        if (poisoned.get()) {
            throw new TransientProviderException("reference: the connection pool is closed");
        }
        Script.Mode mode = script.mode;
        switch (mode) {
            case RATE_LIMIT -> {
                if (flaws.contains(Flaw.RATE_LIMIT_AS_TRANSIENT)) {
                    throw new TransientProviderException("reference: HTTP 429 Too Many Requests");
                }
                RateLimitFeedback feedback = flaws.contains(Flaw.DROPS_RETRY_AFTER) ? RateLimitFeedback.NONE
                        : RateLimitFeedback.builder().retryAfter(script.retryAfter).build();
                throw new RateLimitedException("reference: HTTP 429 Too Many Requests", feedback);
            }
            case TRANSIENT -> {
                if (flaws.contains(Flaw.TRANSIENT_AS_PERMANENT)) {
                    throw new PermanentProviderException(PermanentProviderException.Kind.OTHER, "reference: HTTP 503");
                }
                throw new TransientProviderException("reference: HTTP 503 Service Unavailable");
            }
            case PERMANENT -> throw permanent(script.kind);
            case HANG -> hold();
            case NORMAL -> {
                // The caller answers.
            }
        }
    }

    private void hold() throws InterruptedException {
        try {
            script.gate.arrive();
        } catch (InterruptedException e) {
            if (flaws.contains(Flaw.BROKEN_AFTER_INTERRUPT)) {
                poisoned.set(true);
            }
            if (flaws.contains(Flaw.WRAPS_INTERRUPT)) {
                throw new TransientProviderException("reference: the call was interrupted", e);
            }
            throw e;
        }
    }

    private PermanentProviderException permanent(PermanentProviderException.Kind kind) {
        if (kind == PermanentProviderException.Kind.AUTHENTICATION) {
            String said = flaws.contains(Flaw.LEAKS_KEY_IN_MESSAGE) ? ": invalid api key '" + key + "'" : "";
            return new PermanentProviderException(flaws.contains(Flaw.AUTHENTICATION_AS_BAD_REQUEST)
                    ? PermanentProviderException.Kind.BAD_REQUEST : kind, "reference: HTTP 401 Unauthorized" + said);
        }
        return new PermanentProviderException(kind, "reference: refused (" + kind + ")");
    }

    @Override
    public int estimateTokens(SegmentKind kind, String text) {
        return flaws.contains(Flaw.ZERO_ESTIMATE) ? 0 : TranslationProvider.super.estimateTokens(kind, text);
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true) && flaws.contains(Flaw.CLOSE_TWICE_THROWS)) {
            throw new IllegalStateException("reference: already closed");
        }
    }

    @Override
    public String toString() {
        return "ReferenceProvider" + flaws;
    }

    /** The factory: in the kit's test module, which declares no {@code provides}. */
    static final class Factory implements TranslationProviderFactory {
        @Override
        public String name() {
            return NAME;
        }

        @Override
        public TranslationProvider create(ProviderContext context) {
            return new ReferenceProvider(new Script(Set.of(), true), Set.of(), context);
        }
    }

    /** Scripts a {@link ReferenceProvider}: the provider reads the mode on every call. */
    static final class Script implements ProviderScript {

        enum Mode { NORMAL, RATE_LIMIT, TRANSIENT, PERMANENT, HANG }

        final Set<Flaw> flaws;
        /** Whether the provider translates batches: without, the batch rules are skipped. */
        final boolean batches;
        volatile Mode mode = Mode.NORMAL;
        volatile Duration retryAfter = Duration.ZERO;
        volatile PermanentProviderException.Kind kind = PermanentProviderException.Kind.OTHER;
        volatile BatchAnswer batchAnswer = BatchAnswer.VALID;
        volatile int spoiled = 1;
        volatile List<String> lastBatch = List.of();
        final HoldGate gate = new HoldGate();

        Script(Set<Flaw> flaws, boolean batches) {
            this.flaws = flaws;
            this.batches = batches;
        }

        @Override
        public void answerBatch(BatchAnswer answer, int position) {
            batchAnswer = answer;
            spoiled = position;
            mode = Mode.NORMAL;
        }

        @Override
        public List<String> lastBatch() {
            return lastBatch;
        }

        @Override
        public PluginConfig config(String credential) {
            return PluginConfig.of("fairway.provider.reference", Map.of("api-key", credential));
        }

        @Override
        public TranslationProvider create(TranslationProviderFactory factory, ProviderContext context) {
            return new ReferenceProvider(this, flaws, context);
        }

        @Override
        public void answerNormally() {
            mode = Mode.NORMAL;
            batchAnswer = BatchAnswer.VALID;
        }

        @Override
        public void rateLimit(Duration wait) {
            retryAfter = wait;
            mode = Mode.RATE_LIMIT;
        }

        @Override
        public void failTransiently() {
            mode = Mode.TRANSIENT;
        }

        @Override
        public void failPermanently(PermanentProviderException.Kind refusal) {
            kind = refusal;
            mode = Mode.PERMANENT;
        }

        @Override
        public Set<PermanentProviderException.Kind> permanentKinds() {
            return EnumSet.of(PermanentProviderException.Kind.BAD_REQUEST, PermanentProviderException.Kind.AUTHENTICATION,
                    PermanentProviderException.Kind.QUOTA_EXHAUSTED);
        }

        @Override
        public void hang() {
            gate.hold();
            mode = Mode.HANG;
        }

        @Override
        public boolean awaitHeld(int requests, Duration timeout) throws InterruptedException {
            return gate.awaitHeld(requests, timeout);
        }

        @Override
        public void release() {
            mode = Mode.NORMAL;
            gate.release();
        }
    }
}
