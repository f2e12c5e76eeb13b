/**
 * Fairway's OpenAI provider: translates through the Chat Completions API of OpenAI or of any
 * OpenAI-compatible server (Azure OpenAI, vLLM, Ollama), selected as {@code fairway.provider = openai}.
 *
 * <p>It speaks HTTP with the JDK's {@code java.net.http} client (HTTP/2 where the server offers it,
 * pooled kept-alive connections) and reads JSON with Jackson databind's tree model, so no package is
 * opened for reflection. The exported package holds the factory and the provider, whose
 * {@code translate(request, onText)} streams a translation as it grows.
 */
module dev.fairway.provider.openai {
    requires transitive dev.fairway.api;
    requires java.net.http;
    requires com.fasterxml.jackson.databind;

    exports dev.fairway.provider.openai;

    provides dev.fairway.api.spi.TranslationProviderFactory
            with dev.fairway.provider.openai.OpenAiProviderFactory;
}
