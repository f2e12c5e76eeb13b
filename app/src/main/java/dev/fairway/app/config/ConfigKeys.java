package dev.fairway.app.config;

import dev.fairway.core.limiter.BoundedConcurrencyLimiter;
import dev.fairway.core.limiter.RateLimitPause;
import dev.fairway.core.limiter.RateLimiterSettings;
import dev.fairway.core.queue.FairScheduler;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The registry of every application configuration key: name, type, default, allowed values and
 * meaning, in one place. The configuration reference, {@code docs/configuration.md}, is generated
 * from it ({@link ConfigurationReference}) and a test checks that the two agree.
 *
 * <p>Keys of plugins are not listed here: each plugin reads its own keys under
 * {@value #PROVIDER_PREFIX}{@code <name>.} or {@value #TRANSPORT_PREFIX}{@code <name>.} and
 * documents them itself.
 *
 * <p>A key that feeds a component takes its range from the component's own constants (for example
 * {@link FairShareRateLimiter#MAX_TOKENS_PER_MINUTE}), the ones its builder checks, so that a value
 * accepted here is never refused when the component is built; a key feeding two components takes
 * the range both accept.
 */
public final class ConfigKeys {

    /** Keys of provider plugins start with this, followed by the provider's name. */
    public static final String PROVIDER_PREFIX = "fairway.provider.";

    /** Keys of transport plugins start with this, followed by the transport's name. */
    public static final String TRANSPORT_PREFIX = "fairway.transport.";

    /** Prefix of a session store's own keys: {@code fairway.session.<store>.<key>}. */
    public static final String SESSION_STORE_PREFIX = "fairway.session.";

    /** The translation provider plugin. */
    public static final ConfigKey<String> PROVIDER = ConfigKey.pluginName("fairway.provider", "auto",
            "`auto` or a provider listed by `fairway providers`",
            "The translation provider plugin requests go to. `auto`: `openai` when an OpenAI API key is set"
                    + " (`OPENAI_API_KEY`), else `anthropic` when `ANTHROPIC_API_KEY` is set, else `fake`.");

    /** The transport plugin of {@code fairway serve}. */
    public static final ConfigKey<String> TRANSPORT = ConfigKey.pluginName("fairway.transport", "websocket",
            "a transport listed by `fairway providers`",
            "How clients reach the scheduler in `fairway serve`.");

    /** The value of {@link #PLUGINS_DIR} that means no plugins directory. */
    public static final String NO_PLUGINS_DIR = "none";

    /** The value of {@link #PLUGINS_DIR} that takes the installation's {@code plugins/} when there is one. */
    public static final String AUTO_PLUGINS_DIR = "auto";

    /** Where plugin jars beside the module path are loaded from. */
    public static final ConfigKey<String> PLUGINS_DIR = ConfigKey.text("fairway.plugins.dir", AUTO_PLUGINS_DIR,
            Pattern.compile("\\S(.*\\S)?"), "auto, none, or an existing directory",
            "A directory whose `.jar` files are loaded as plugins (providers, transports, rate limiter and session"
                    + " stores) in a module layer of their own, beside the plugins on the module path; `fairway"
                    + " providers` names each one's jar. auto: `$FAIRWAY_HOME/plugins` when FAIRWAY_HOME is set and"
                    + " that directory exists (the archive's `bin/fairway` sets it), else none (a checkout); none: no"
                    + " plugins directory. A jar that cannot be loaded stops start-up with one line naming it.");

    /** Requests per minute for the whole node. */
    public static final ConfigKey<Integer> LIMITER_RPM = ConfigKey.integer("fairway.limiter.rpm", 4500,
            RateLimiterSettings.MIN_REQUESTS_PER_MINUTE, RateLimiterSettings.MAX_REQUESTS_PER_MINUTE,
            "Requests per minute admitted in any sliding 60 s window (90% of a 5,000 RPM account).");

    /** Tokens per minute for the whole node. */
    public static final ConfigKey<Integer> LIMITER_TPM = ConfigKey.integer("fairway.limiter.tpm", 1_800_000,
            RateLimiterSettings.MIN_TOKENS_PER_MINUTE, RateLimiterSettings.MAX_TOKENS_PER_MINUTE,
            "Tokens per minute admitted in any sliding 60 s window (90% of a 2,000,000 TPM account).");

    /** How the limits are shared between sessions. */
    public static final ConfigKey<String> LIMITER_POLICY = ConfigKey.choice("fairway.limiter.policy", "max-min",
            List.of("max-min", "static-split", "none"),
            "How sessions share the limits: max-min (work-conserving fair share; a lone session gets everything),"
                    + " static-split (the original's floor(limit / active sessions)), none (arrival order: rollback).");

    /** The part of the limits, and of each session's share, that partials leave free for finals. */
    public static final ConfigKey<Integer> LIMITER_FINAL_HEADROOM = ConfigKey.integer("fairway.limiter.final-headroom",
            RateLimiterSettings.DEFAULT_FINAL_HEADROOM_PERCENT, RateLimiterSettings.MIN_FINAL_HEADROOM_PERCENT,
            RateLimiterSettings.MAX_FINAL_HEADROOM_PERCENT,
            "Percent of every limit, and of each session's fair share, that partials leave free for finals, so that"
                    + " a session's final does not wait for its own partials to leave the window; finals may use"
                    + " everything. 0: partials are admitted like finals.");

    /** Input tokens per minute, where the provider limits them apart (0: not apart). */
    public static final ConfigKey<Integer> LIMITER_INPUT_TPM = ConfigKey.integer("fairway.limiter.input-tpm", 0,
            0, RateLimiterSettings.MAX_TOKENS_PER_MINUTE,
            "Input (prompt) tokens per minute admitted in any sliding 60 s window, for providers that limit input"
                    + " and output tokens apart (Anthropic); set it below the account's limit like tpm. 0: not"
                    + " limited apart (tpm alone).");

    /** Output tokens per minute, where the provider limits them apart (0: not apart). */
    public static final ConfigKey<Integer> LIMITER_OUTPUT_TPM = ConfigKey.integer("fairway.limiter.output-tpm", 0,
            0, RateLimiterSettings.MAX_TOKENS_PER_MINUTE,
            "Output (completion) tokens per minute admitted in any sliding 60 s window, for providers that limit"
                    + " input and output tokens apart (Anthropic). 0: not limited apart (tpm alone).");

    /** The cap on a provider's Retry-After: the rate limiters' and the scheduler's, so both must accept it. */
    public static final ConfigKey<Duration> LIMITER_MAX_RETRY_AFTER = ConfigKey.duration(
            "fairway.limiter.max-retry-after", Duration.ofSeconds(60),
            longer(RateLimitPause.MIN_MAX_RETRY_AFTER, FairScheduler.MIN_MAX_RETRY_AFTER),
            shorter(RateLimitPause.MAX_MAX_RETRY_AFTER, FairScheduler.MAX_MAX_RETRY_AFTER),
            "Longest pause a provider's Retry-After imposes on admission, and longest a final's retry waits for it."
                    + " A 429 without Retry-After backs off 0.5 s doubling to 8 s; reset headers never pause.");

    /** Where the limiter keeps its windows. */
    /*
     * The stores are plugins (RateLimiterStoreFactory, found by name); the key still lists the two that
     * Fairway ships, as the configuration tables do.
     */
    public static final ConfigKey<String> LIMITER_STORE = ConfigKey.choice("fairway.limiter.store", "memory",
            List.of("memory", "redis"),
            "memory: this node alone owns the limits; redis: every node with the same Redis and key prefix"
                    + " shares them (windows and sessions in Redis, see limiter-redis/README.md).");

    /** The Redis of {@code fairway.limiter.store = redis}. */
    public static final ConfigKey<String> LIMITER_REDIS_URI = ConfigKey.text("fairway.limiter.redis.uri",
            "redis://127.0.0.1:6379", Pattern.compile("rediss?://\\S+"),
            "a redis:// or rediss:// URI",
            "The Redis that holds the shared limits (store = redis).");

    /** Permits a node takes from Redis per call. */
    public static final ConfigKey<Integer> LIMITER_REDIS_LEASE = ConfigKey.integer("fairway.limiter.redis.lease", 10,
            0, 1_000, // RedisRateLimiter.MIN_LEASE, MAX_LEASE
            "Permits a node takes from Redis per call and hands out locally; a 60 s window may admit up to"
                    + " nodes x lease more than the limit; 0: one Redis call per request, no overshoot.");

    /** Longest wait for Redis. */
    public static final ConfigKey<Duration> LIMITER_REDIS_TIMEOUT = ConfigKey.duration("fairway.limiter.redis.timeout",
            Duration.ofMillis(100), Duration.ofMillis(5), Duration.ofSeconds(10), // RedisRateLimiter's command timeouts
            "Longest wait for a Redis call; slower or failed calls make the node serve from its local share"
                    + " (limit / nodes) until Redis answers again.");

    /** The prefix of the shared keys. */
    public static final ConfigKey<String> LIMITER_REDIS_KEY_PREFIX = ConfigKey.text("fairway.limiter.redis.key-prefix",
            "fairway", Pattern.compile("[A-Za-z0-9._:-]{1,64}"), "1 to 64 of [A-Za-z0-9._:-]",
            "Nodes with the same prefix share one budget (keys {prefix}:window, :sessions, :weights, :nodes, :seen).");

    /** This node's id in Redis. */
    public static final ConfigKey<String> LIMITER_REDIS_NODE_ID = ConfigKey.text("fairway.limiter.redis.node-id",
            "auto", Pattern.compile("[A-Za-z0-9._:-]{1,64}"), "auto, or 1 to 64 of [A-Za-z0-9._:-]",
            "This node's id in Redis, unique per node; auto: n- and 8 random hex digits.");

    /** Nodes assumed before the others are seen. */
    public static final ConfigKey<Integer> LIMITER_REDIS_FALLBACK_NODES = ConfigKey.integer(
            "fairway.limiter.redis.fallback-nodes", 1,
            1, 1_000, // RedisRateLimiter.MIN_FALLBACK_NODES, MAX_FALLBACK_NODES
            "Nodes assumed for the local share when Redis fails before this node has seen the others.");

    /** Adaptive or static bound on calls in flight. */
    public static final ConfigKey<String> CONCURRENCY_POLICY = ConfigKey.choice("fairway.concurrency.policy",
            "adaptive", List.of("adaptive", "static"),
            "adaptive: AIMD between concurrency.min and concurrency.max, starting at 64, doubling per window"
                    + " of clean answers until the first 429, then +1, halved on a 429;"
                    + " static: the original's concurrency.max normally, concurrency.min while rate limited.");

    /** Upper bound of the concurrency limiter. */
    public static final ConfigKey<Integer> CONCURRENCY_MAX = ConfigKey.integer("fairway.concurrency.max", 256,
            BoundedConcurrencyLimiter.MIN_SLOTS, BoundedConcurrencyLimiter.MAX_SLOTS,
            "Most provider calls in flight (the adaptive ceiling; the static policy's normal bound, the original's 5).");

    /** Lower bound of the concurrency limiter. */
    public static final ConfigKey<Integer> CONCURRENCY_MIN = ConfigKey.integer("fairway.concurrency.min", 2,
            BoundedConcurrencyLimiter.MIN_SLOTS, BoundedConcurrencyLimiter.MAX_SLOTS,
            "Fewest calls in flight the adaptive policy backs off to; the static policy's bound while rate limited.");

    /** Provider calls in flight at once. */
    public static final ConfigKey<Integer> QUEUE_MAX_CONCURRENT = ConfigKey.integer("fairway.queue.max-concurrent",
            256, FairScheduler.MIN_CONCURRENT, FairScheduler.MAX_CONCURRENT,
            "Hard cap on provider calls in flight, above the concurrency limiter; the original used 4,"
                    + " and 1 is its sequential rollback mode.");

    /** Minimum time between two dispatches. */
    public static final ConfigKey<Duration> QUEUE_MIN_REQUEST_INTERVAL = ConfigKey.duration(
            "fairway.queue.min-request-interval", Duration.ZERO,
            FairScheduler.MIN_MIN_REQUEST_INTERVAL, FairScheduler.MAX_MIN_REQUEST_INTERVAL,
            "Minimum time between two dispatches; 0 follows the limit (60 s / rpm, 13.3ms at 4500), so a minute's"
                    + " budget is spread over the minute instead of spent in a burst; the original's fixed 50ms capped"
                    + " dispatch at 1,200 RPM.");

    /** How long a partial may wait before it is dropped as stale. */
    public static final ConfigKey<Duration> QUEUE_PARTIAL_STALE_AFTER = ConfigKey.duration(
            "fairway.queue.partial-stale-after", Duration.ofSeconds(2),
            FairScheduler.MIN_PARTIAL_STALE_AFTER, FairScheduler.MAX_PARTIAL_STALE_AFTER,
            "A partial that waited longer than this for its turn is dropped and counted (0: never).");

    /** Back-pressure bound of one session's finals. */
    public static final ConfigKey<Integer> QUEUE_MAX_QUEUED_FINALS = ConfigKey.integer(
            "fairway.queue.max-queued-finals", 32,
            FairScheduler.MIN_QUEUED_FINALS_PER_SESSION, FairScheduler.MAX_QUEUED_FINALS_PER_SESSION,
            "Finals a session may have waiting; one more is refused with back-pressure, never dropped.");

    /** Attempts of a final before it is reported failed. */
    public static final ConfigKey<Integer> QUEUE_FINAL_MAX_ATTEMPTS = ConfigKey.integer(
            "fairway.queue.final-max-attempts", 5, FairScheduler.MIN_FINAL_ATTEMPTS, FairScheduler.MAX_FINAL_ATTEMPTS,
            "Provider attempts for a final (transient faults and 429s are retried, honouring retry-after up to fairway.limiter.max-retry-after).");

    /** Time limit of a final's retries. */
    public static final ConfigKey<Duration> QUEUE_FINAL_RETRY_DEADLINE = ConfigKey.duration(
            "fairway.queue.final-retry-deadline", Duration.ofSeconds(60),
            FairScheduler.MIN_FINAL_RETRY_DEADLINE, FairScheduler.MAX_FINAL_RETRY_DEADLINE,
            "After this long a final still failing is reported failed to its session.");

    /** Identical in-flight requests are sent once. */
    public static final ConfigKey<Boolean> QUEUE_DEDUPLICATE = ConfigKey.bool("fairway.queue.deduplicate", true,
            "Identical requests in flight (provider, model, languages, text) are sent once and the result shared.");

    /** When several sessions' segments share one provider call. */
    public static final ConfigKey<String> QUEUE_BATCHING = ConfigKey.choice("fairway.queue.batching", "off",
            List.of("off", "when-limited", "always"),
            "off: one provider call per segment; when-limited: segments refused a request of their own (rate limit"
                    + " or pacing) ride together in one call, finals first, when the provider translates batches"
                    + " (a model could mix up two segments' texts; each answer's ids are checked, see the README);"
                    + " always: every pass sends what it finds ready as batches.");

    /** Most segments in one batch call. */
    public static final ConfigKey<Integer> QUEUE_BATCHING_MAX_SEGMENTS = ConfigKey.integer(
            "fairway.queue.batching.max-segments", FairScheduler.DEFAULT_BATCH_MAX_SEGMENTS, 2,
            FairScheduler.MAX_BATCH_SEGMENTS,
            "The most segments in one batch call (the provider's own bound, if lower, wins).");

    /** Most estimated tokens in one batch call. */
    public static final ConfigKey<Integer> QUEUE_BATCHING_MAX_TOKENS = ConfigKey.integer(
            "fairway.queue.batching.max-tokens", FairScheduler.DEFAULT_BATCH_MAX_TOKENS, 1, 1_000_000,
            "The most estimated tokens in one batch call (the provider's own bound, if lower, wins).");

    /** Idle time after which a session stops counting as active (the Redis limiter checks the same range). */
    public static final ConfigKey<Duration> SESSION_IDLE_TIMEOUT = ConfigKey.duration("fairway.session.idle-timeout",
            Duration.ofMinutes(5), RateLimiterSettings.MIN_IDLE_TIMEOUT, RateLimiterSettings.MAX_IDLE_TIMEOUT,
            "A session that sends nothing for this long stops counting as active for fair share.");

    /** Where durable sessions keep their journal. */
    public static final ConfigKey<String> SESSION_STORE = ConfigKey.pluginName("fairway.session.store", "none",
            "`none` or a session store listed by `fairway providers`",
            "Where sessions keep their journal so a client resumes after a dropped connection, a restart or on"
                    + " another node (protocol version 2): none (sessions end with their connection), memory"
                    + " (resume after a dropped connection), sqlite (also after a restart: a file under"
                    + " fairway.session.data-dir), redis (also on another node).");

    /** How long a disconnected session waits for its client. */
    public static final ConfigKey<Duration> SESSION_RESUME_WINDOW = ConfigKey.duration(
            "fairway.session.resume-window", Duration.ofMinutes(2), Duration.ofSeconds(1), Duration.ofDays(1),
            "How long a session whose connection dropped stays resumable: its accepted finals are still"
                    + " translated and journaled; after it, the session ends and its journal is removed.");

    /** How many answered finals a session's journal keeps for a resume. */
    public static final ConfigKey<Integer> SESSION_JOURNAL_LIMIT = ConfigKey.integer("fairway.session.journal-limit",
            256, 8, 100_000,
            "How many answered finals a durable session's journal keeps for a resume: clients trim it with `ack`;"
                    + " past the limit the oldest are trimmed all the same, so a journal's size is bounded.");

    /** The directory of file-based session stores. */
    public static final ConfigKey<String> SESSION_DATA_DIR = ConfigKey.text("fairway.session.data-dir", "data",
            Pattern.compile("\\S(.*\\S)?"), "a directory path",
            "Where a file-based session store (sqlite) keeps its files; created when missing.");

    /** The durability policy of accepted finals. */
    public static final ConfigKey<Duration> SESSION_GROUP_COMMIT = ConfigKey.duration(
            "fairway.session.group-commit", Duration.ZERO, Duration.ZERO, Duration.ofSeconds(1),
            "0: every accepted final is durable before the client hears `accepted` (sync); more: the finals"
                    + " accepted within this time are written together (group commit, sqlite).");

    /** How long {@code serve} lets accepted work finish on SIGTERM (the app's own wait: no component checks it). */
    public static final ConfigKey<Duration> SHUTDOWN_GRACE = ConfigKey.duration("fairway.shutdown.grace",
            Duration.ofSeconds(10), Duration.ZERO, Duration.ofMinutes(10),
            "On SIGTERM or Ctrl-C, how long `fairway serve` waits for accepted finals;"
                    + " then each final still unanswered gets `failed` (reason `shutdown`)"
                    + " and each client a 1001 close frame.");

    /** Sustained scheduling lag past which new sessions are refused. */
    public static final ConfigKey<Duration> OVERLOAD_SCHEDULING_LAG = ConfigKey.duration(
            "fairway.overload.scheduling-lag", Duration.ofMillis(250), Duration.ZERO, Duration.ofMinutes(1),
            "New sessions are refused (HTTP 503, Retry-After) while the node's threads run this late: the median,"
                    + " over the last second, of how late a 100 ms timer fires or a new virtual thread starts"
                    + " (0: off). Sessions already accepted keep their service.");

    /** Queue wait past which new sessions are refused. */
    public static final ConfigKey<Duration> OVERLOAD_QUEUE_WAIT = ConfigKey.duration(
            "fairway.overload.queue-wait", Duration.ofSeconds(1), Duration.ZERO, Duration.ofMinutes(10),
            "New sessions are refused while the 95th percentile of the time translations of the last three seconds"
                    + " waited in the queue for their turn (limiter waits not included) is over this (0: off).");

    /** Heap in use after GC past which new sessions are refused. */
    public static final ConfigKey<Integer> OVERLOAD_HEAP_PERCENT = ConfigKey.integer(
            "fairway.overload.heap-percent", 90, 0, 100,
            "New sessions are refused while the heap in use after garbage collection (the lowest of the last five"
                    + " collections) is over this percentage of the maximum heap (0: off).");

    /** The application's readiness checks that {@code /ready} leaves out. */
    public static final ConfigKey<String> READINESS_IGNORE = ConfigKey.text("fairway.readiness.ignore", "none",
            Pattern.compile("none|(provider|limiter-store|session-store)(\\s*,\\s*(provider|limiter-store|session-store))*"),
            "none, or a comma-separated list of provider, limiter-store, session-store",
            "Readiness checks that /ready leaves out. By default /ready says not ready while the provider has not"
                    + " answered its warm-up, the rate limiter's Redis is unreachable (the node serves from its local"
                    + " share), or the session store's Redis is; with one Redis shared by every node, an outage then"
                    + " takes every node out of its load balancer at once: list limiter-store here to keep serving"
                    + " new sessions from the local share.");

    /** Console log level. */
    public static final ConfigKey<String> LOG_LEVEL = ConfigKey.choice("fairway.log.level", "warn",
            List.of("error", "warn", "info", "debug", "trace"),
            "Level of the log lines written to standard error (java.util.logging, which also carries"
                    + " System.Logger and slf4j).");

    /** Console log line format. */
    public static final ConfigKey<String> LOG_FORMAT = ConfigKey.choice("fairway.log.format", "text",
            List.of("text", "json"),
            "Format of the log lines on standard error. text: one line of time, level, logger and message; json:"
                    + " one JSON object per line (timestamp, level, logger, message, thread, exception with its"
                    + " stack, trace_id and span_id inside a span), for log collectors.");

    /** The proxy of providers' HTTP calls. */
    public static final ConfigKey<String> HTTP_PROXY = ConfigKey.text("fairway.http.proxy", "auto",
            Pattern.compile("\\S+"), "auto, none, or an http:// proxy URL (host:port)",
            "The proxy providers connect through. auto: https_proxy / HTTPS_PROXY for https, http_proxy / HTTP_PROXY"
                    + " for http, except hosts in no_proxy / NO_PROXY (the JDK's HTTP client reads none of them);"
                    + " none: always direct; a URL: http and https through it, NO_PROXY still applies."
                    + " Loopback is never proxied; credentials in a proxy URL are never shown nor sent.");

    /** Every key, in the order of the configuration reference. */
    public static final List<ConfigKey<?>> ALL = List.of(
            PROVIDER, TRANSPORT, PLUGINS_DIR,
            LIMITER_RPM, LIMITER_TPM, LIMITER_INPUT_TPM, LIMITER_OUTPUT_TPM, LIMITER_POLICY, LIMITER_FINAL_HEADROOM,
            LIMITER_MAX_RETRY_AFTER,
            LIMITER_STORE, LIMITER_REDIS_URI, LIMITER_REDIS_LEASE, LIMITER_REDIS_TIMEOUT, LIMITER_REDIS_KEY_PREFIX,
            LIMITER_REDIS_NODE_ID, LIMITER_REDIS_FALLBACK_NODES,
            CONCURRENCY_POLICY, CONCURRENCY_MAX, CONCURRENCY_MIN,
            QUEUE_MAX_CONCURRENT, QUEUE_MIN_REQUEST_INTERVAL, QUEUE_PARTIAL_STALE_AFTER, QUEUE_MAX_QUEUED_FINALS,
            QUEUE_FINAL_MAX_ATTEMPTS, QUEUE_FINAL_RETRY_DEADLINE, QUEUE_DEDUPLICATE, QUEUE_BATCHING,
            QUEUE_BATCHING_MAX_SEGMENTS, QUEUE_BATCHING_MAX_TOKENS,
            SESSION_IDLE_TIMEOUT, SESSION_STORE, SESSION_RESUME_WINDOW, SESSION_JOURNAL_LIMIT, SESSION_DATA_DIR, SESSION_GROUP_COMMIT,
            SHUTDOWN_GRACE,
            OVERLOAD_SCHEDULING_LAG, OVERLOAD_QUEUE_WAIT, OVERLOAD_HEAP_PERCENT,
            READINESS_IGNORE,
            LOG_LEVEL, LOG_FORMAT,
            HTTP_PROXY);

    private static final Map<String, ConfigKey<?>> BY_NAME =
            ALL.stream().collect(Collectors.toUnmodifiableMap(ConfigKey::name, Function.identity()));

    private ConfigKeys() {
    }

    private static Duration longer(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    private static Duration shorter(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /**
     * The key of a name.
     *
     * @param name a full key
     * @return the key, when it is an application key
     */
    public static Optional<ConfigKey<?>> find(String name) {
        return Optional.ofNullable(BY_NAME.get(name));
    }

    /**
     * Whether a key belongs to a plugin ({@code fairway.provider.<name>.*}, {@code fairway.transport.<name>.*}
     * or a session store's {@code fairway.session.<store>.*}) and is therefore not checked against this
     * registry. The application's own {@code fairway.session.*} keys have no dot after the prefix.
     *
     * @param name a full key
     * @return true for plugin keys
     */
    public static boolean isPluginKey(String name) {
        return name.startsWith(PROVIDER_PREFIX) || name.startsWith(TRANSPORT_PREFIX)
                || (name.startsWith(SESSION_STORE_PREFIX) && find(name).isEmpty()
                        && name.indexOf('.', SESSION_STORE_PREFIX.length()) > 0);
    }

    /**
     * Every key in one Markdown table, with the rows of the configuration reference
     * ({@link ConfigurationReference}, which groups them under headings).
     *
     * @return the table, one row per key, ending with a newline
     */
    public static String markdownTable() {
        StringBuilder table = new StringBuilder(ConfigurationReference.TABLE_HEADER);
        for (ConfigKey<?> key : ALL) {
            table.append(ConfigurationReference.row(key));
        }
        return table.toString();
    }
}
