package dev.fairway.transport.websocket;

import dev.fairway.api.spi.Transport;
import dev.fairway.api.spi.TransportContext;
import dev.fairway.api.spi.TransportFactory;

import java.util.Objects;

/**
 * The {@code websocket} transport plugin: a {@link WebSocketTransport} on Jetty 12 (core WebSocket). Found by
 * {@link java.util.ServiceLoader}; cheap to construct, the work happens in {@link #create}.
 */
public final class WebSocketTransportFactory implements TransportFactory {

    /** The name that selects this transport: {@code fairway.transport = websocket}. */
    public static final String NAME = "websocket";

    /** The factory {@link java.util.ServiceLoader} makes. */
    public WebSocketTransportFactory() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "WebSocket sessions (JSON protocol v1) with GET /health and GET /status, on Jetty 12";
    }

    /**
     * Builds a {@link WebSocketTransport}; it does not listen until {@link Transport#start()}.
     *
     * @param context the keys under {@code fairway.transport.websocket}, the scheduler and the status supplier
     * @return the transport
     * @throws dev.fairway.api.InvalidConfigurationException when a key is bad
     */
    @Override
    public Transport create(TransportContext context) {
        Objects.requireNonNull(context, "context");
        return WebSocketTransport.create(context);
    }

    @Override
    public String toString() {
        return "WebSocketTransportFactory[websocket]";
    }
}
