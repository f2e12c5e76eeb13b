/**
 * Fairway's rate limiter for several nodes: {@link dev.fairway.limiter.redis.RedisRateLimiter} keeps the
 * global sliding windows of requests and tokens and the registry of active sessions in Redis, so that
 * the provider's limits hold across every node and fair share counts every node's sessions. Each
 * admission (or lease of a small batch of permits) is decided atomically on the server by one Lua
 * script. When Redis is unreachable, slow or restarted, the node serves from an in-process
 * {@link dev.fairway.core.limiter.FairShareRateLimiter} with a conservative share and goes back to
 * Redis when it answers again. It is the {@code redis} store of
 * {@link dev.fairway.api.limit.RateLimiterStoreFactory}.
 *
 * <p>Lettuce is an automatic module ({@code lettuce.core}): it cannot declare what it needs, so this
 * module requires Netty's explicit modules and Reactor for it, which puts them in the module graph of
 * an application launched with {@code -m} (without them Lettuce fails with
 * {@code NoClassDefFoundError: io/netty/util/Timer}).
 */
module dev.fairway.limiter.redis {
    requires transitive dev.fairway.api;
    requires transitive dev.fairway.core.limiter;
    requires lettuce.core;
    // Lettuce's own dependencies, which an automatic module cannot require itself.
    requires io.netty.common;
    requires io.netty.buffer;
    requires io.netty.transport;
    requires io.netty.handler;
    requires io.netty.codec;
    requires io.netty.resolver;
    requires io.netty.resolver.dns;
    requires reactor.core;
    requires org.reactivestreams;
    requires io.opentelemetry.api;

    exports dev.fairway.limiter.redis;

    provides dev.fairway.api.limit.RateLimiterStoreFactory with dev.fairway.limiter.redis.RedisRateLimiterStoreFactory;
}
