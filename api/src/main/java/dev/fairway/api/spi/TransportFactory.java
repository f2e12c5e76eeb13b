package dev.fairway.api.spi;

/**
 * The entry point of a transport plugin (for example the WebSocket endpoint), found with
 * {@link java.util.ServiceLoader}.
 */
public interface TransportFactory {

    /**
     * The name the configuration selects this transport by.
     *
     * @return for example {@code websocket}
     */
    String name();

    /**
     * A one-line description for {@code fairway providers}.
     *
     * @return the description
     */
    default String description() {
        return name();
    }

    /**
     * Builds a transport; it does not listen until {@link Transport#start()}.
     *
     * @param context configuration, scheduler and telemetry
     * @return the transport
     * @throws dev.fairway.api.InvalidConfigurationException when a key is bad
     */
    Transport create(TransportContext context);
}
