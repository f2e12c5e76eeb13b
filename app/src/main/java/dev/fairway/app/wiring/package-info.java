/**
 * Wiring of the application's singletons with Micronaut Inject: the {@code @Factory} classes that
 * build the configuration, the OpenTelemetry SDK and the selected translation provider, the
 * {@link java.util.ServiceLoader} discovery of plugins ({@link dev.fairway.app.wiring.Plugins}) and the
 * bean context's life cycle ({@link dev.fairway.app.wiring.Wiring}).
 *
 * <p>This package is exported because Micronaut instantiates the bean definitions that its
 * annotation processor generates here; beans in an unexported package are silently not found.
 */
package dev.fairway.app.wiring;
