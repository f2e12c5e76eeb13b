/**
 * The WebSocket transport: {@link dev.fairway.transport.websocket.WebSocketTransportFactory}, found by
 * {@link java.util.ServiceLoader} under the name {@code websocket}, makes a
 * {@link dev.fairway.transport.websocket.WebSocketTransport} that serves {@code ws://host:port/v1/session},
 * {@code GET /health} and {@code GET /status}.
 *
 * <p>Each connection opens one session with the scheduler on {@code start} and closes it on {@code end}
 * or disconnect. Bad input is answered with an {@code error} frame and the connection stays usable;
 * broken WebSocket framing closes with 1002 and invalid UTF-8 with 1007 (Jetty's frame layer); floods are
 * rate limited per connection; a client that does not read is closed with 1008 once its outbound queue is
 * full in frames or bytes, and any client with 1013 when all clients together hold the shared byte budget;
 * scheduler callbacks only enqueue and never block. Every accepted final is answered exactly once, with
 * {@code failed} (reason {@code shutdown}) when the shutdown grace runs out first.
 *
 * <p>{@link dev.fairway.transport.websocket.JettyEndpoint} is public only for Jetty's method lookup; it is not
 * API.
 */
package dev.fairway.transport.websocket;
