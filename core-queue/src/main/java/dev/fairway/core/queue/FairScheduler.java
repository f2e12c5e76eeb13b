package dev.fairway.core.queue;

import dev.fairway.api.NanoClock;
import dev.fairway.api.Session;
import dev.fairway.api.SessionId;
import dev.fairway.api.SessionListener;
import dev.fairway.api.SessionOptions;
import dev.fairway.api.SubmitOutcome;
import dev.fairway.api.TranslationScheduler;
import dev.fairway.api.limit.ConcurrencyLimiter;
import dev.fairway.api.limit.RateLimiter;
import dev.fairway.api.spi.BatchLimits;
import dev.fairway.api.spi.TranslationProvider;
import io.opentelemetry.api.OpenTelemetry;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;

/**
 * The fair per-session {@link TranslationScheduler}.
 *
 * <p><b>Per session</b> it keeps at most one pending partial (a newer one supersedes it: latest wins)
 * and a FIFO of finals bounded by {@link Builder#maxQueuedFinalsPerSession}; a final supersedes the
 * pending partial and cancels the session's partial in flight. A full backlog refuses the submit with
 * {@link SubmitOutcome.Status#BACKPRESSURE}: nothing is dropped silently. Sequence numbers must
 * increase per session ({@link SubmitOutcome.Status#OUT_OF_ORDER} otherwise).
 *
 * <p><b>Dispatch.</b> A dispatch pass visits the sessions that have work in deficit round robin by
 * estimated tokens (a session of weight {@code w} earns {@code quantumTokens x w} per round), finals
 * before partials within a session, and asks the {@link RateLimiter} for the session's permit: a
 * session that is refused is skipped until the limiter's wait has passed, so it never holds up the
 * others. Calls in flight are bounded by {@code maxConcurrent} and by the {@link ConcurrencyLimiter};
 * {@code minRequestInterval} spaces dispatches. A pass never blocks and takes no lock shared by all
 * sessions: each session's state is under its own lock, the ring of sessions with work is lock-free,
 * so passes on different sessions run in parallel. Finishing workers run one themselves (and then run
 * the next call on their own thread), and so does a submit that finds a call slot open. One
 * dispatcher thread, made by the application's {@link ThreadFactory}, waits on a condition for the
 * next deadline (a limiter wait, a retry backoff, pacing) and never spins.
 *
 * <p><b>Workers.</b> Each provider call runs on the application's executor (by default a new thread of
 * its factory, virtual threads meant). Usage and rate-limit feedback go back to the limiter; a 429
 * cools it down. Finals are retried on transient faults and 429s with exponential backoff that honours
 * {@code Retry-After}, every attempt asking the limiter again, until delivered or reported failed.
 * Partials are never retried; one that waited longer than {@code partialStaleAfter} is dropped.
 *
 * <p><b>Order.</b> Each session's listener is called by one thread at a time, in sequence order: a
 * partial result is held until the finals submitted before it are delivered, and is never delivered
 * after a newer segment. Identical requests in flight are sent once and shared.
 *
 * <p>Build one with {@link #builder()}; it is thread-safe. See the module's README for the full
 * semantics, every knob and its default.
 */
public final class FairScheduler implements TranslationScheduler {

    static final System.Logger LOG = System.getLogger(FairScheduler.class.getName());

    // The ranges the builder accepts, public so that a configuration can offer exactly these.

    /** Fewest provider calls in flight ({@link Builder#maxConcurrent}). */
    public static final int MIN_CONCURRENT = 1;
    /** Most provider calls in flight ({@link Builder#maxConcurrent}). */
    public static final int MAX_CONCURRENT = 65_536;
    /** Shortest least time between two provider calls ({@link Builder#minRequestInterval}): none. */
    public static final Duration MIN_MIN_REQUEST_INTERVAL = Duration.ZERO;
    /** Longest least time between two provider calls ({@link Builder#minRequestInterval}). */
    public static final Duration MAX_MIN_REQUEST_INTERVAL = Duration.ofMinutes(1);
    /** Fewest finals a session may have waiting ({@link Builder#maxQueuedFinalsPerSession}). */
    public static final int MIN_QUEUED_FINALS_PER_SESSION = 1;
    /** Most finals a session may have waiting ({@link Builder#maxQueuedFinalsPerSession}). */
    public static final int MAX_QUEUED_FINALS_PER_SESSION = 100_000;
    /** Shortest wait before a partial is stale ({@link Builder#partialStaleAfter}): 0 is never. */
    public static final Duration MIN_PARTIAL_STALE_AFTER = Duration.ZERO;
    /** Longest wait before a partial is stale ({@link Builder#partialStaleAfter}). */
    public static final Duration MAX_PARTIAL_STALE_AFTER = Duration.ofHours(1);
    /** Fewest provider attempts for a final ({@link Builder#finalMaxAttempts}). */
    public static final int MIN_FINAL_ATTEMPTS = 1;
    /** Most provider attempts for a final ({@link Builder#finalMaxAttempts}). */
    public static final int MAX_FINAL_ATTEMPTS = 100;
    /** Shortest time a final may be retried ({@link Builder#finalRetryDeadline}): 0 is no retry. */
    public static final Duration MIN_FINAL_RETRY_DEADLINE = Duration.ZERO;
    /** Longest time a final may be retried ({@link Builder#finalRetryDeadline}). */
    public static final Duration MAX_FINAL_RETRY_DEADLINE = Duration.ofHours(1);
    /** Shortest cap of the wait a provider's {@code Retry-After} imposes on a retry ({@link Builder#maxRetryAfter}). */
    public static final Duration MIN_MAX_RETRY_AFTER = Duration.ofMillis(1);
    /** Longest cap of the wait a provider's {@code Retry-After} imposes on a retry ({@link Builder#maxRetryAfter}). */
    public static final Duration MAX_MAX_RETRY_AFTER = Duration.ofHours(1);

    /** Default most segments in one batch call ({@link Builder#batching}). */
    public static final int DEFAULT_BATCH_MAX_SEGMENTS = 8;
    /** Default most estimated tokens in one batch call ({@link Builder#batching}). */
    public static final int DEFAULT_BATCH_MAX_TOKENS = 4000;
    /** Most segments in one batch call. */
    public static final int MAX_BATCH_SEGMENTS = 64;

    private final SchedulerRuntime runtime;

    private FairScheduler(Builder b) {
        // Batching needs a provider that batches; the provider's bounds cap the configured ones.
        BatchMode batching = b.batching;
        int batchSegments = b.batchMaxSegments;
        int batchTokens = b.batchMaxTokens;
        Optional<BatchLimits> limits = b.provider.batchLimits();
        if (limits.isEmpty()) {
            batching = BatchMode.OFF;
        } else {
            batchSegments = Math.min(batchSegments, limits.get().maxSegments());
            batchTokens = Math.min(batchTokens, limits.get().maxTokens());
        }
        Settings settings = new Settings(b.maxConcurrent, b.minRequestInterval.toNanos(),
                b.maxQueuedFinalsPerSession, b.maxFinalsInFlightPerSession, b.partialStaleAfter.toNanos(),
                b.quantumTokens, b.finalMaxAttempts, b.retryInitialBackoff.toNanos(), b.retryMaxBackoff.toNanos(),
                b.finalRetryDeadline.toNanos(), b.maxRetryAfter.toNanos(), b.deduplicate, batching, batchSegments,
                batchTokens);
        Executor executor = b.executor;
        if (executor == null) {
            ThreadFactory factory = b.threadFactory;
            executor = task -> {
                Thread t = factory.newThread(task);
                if (t == null) {
                    throw new RejectedExecutionException("the thread factory refused to make a worker thread");
                }
                t.start();
            };
        }
        this.runtime = new SchedulerRuntime(settings, b.provider, b.rateLimiter,
                b.concurrencyLimiter != null ? b.concurrencyLimiter : Unbounded.INSTANCE, b.clock, b.wallClock,
                executor, new Tracing(b.openTelemetry, b.wallClock), new PermanentFailureLog(b.permanentFailureLogger, b.clock),
                b.manualDispatch ? null : b.threadFactory);
    }

    /**
     * A builder with the defaults listed on its setters.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    // ---------------------------------------------------------------- TranslationScheduler

    @Override
    public Session open(SessionId id, SessionOptions options, SessionListener listener) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(listener, "listener");
        return runtime.open(id, options, listener);
    }

    @Override
    public void shutdown() {
        runtime.shutdown();
    }

    @Override
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        return runtime.awaitTermination(timeout.toNanos());
    }

    @Override
    public void close() {
        runtime.close();
    }

    /**
     * A snapshot of the queues, calls in flight and counters; it visits every session, so it is meant
     * for a status page, not for a hot path.
     *
     * @return the status
     */
    public SchedulerStatus status() {
        return runtime.status();
    }

    /**
     * Runs one dispatch pass now and launches what it dispatched (for tests built with manual
     * dispatch, which start no dispatcher thread).
     *
     * @return the provider calls launched
     */
    int pump() {
        return runtime.pump();
    }

    /** When the last manual {@link #pump()} asked to be called again, or {@link SessionRing#NEVER}. */
    long nextWakeAt() {
        return runtime.nextWakeAt();
    }

    /** No concurrency limiter: only {@code maxConcurrent} bounds calls in flight. */
    private static final class Unbounded implements ConcurrencyLimiter {
        static final Unbounded INSTANCE = new Unbounded();

        @Override
        public long tryAcquire() {
            return 0;
        }

        @Override
        public boolean release(long permit, Outcome outcome) {
            return permit == 0;
        }

        @Override
        public int limit() {
            return Integer.MAX_VALUE;
        }

        @Override
        public int inFlight() {
            return 0;
        }
    }

    // ---------------------------------------------------------------- builder

    /**
     * Builds a {@link FairScheduler}. {@link #provider}, {@link #rateLimiter} and {@link #threadFactory}
     * are required; everything else has a default. The scheduler starts its dispatcher thread when
     * built.
     */
    public static final class Builder {
        private TranslationProvider provider;
        private RateLimiter rateLimiter;
        private ConcurrencyLimiter concurrencyLimiter;
        private ThreadFactory threadFactory;
        private Executor executor;
        private NanoClock clock = NanoClock.SYSTEM;
        private Clock wallClock = Clock.systemUTC();
        private OpenTelemetry openTelemetry = OpenTelemetry.noop();
        private int maxConcurrent = 4;
        private Duration minRequestInterval = Duration.ZERO;
        private int maxQueuedFinalsPerSession = 32;
        private int maxFinalsInFlightPerSession = 1;
        private Duration partialStaleAfter = Duration.ofSeconds(2);
        private int quantumTokens = 1000;
        private int finalMaxAttempts = 5;
        private Duration retryInitialBackoff = Duration.ofMillis(250);
        private Duration retryMaxBackoff = Duration.ofSeconds(8);
        private Duration finalRetryDeadline = Duration.ofSeconds(60);
        private Duration maxRetryAfter = Duration.ofSeconds(60);
        private boolean deduplicate = true;
        private BatchMode batching = BatchMode.OFF;
        private int batchMaxSegments = DEFAULT_BATCH_MAX_SEGMENTS;
        private int batchMaxTokens = DEFAULT_BATCH_MAX_TOKENS;
        private boolean manualDispatch;
        private System.Logger permanentFailureLogger = LOG;

        private Builder() {
        }

        /**
         * The provider that translates (required). Its {@code estimateTokens} fills each request's
         * token estimate.
         *
         * @param value the provider
         * @return this builder
         */
        public Builder provider(TranslationProvider value) {
            provider = Objects.requireNonNull(value, "provider");
            return this;
        }

        /**
         * The requests- and tokens-per-minute limiter (required), asked once per provider call. Its
         * fair-share policy is the "fair share off" rollback knob.
         *
         * @param value the limiter
         * @return this builder
         */
        public Builder rateLimiter(RateLimiter value) {
            rateLimiter = Objects.requireNonNull(value, "rateLimiter");
            return this;
        }

        /**
         * The limiter of calls in flight (default: none, only {@link #maxConcurrent} bounds them).
         *
         * @param value the limiter
         * @return this builder
         */
        public Builder concurrencyLimiter(ConcurrencyLimiter value) {
            concurrencyLimiter = Objects.requireNonNull(value, "concurrencyLimiter");
            return this;
        }

        /**
         * Where the dispatcher thread and, unless {@link #executor} is set, one worker thread per
         * provider call come from (required; for example {@code Thread.ofVirtual().name("fairway-", 0).factory()}).
         * The library starts no pool of its own.
         *
         * @param value the application's thread factory
         * @return this builder
         */
        public Builder threadFactory(ThreadFactory value) {
            threadFactory = Objects.requireNonNull(value, "threadFactory");
            return this;
        }

        /**
         * Runs provider calls (default: a new thread of {@link #threadFactory} per call). A call blocks
         * for the provider's latency, so the executor should be virtual-thread based.
         *
         * @param value the application's executor
         * @return this builder
         */
        public Builder executor(Executor value) {
            executor = Objects.requireNonNull(value, "executor");
            return this;
        }

        /**
         * The monotonic clock for waits, staleness and latency (default {@link NanoClock#SYSTEM}).
         *
         * @param value the clock
         * @return this builder
         */
        public Builder clock(NanoClock value) {
            clock = Objects.requireNonNull(value, "clock");
            return this;
        }

        /**
         * The wall clock that status' {@code lastRequestTime} is told in (default UTC system clock).
         *
         * @param value the clock
         * @return this builder
         */
        public Builder wallClock(Clock value) {
            wallClock = Objects.requireNonNull(value, "wallClock");
            return this;
        }

        /**
         * Where spans go (default {@link OpenTelemetry#noop()}).
         *
         * @param value the application's OpenTelemetry
         * @return this builder
         */
        public Builder openTelemetry(OpenTelemetry value) {
            openTelemetry = Objects.requireNonNull(value, "openTelemetry");
            return this;
        }

        /**
         * The most provider calls in flight at once (default 4, the original's value); 1 is the
         * original's sequential rollback mode. The concurrency limiter may hold it lower.
         *
         * @param value {@link #MIN_CONCURRENT} to {@link #MAX_CONCURRENT} (1 to 65,536)
         * @return this builder
         */
        public Builder maxConcurrent(int value) {
            maxConcurrent = range("maxConcurrent", value, MIN_CONCURRENT, MAX_CONCURRENT);
            return this;
        }

        /**
         * The least time between two provider calls (default 0: none). The original's 50 ms capped
         * dispatch at 20 calls a second, a quarter of its own budget; the rate limiter's sliding window
         * already paces calls to the limit, so Fairway needs none.
         *
         * @param value {@link #MIN_MIN_REQUEST_INTERVAL} to {@link #MAX_MIN_REQUEST_INTERVAL} (0 to 1 minute)
         * @return this builder
         */
        public Builder minRequestInterval(Duration value) {
            minRequestInterval = duration("minRequestInterval", value, MIN_MIN_REQUEST_INTERVAL,
                    MAX_MIN_REQUEST_INTERVAL);
            return this;
        }

        /**
         * The most finals a session may have accepted and not yet delivered or reported (default 32);
         * a final beyond it is refused with {@code BACKPRESSURE}.
         *
         * @param value {@link #MIN_QUEUED_FINALS_PER_SESSION} to {@link #MAX_QUEUED_FINALS_PER_SESSION} (1 to 100,000)
         * @return this builder
         */
        public Builder maxQueuedFinalsPerSession(int value) {
            maxQueuedFinalsPerSession = range("maxQueuedFinalsPerSession", value, MIN_QUEUED_FINALS_PER_SESSION,
                    MAX_QUEUED_FINALS_PER_SESSION);
            return this;
        }

        /**
         * The most finals of one session translated at once (default 1: a session's finals go one after
         * the other, so a session holds at most one final and one partial call). Results are delivered
         * in order whatever the value.
         *
         * @param value 1 to 64
         * @return this builder
         */
        public Builder maxFinalsInFlightPerSession(int value) {
            maxFinalsInFlightPerSession = range("maxFinalsInFlightPerSession", value, 1, 64);
            return this;
        }

        /**
         * How long a partial may wait for its turn before it is dropped as stale (default 2 s; 0 = never).
         *
         * @param value {@link #MIN_PARTIAL_STALE_AFTER} to {@link #MAX_PARTIAL_STALE_AFTER} (0 to 1 hour)
         * @return this builder
         */
        public Builder partialStaleAfter(Duration value) {
            partialStaleAfter = duration("partialStaleAfter", value, MIN_PARTIAL_STALE_AFTER, MAX_PARTIAL_STALE_AFTER);
            return this;
        }

        /**
         * Estimated tokens a session of weight 1 earns per round of the deficit round robin (default 1000).
         * Requests larger than this wait several rounds, so sessions share tokens, not just requests.
         *
         * @param value 1 to 10,000,000
         * @return this builder
         */
        public Builder quantumTokens(int value) {
            quantumTokens = range("quantumTokens", value, 1, 10_000_000);
            return this;
        }

        /**
         * The most provider attempts for one final (default 5), the first included.
         *
         * @param value {@link #MIN_FINAL_ATTEMPTS} to {@link #MAX_FINAL_ATTEMPTS} (1 to 100)
         * @return this builder
         */
        public Builder finalMaxAttempts(int value) {
            finalMaxAttempts = range("finalMaxAttempts", value, MIN_FINAL_ATTEMPTS, MAX_FINAL_ATTEMPTS);
            return this;
        }

        /**
         * The backoff before a final's retry: {@code initial}, doubled each attempt, at most {@code max},
         * and never shorter than the provider's {@code Retry-After} (default 250 ms, 8 s).
         *
         * @param initial the first backoff, 0 to 1 minute
         * @param max the longest backoff, {@code initial} to 10 minutes
         * @return this builder
         */
        public Builder retryBackoff(Duration initial, Duration max) {
            Duration i = duration("retryBackoff initial", initial, Duration.ZERO, Duration.ofMinutes(1));
            Duration m = duration("retryBackoff max", max, i, Duration.ofMinutes(10));
            retryInitialBackoff = i;
            retryMaxBackoff = m;
            return this;
        }

        /**
         * How long after its acceptance a final may still be retried (default 60 s); a retry that would
         * start later is not made and the final is reported as {@code RETRIES_EXHAUSTED}.
         *
         * @param value {@link #MIN_FINAL_RETRY_DEADLINE} to {@link #MAX_FINAL_RETRY_DEADLINE} (0 to 1 hour)
         * @return this builder
         */
        public Builder finalRetryDeadline(Duration value) {
            finalRetryDeadline = duration("finalRetryDeadline", value, MIN_FINAL_RETRY_DEADLINE,
                    MAX_FINAL_RETRY_DEADLINE);
            return this;
        }

        /**
         * The longest a final's retry waits because a provider's {@code Retry-After} said so (default
         * 60 s, as the official OpenAI and Anthropic SDKs cap it, and as the rate limiter caps its pause).
         *
         * @param value {@link #MIN_MAX_RETRY_AFTER} to {@link #MAX_MAX_RETRY_AFTER} (1 ms to 1 hour)
         * @return this builder
         */
        public Builder maxRetryAfter(Duration value) {
            maxRetryAfter = duration("maxRetryAfter", value, MIN_MAX_RETRY_AFTER, MAX_MAX_RETRY_AFTER);
            return this;
        }

        /**
         * Whether identical requests in flight share one provider call (default true).
         *
         * @param value on or off
         * @return this builder
         */
        public Builder deduplicate(boolean value) {
            deduplicate = value;
            return this;
        }

        /**
         * Packs waiting segments of several sessions into one provider call ({@link BatchMode}), when the provider
         * translates batches; the provider's own bounds cap these. Default {@link BatchMode#OFF}, {@value
         * #DEFAULT_BATCH_MAX_SEGMENTS} segments, {@value #DEFAULT_BATCH_MAX_TOKENS} estimated tokens.
         *
         * @param mode when to batch
         * @param maxSegments the most segments in one call, 2 to {@value #MAX_BATCH_SEGMENTS}
         * @param maxTokens the most estimated tokens in one call, 1 to 1,000,000
         * @return this builder
         */
        public Builder batching(BatchMode mode, int maxSegments, int maxTokens) {
            batching = Objects.requireNonNull(mode, "mode");
            batchMaxSegments = range("batchMaxSegments", maxSegments, 2, MAX_BATCH_SEGMENTS);
            batchMaxTokens = range("batchMaxTokens", maxTokens, 1, 1_000_000);
            return this;
        }

        /** Tests: start no dispatcher thread; the test calls {@link FairScheduler#pump()}. */
        Builder manualDispatch() {
            manualDispatch = true;
            return this;
        }

        /** Tests: where the lines about permanent provider failures go (this class's logger by default). */
        Builder permanentFailureLogger(System.Logger logger) {
            permanentFailureLogger = Objects.requireNonNull(logger, "logger");
            return this;
        }

        /**
         * Builds the scheduler and starts its dispatcher thread.
         *
         * @return the scheduler
         * @throws IllegalStateException when a required part is missing
         */
        public FairScheduler build() {
            if (provider == null) {
                throw new IllegalStateException("provider is required");
            }
            if (rateLimiter == null) {
                throw new IllegalStateException("rateLimiter is required");
            }
            if (threadFactory == null && !(manualDispatch && executor != null)) {
                throw new IllegalStateException("threadFactory is required: the library starts no threads of its"
                        + " own; pass for example Thread.ofVirtual().factory()");
            }
            return new FairScheduler(this);
        }

        private static int range(String field, int value, int min, int max) {
            if (value < min || value > max) {
                throw new IllegalArgumentException(field + " must be " + min + " to " + max + ", was " + value);
            }
            return value;
        }

        private static Duration duration(String field, Duration value, Duration min, Duration max) {
            if (value == null || value.compareTo(min) < 0 || value.compareTo(max) > 0) {
                throw new IllegalArgumentException(field + " must be " + min + " to " + max + ", was " + value);
            }
            return value;
        }
    }
}
