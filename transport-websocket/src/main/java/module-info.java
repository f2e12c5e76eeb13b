/**
 * Fairway's WebSocket transport, selected as {@code fairway.transport = websocket}: one WebSocket
 * connection is one translation session of the {@link dev.fairway.api.TranslationScheduler}, speaking
 * a versioned JSON protocol over text frames, beside {@code GET /health} and {@code GET /status} on
 * the same server.
 *
 * <p>The server is Helidon 4 WebServer, which runs every connection on its own virtual thread; JSON is
 * read and written with Jackson databind's tree model, so no package is opened for reflection. The
 * exported package holds the factory and the transport; everything else is package-private. The
 * module's README documents the protocol, the error codes and every configuration key.
 */
module dev.fairway.transport.websocket {
    requires transitive dev.fairway.api;
    requires io.helidon.webserver;
    requires io.helidon.webserver.websocket;
    requires io.helidon.websocket;
    requires io.helidon.http;
    requires io.helidon.common.buffers;
    requires com.fasterxml.jackson.databind;

    exports dev.fairway.transport.websocket;

    provides dev.fairway.api.spi.TransportFactory
            with dev.fairway.transport.websocket.WebSocketTransportFactory;
}
