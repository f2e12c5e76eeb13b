/**
 * Fairway's API: the types the rest of Fairway speaks in, the scheduler facade a transport uses, and
 * the service-provider interfaces ({@link dev.fairway.api.spi}) that providers and transports implement.
 *
 * <p>This module knows nothing of implementations. It depends on the JDK and the OpenTelemetry API
 * only; the OpenTelemetry API is transitive because {@link dev.fairway.api.spi.ProviderContext} and
 * {@link dev.fairway.api.spi.TransportContext} hand an {@code OpenTelemetry} instance to plugins.
 * It looks up no service itself: the application, which loads the plugins, declares the {@code uses}.
 * What HTTP providers share (prompts, token budgets, settings, HTTP glue) is in
 * {@code dev.fairway.provider.support}, not here.
 */
module dev.fairway.api {
    requires transitive io.opentelemetry.api;

    exports dev.fairway.api;
    exports dev.fairway.api.spi;
    exports dev.fairway.api.limit;
    exports dev.fairway.api.session;
}
