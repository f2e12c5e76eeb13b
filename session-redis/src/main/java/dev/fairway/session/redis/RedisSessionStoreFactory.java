package dev.fairway.session.redis;

import dev.fairway.api.InvalidConfigurationException;
import dev.fairway.api.session.SessionStore;
import dev.fairway.api.session.SessionStoreContext;
import dev.fairway.api.session.SessionStoreFactory;
import dev.fairway.api.spi.PluginConfig;
import io.lettuce.core.RedisURI;

import java.time.Duration;

/**
 * The {@code redis} session store. Keys ({@code fairway.session.redis.*}): {@code uri} (default
 * {@value #DEFAULT_URI}), {@code key-prefix} (default {@value #DEFAULT_PREFIX}), {@code ttl} (default 1 day:
 * the safety net after which a session nobody touched or wrote disappears, longer than any resume window) and
 * {@code timeout} (default 2 s, per command). Every write is one round trip; how durable it is on the server
 * is Redis's own setting ({@code appendonly}, {@code appendfsync}), so the group-commit interval does not
 * apply.
 */
public final class RedisSessionStoreFactory implements SessionStoreFactory {

    /** The value of {@code fairway.session.store} that selects this store. */
    public static final String NAME = "redis";
    /** The default Redis. */
    public static final String DEFAULT_URI = "redis://127.0.0.1:6379";
    /** The default key prefix. */
    public static final String DEFAULT_PREFIX = "fairway:session";

    /** Creates the factory; {@link java.util.ServiceLoader} calls it. */
    public RedisSessionStoreFactory() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public SessionStore create(SessionStoreContext context) {
        PluginConfig config = context.config();
        String uri = config.string("uri", DEFAULT_URI);
        try {
            RedisURI.create(uri);
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigurationException(config.fullKey("uri"), uri, "a redis:// or rediss:// URI");
        }
        String prefix = config.string("key-prefix", DEFAULT_PREFIX);
        Duration ttl = config.duration("ttl", Duration.ofDays(1), Duration.ofMinutes(1), Duration.ofDays(365));
        Duration timeout = config.duration("timeout", Duration.ofSeconds(2), Duration.ofMillis(10),
                Duration.ofMinutes(1));
        return RedisSessionStore.open(uri, prefix, ttl, timeout);
    }
}
