package dev.fairway.session.redis;

import dev.fairway.api.session.SessionStore;
import dev.fairway.api.session.SessionStoreContext;
import dev.fairway.api.session.SessionStoreFactory;
import dev.fairway.api.spi.PluginConfig;
import dev.fairway.session.tck.SessionStoreContract;
import dev.fairway.test.support.TestRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.util.Map;
import java.util.Optional;

/**
 * The session store contract against the {@code redis} store and a real Redis, each data set under a key
 * prefix of its own; a reopen is a new client on the same prefix.
 */
class RedisSessionStoreContractTest extends SessionStoreContract {

    private static TestRedis redis;

    @BeforeAll
    static void startRedis() {
        redis = TestRedis.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @Override
    protected SessionStoreFactory factory() {
        return new RedisSessionStoreFactory();
    }

    @Override
    protected PluginConfig config(String dataSet) {
        return PluginConfig.of("fairway.session.redis", Map.of("uri", redis.uri(), "key-prefix", "contract:" + dataSet));
    }

    @Override
    protected Optional<SessionStore> reopen(SessionStoreContext context) {
        return Optional.of(factory().create(context));
    }
}
