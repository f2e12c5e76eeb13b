/**
 * Fairway's provider contract test kit: a JUnit 5 abstract test class,
 * {@link dev.fairway.provider.tck.TranslationProviderContract}, that checks a
 * {@link dev.fairway.api.spi.TranslationProvider} against the rules every provider must keep
 * (results, rate limits, failures, interruption, concurrency, credentials, discovery, batch calls), driven by a
 * {@link dev.fairway.provider.tck.ProviderScript} the provider's author writes; and a loopback HTTP
 * server ({@link dev.fairway.provider.tck.LoopbackServer}) to script an HTTP API with.
 *
 * <p>It is a test library: provider modules depend on it in test scope. It reads
 * {@code java.logging} to capture what a provider logs through {@link System.Logger}, and uses
 * {@code jdk.httpserver} for the loopback server (not exposed in its API).
 */
module dev.fairway.provider.tck {
    requires transitive dev.fairway.api;
    requires org.junit.jupiter.api;
    requires dev.fairway.test.support;
    requires java.logging;
    requires jdk.httpserver;

    exports dev.fairway.provider.tck;

    // The 'service-loader' rule looks the provider up as the application does.
    uses dev.fairway.api.spi.TranslationProviderFactory;
}
