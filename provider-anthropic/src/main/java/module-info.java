/**
 * Fairway's Anthropic provider: translates through Anthropic's Messages API
 * ({@code POST {base-url}/v1/messages}), selected as {@code fairway.provider = anthropic}.
 *
 * <p>It speaks HTTP with the JDK's {@code java.net.http} client (HTTP/2 over TLS, pooled kept-alive
 * connections, cancellable exchanges) and reads JSON with Jackson databind's tree model, so no
 * package is opened for reflection. The exported package holds the factory and the provider.
 */
module dev.fairway.provider.anthropic {
    requires transitive dev.fairway.api;
    requires java.net.http;
    requires com.fasterxml.jackson.databind;

    exports dev.fairway.provider.anthropic;

    provides dev.fairway.api.spi.TranslationProviderFactory
            with dev.fairway.provider.anthropic.AnthropicProviderFactory;
}
