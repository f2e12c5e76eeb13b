/**
 * Fairway's Anthropic provider: translates through Anthropic's Messages API
 * ({@code POST {base-url}/v1/messages}), selected as {@code fairway.provider = anthropic}.
 *
 * <p>It keeps what is Anthropic's own (the wire format, its headers, error types and model limits) and
 * takes the rest from {@code dev.fairway.provider.support}: the JDK's {@code java.net.http} client glue
 * (HTTP/2 over TLS, pooled kept-alive connections, cancellable exchanges), the shared settings keys,
 * prompts and failure wording, and Jackson's tree model (no package is opened for reflection). The
 * exported package holds the factory and the provider.
 */
module dev.fairway.provider.anthropic {
    requires transitive dev.fairway.api;
    requires dev.fairway.provider.support;
    requires java.net.http;
    requires com.fasterxml.jackson.databind;

    exports dev.fairway.provider.anthropic;

    provides dev.fairway.api.spi.TranslationProviderFactory
            with dev.fairway.provider.anthropic.AnthropicProviderFactory;
}
