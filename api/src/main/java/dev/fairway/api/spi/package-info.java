/**
 * Service-provider interfaces. A translation provider implements
 * {@link dev.fairway.api.spi.TranslationProviderFactory}; a transport implements
 * {@link dev.fairway.api.spi.TransportFactory}. Both are found with {@link java.util.ServiceLoader}:
 * declare {@code provides dev.fairway.api.spi.TranslationProviderFactory with ...} in the plugin's
 * {@code module-info.java} and list the class in
 * {@code META-INF/services/dev.fairway.api.spi.TranslationProviderFactory} for the class path.
 *
 * <p>Plugins see their configuration through {@link dev.fairway.api.spi.PluginConfig}, a narrow
 * read-only view of their own keys.
 */
package dev.fairway.api.spi;
