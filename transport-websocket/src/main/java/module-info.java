/**
 * Fairway's WebSocket transport, selected as {@code fairway.transport = websocket}: one WebSocket
 * connection is one translation session of the {@link dev.fairway.api.TranslationScheduler}, speaking
 * a versioned JSON protocol over text frames, beside {@code GET /health} and {@code GET /status} on
 * the same server.
 *
 * <p>The server is Jetty 12's core server and core WebSocket (no servlets): its frame layer enforces
 * RFC 6455 (invalid UTF-8 closes with 1007, framing violations with 1002), and blocking work runs on
 * virtual threads. JSON is read and written with Jackson databind's tree model, so no package is opened
 * for Jackson. The exported package holds the factory and the transport; everything else is
 * package-private. The module's README documents the protocol, the error codes and every configuration key.
 */
module dev.fairway.transport.websocket {
    requires transitive dev.fairway.api;
    requires org.eclipse.jetty.server;
    requires org.eclipse.jetty.http;
    requires org.eclipse.jetty.util;
    requires org.eclipse.jetty.websocket.api;
    requires org.eclipse.jetty.websocket.server;
    requires com.fasterxml.jackson.databind;
    // Trace context made current around open and submit; the API jar brings it (an automatic module, so named here).
    requires io.opentelemetry.context;

    exports dev.fairway.transport.websocket;
    // (Jetty calls JettyEndpoint through MethodHandles.publicLookup(): the class is public and this package
    // exported to everyone; opening the package to Jetty would not be enough.)

    provides dev.fairway.api.spi.TransportFactory
            with dev.fairway.transport.websocket.WebSocketTransportFactory;
}
