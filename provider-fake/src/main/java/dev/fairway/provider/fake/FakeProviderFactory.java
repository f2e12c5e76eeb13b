package dev.fairway.provider.fake;

import dev.fairway.api.spi.ProviderContext;
import dev.fairway.api.spi.TranslationProvider;
import dev.fairway.api.spi.TranslationProviderFactory;

/**
 * The {@link java.util.ServiceLoader} entry point of the fake provider, selected by
 * {@code fairway.provider = fake}. It reads the keys under {@code fairway.provider.fake} and measures
 * with the context's clock; the provider sleeps for real.
 */
public final class FakeProviderFactory implements TranslationProviderFactory {

    /** For {@link java.util.ServiceLoader}. */
    public FakeProviderFactory() {
    }

    @Override
    public String name() {
        return FakeProvider.NAME;
    }

    @Override
    public String description() {
        return "simulated provider: seeded latency, its own RPM/TPM limits with 429s, injectable faults, batch calls";
    }

    @Override
    public TranslationProvider create(ProviderContext context) {
        return FakeProvider.create(context.config(), context.clock());
    }
}
