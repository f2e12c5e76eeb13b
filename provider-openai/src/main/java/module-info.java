/**
 * Fairway's OpenAI provider: translates through the Chat Completions API of OpenAI or of any
 * OpenAI-compatible server (Azure OpenAI, vLLM, Ollama), selected as {@code fairway.provider = openai}.
 *
 * <p>It keeps what is OpenAI's own (the wire format, its headers and error codes, streaming, warm-up)
 * and takes the rest from {@code dev.fairway.provider.support}: the JDK's {@code java.net.http} client
 * glue (HTTP/2 where the server offers it, pooled kept-alive connections), the shared settings keys,
 * prompts and failure wording, and Jackson's tree model (no package is opened for reflection). The
 * exported package holds the factory and the provider, whose {@code translate(request, onText)}
 * streams a translation as it grows.
 */
module dev.fairway.provider.openai {
    requires transitive dev.fairway.api;
    requires dev.fairway.provider.support;
    requires java.net.http;
    requires com.fasterxml.jackson.databind;

    exports dev.fairway.provider.openai;

    provides dev.fairway.api.spi.TranslationProviderFactory
            with dev.fairway.provider.openai.OpenAiProviderFactory;
}
