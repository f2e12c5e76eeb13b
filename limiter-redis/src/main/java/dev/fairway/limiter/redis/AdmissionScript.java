package dev.fairway.limiter.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The Lua script ({@code limiter.lua}) and the connection it runs on: loaded once with
 * {@code SCRIPT LOAD}, called with {@code EVALSHA} on the five keys of the prefix, and loaded again
 * when Redis answers {@code NOSCRIPT} (a restart or {@code SCRIPT FLUSH} emptied its cache). No call
 * blocks longer than it is told to; nothing here takes the limiter's lock. Thread-safe.
 */
final class AdmissionScript {

    private static final System.Logger LOG = System.getLogger(AdmissionScript.class.getName());

    private final String script = loadScript();
    private final String[] keys;
    private final RedisClient client;
    private final RedisURI uri;
    private final boolean ownsClient;
    private final ClientResources ownedResources;
    private final LimiterMetrics metrics;
    private volatile StatefulRedisConnection<String, String> connection;
    private volatile String sha;

    /**
     * @param client a client the caller owns, or {@code null} to create one (and shut it down on close)
     */
    AdmissionScript(RedisClient client, String uri, String keyPrefix, Duration commandTimeout,
            Duration connectTimeout, LimiterMetrics metrics) {
        String tag = "{" + keyPrefix + "}";
        this.keys = new String[] {tag + ":window", tag + ":sessions", tag + ":weights", tag + ":nodes", tag + ":seen"};
        this.metrics = metrics;
        if (client != null) {
            this.client = client;
            this.ownsClient = false;
            this.ownedResources = null;
        } else {
            this.ownedResources = DefaultClientResources.builder()
                    .ioThreadPoolSize(2)
                    .computationThreadPoolSize(2)
                    .reconnectDelay(Delay.exponential(Duration.ofMillis(20), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS))
                    .build();
            this.client = RedisClient.create(ownedResources);
            this.ownsClient = true;
        }
        this.client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(commandTimeout))
                .socketOptions(SocketOptions.builder().connectTimeout(connectTimeout).build())
                .build());
        this.uri = RedisURI.create(uri);
        this.uri.setTimeout(commandTimeout);
    }

    /** Redis's address, for the log. */
    String where() {
        return uri.getHost() + ":" + uri.getPort();
    }

    boolean connected() {
        return connection != null;
    }

    /** Connects and loads the script, waiting; throws when Redis cannot be reached. */
    void connect() {
        StatefulRedisConnection<String, String> c = client.connect(StringCodec.UTF8, uri);
        connection = c;
        sha = c.sync().scriptLoad(script);
    }

    /**
     * Connects if not connected and loads the script, without waiting.
     *
     * @return completes when the script is loaded, or fails after {@code timeoutMs}
     */
    CompletableFuture<String> probe(long timeoutMs) {
        CompletableFuture<String> probe;
        StatefulRedisConnection<String, String> c = connection;
        if (c == null) {
            probe = client.connectAsync(StringCodec.UTF8, uri).toCompletableFuture().thenCompose(conn -> {
                connection = conn;
                return conn.async().scriptLoad(script).toCompletableFuture();
            });
        } else {
            probe = c.async().scriptLoad(script).toCompletableFuture();
        }
        return probe.orTimeout(timeoutMs, TimeUnit.MILLISECONDS).thenApply(loaded -> {
            sha = loaded;
            return loaded;
        });
    }

    /** Sends one call without waiting: the script by its SHA, loaded again once on {@code NOSCRIPT}. */
    CompletableFuture<ScriptReply> send(ScriptCall call) {
        StatefulRedisConnection<String, String> c = connection;
        if (c == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("not connected"));
        }
        metrics.called();
        try {
            String known = sha;
            CompletableFuture<String> loaded = known != null ? CompletableFuture.completedFuture(known) : load(c);
            return loaded.thenCompose(s -> eval(c, s, call)).exceptionallyCompose(e -> {
                Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                if (!(cause instanceof RedisNoScriptException)) {
                    return CompletableFuture.failedFuture(cause);
                }
                LOG.log(System.Logger.Level.INFO, "Redis lost the limiter script (NOSCRIPT); loading it again");
                return load(c).thenCompose(s -> eval(c, s, call));
            }).thenApply(ScriptReply::decode);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Sends one call and waits at most {@code nanos}. Returns {@code null} when Redis failed or was
     * slow, or the thread was interrupted (then the call says so and the thread keeps its interrupt).
     */
    ScriptReply await(ScriptCall call, long nanos) {
        if (nanos <= 0) {
            return null;
        }
        CompletableFuture<ScriptReply> future = send(call);
        try {
            return future.get(nanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            call.interrupted = true;
            future.cancel(true);
            return null;
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            future.cancel(true);
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            LOG.log(System.Logger.Level.DEBUG, "Redis call failed: " + cause);
            return null;
        }
    }

    /** Closes the connection, and the client when this script created it. */
    void close() {
        StatefulRedisConnection<String, String> c = connection;
        try {
            if (c != null) {
                c.close();
            }
            if (ownsClient) {
                client.shutdown(0, 2, TimeUnit.SECONDS);
                ownedResources.shutdown(0, 2, TimeUnit.SECONDS);
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "closing the Redis client failed", e);
        }
    }

    private CompletableFuture<String> load(StatefulRedisConnection<String, String> c) {
        return c.async().scriptLoad(script).toCompletableFuture().thenApply(s -> {
            sha = s;
            return s;
        });
    }

    private CompletableFuture<List<Object>> eval(StatefulRedisConnection<String, String> c, String s, ScriptCall call) {
        return c.async().<List<Object>>evalsha(s, ScriptOutputType.MULTI, keys, call.args()).toCompletableFuture();
    }

    private static String loadScript() {
        try (InputStream in = AdmissionScript.class.getResourceAsStream("limiter.lua")) {
            if (in == null) {
                throw new IllegalStateException("limiter.lua is missing from the module");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
