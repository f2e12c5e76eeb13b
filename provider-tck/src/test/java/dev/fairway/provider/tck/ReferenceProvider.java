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
import dev.fairway.api.spi.PluginConfig;
import dev.fairway.api.spi.ProviderContext;
import dev.fairway.api.spi.TranslationProvider;
import dev.fairway.api.spi.TranslationProviderFactory;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
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
        WRONG_NAME
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
        if (flaws.contains(Flaw.IGNORES_PENDING_INTERRUPT)) {
            Thread.interrupted();
        }
        if (poisoned.get()) {
            throw new TransientProviderException("reference: the connection pool is closed");
        }
        sharedText = request.text();
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
                // Answer below.
            }
        }
        String text = flaws.contains(Flaw.SHARED_STATE) ? sharedText : request.text();
        TokenUsage usage = flaws.contains(Flaw.NO_USAGE) ? TokenUsage.NONE : TokenUsage.of(12, 5);
        RateLimitFeedback feedback = flaws.contains(Flaw.DROPS_FEEDBACK) ? RateLimitFeedback.NONE
                : RateLimitFeedback.builder().requestLimit(100).requestsRemaining(99).build();
        return new TranslationResult("[" + request.targetLanguage() + "] " + text, usage,
                Duration.ofNanos(clock.nanoTime() - start), feedback, model(), FinishReason.STOP);
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
            return new ReferenceProvider(new Script(Set.of()), Set.of(), context);
        }
    }

    /** Scripts a {@link ReferenceProvider}: the provider reads the mode on every call. */
    static final class Script implements ProviderScript {

        enum Mode { NORMAL, RATE_LIMIT, TRANSIENT, PERMANENT, HANG }

        final Set<Flaw> flaws;
        volatile Mode mode = Mode.NORMAL;
        volatile Duration retryAfter = Duration.ZERO;
        volatile PermanentProviderException.Kind kind = PermanentProviderException.Kind.OTHER;
        final HoldGate gate = new HoldGate();

        Script(Set<Flaw> flaws) {
            this.flaws = flaws;
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
