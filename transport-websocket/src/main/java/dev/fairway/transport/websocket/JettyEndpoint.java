package dev.fairway.transport.websocket;

import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * Not for use: the object Jetty calls for one WebSocket connection, forwarding each event to the
 * connection's package-private state. It is public only because Jetty finds a listener's methods with
 * {@code MethodHandles.publicLookup()}, which reaches public classes of unconditionally exported packages
 * only (opening the package is not enough); it cannot be constructed outside this module.
 */
public final class JettyEndpoint implements Session.Listener.AutoDemanding {

    private final Connection connection;

    JettyEndpoint(Connection connection) {
        this.connection = Objects.requireNonNull(connection, "connection");
    }

    @Override
    public void onWebSocketOpen(Session session) {
        connection.onWebSocketOpen(session);
    }

    @Override
    public void onWebSocketPartialText(String text, boolean last) {
        connection.onWebSocketPartialText(text, last);
    }

    @Override
    public void onWebSocketPartialBinary(ByteBuffer payload, boolean last, Callback callback) {
        connection.onWebSocketPartialBinary(payload, last, callback);
    }

    @Override
    public void onWebSocketPing(ByteBuffer payload) {
        connection.onWebSocketPing(payload);
    }

    @Override
    public void onWebSocketClose(int status, String reason, Callback callback) {
        try {
            connection.onWebSocketClose(status, reason);
        } finally {
            callback.succeed();
        }
    }

    @Override
    public void onWebSocketError(Throwable cause) {
        connection.onWebSocketError(cause);
    }
}
