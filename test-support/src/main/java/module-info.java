/**
 * Helpers that Fairway's tests share: {@link dev.fairway.test.support.ManualClock}, a clock that moves
 * only when told to (or by a fixed step at every reading), {@link dev.fairway.test.support.WsClient},
 * a WebSocket client that speaks through the JDK's client or, for tests of the strict protocol, through a
 * plain socket that can send any frame, and {@link dev.fairway.test.support.TestRedis}, a real redis-server
 * on a free loopback port.
 *
 * <p>A test-scope library: modules depend on it with {@code <scope>test</scope>}, and no main code may use
 * it (an ArchUnit rule in the app holds that). Its expectations fail with {@link AssertionError}, which
 * every test framework reports as a failure, so it needs no test framework itself.
 */
module dev.fairway.test.support {
    requires transitive dev.fairway.api;
    requires transitive java.net.http;
    requires transitive com.fasterxml.jackson.databind;
    // TestRedis only, and optional: the modules whose tests start a Redis bring Lettuce and embedded-redis.
    requires static lettuce.core;
    requires static embedded.redis;

    exports dev.fairway.test.support;
}
