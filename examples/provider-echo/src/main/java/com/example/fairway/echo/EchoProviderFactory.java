package com.example.fairway.echo;

import dev.fairway.api.spi.ProviderContext;
import dev.fairway.api.spi.TranslationProvider;
import dev.fairway.api.spi.TranslationProviderFactory;

/** {@code fairway.provider = echo}: makes {@link EchoProvider}s. ServiceLoader needs it public, cheap, no I/O. */
public final class EchoProviderFactory implements TranslationProviderFactory {

    @Override
    public String name() {
        return "echo";
    }

    @Override
    public String description() {
        return "answers with the text it got, after the target language: [es] Hello (an example plugin)";
    }

    @Override
    public TranslationProvider create(ProviderContext context) {
        return new EchoProvider(context.clock());
    }
}
