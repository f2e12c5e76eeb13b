/**
 * Fairway's {@code redis} session store: {@link dev.fairway.session.redis.RedisSessionStoreFactory} keeps
 * session journals in Redis (the one the shared rate limiter uses), so that any node can resume any session.
 *
 * <p>Lettuce is an automatic module ({@code lettuce.core}): it cannot declare what it needs, so this module
 * requires Netty's explicit modules and Reactor for it, as limiter-redis does.
 */
module dev.fairway.session.redis {
    requires transitive dev.fairway.api;
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

    exports dev.fairway.session.redis;

    provides dev.fairway.api.session.SessionStoreFactory with dev.fairway.session.redis.RedisSessionStoreFactory;
}
