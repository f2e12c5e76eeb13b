/**
 * A simulated translation provider, good enough to benchmark Fairway against: a seeded latency
 * model, server-side RPM and TPM limits that answer 429 with OpenAI-style rate-limit feedback,
 * injectable faults (429, 5xx, timeouts, malformed answers), deterministic pseudo-translations,
 * realistic token usage and batch calls streamed back part by part, with injectable mis-numbered or
 * missing parts.
 *
 * <p>Found by {@link java.util.ServiceLoader} under the name {@code fake}; tests and benchmarks build
 * one directly with {@link dev.fairway.provider.fake.FakeProvider#builder()}. Depends on the API only.
 */
module dev.fairway.provider.fake {
    requires transitive dev.fairway.api;

    exports dev.fairway.provider.fake;

    provides dev.fairway.api.spi.TranslationProviderFactory
            with dev.fairway.provider.fake.FakeProviderFactory;
}
