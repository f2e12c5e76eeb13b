/**
 * The WebSocket transport: {@link dev.fairway.transport.websocket.WebSocketTransportFactory}, found by
 * {@link java.util.ServiceLoader} under the name {@code websocket}, makes a
 * {@link dev.fairway.transport.websocket.WebSocketTransport} that serves {@code ws://host:port/v1/session},
 * {@code GET /health} and {@code GET /status}.
 *
 * <p>Each connection opens one session with the scheduler on {@code start} and closes it on {@code end}
 * or disconnect. Bad input is answered with an {@code error} frame and the connection stays usable;
 * floods are rate limited per connection; a client that does not read is closed with 1008 once its
 * bounded outbound queue is full; scheduler callbacks only enqueue and never block.
 */
package dev.fairway.transport.websocket;
