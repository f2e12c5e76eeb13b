package com.example.fairway.echo;

import dev.fairway.api.PermanentProviderException;
import dev.fairway.api.spi.PluginConfig;
import dev.fairway.api.spi.TranslationProviderFactory;
import dev.fairway.provider.tck.ProviderScript;
import dev.fairway.provider.tck.TranslationProviderContract;
import org.junit.jupiter.api.Assumptions;

import java.time.Duration;
import java.util.Map;

/**
 * The echo provider against Fairway's provider contract kit. An echo has no server to script: it answers
 * every call at once, so the script can only answer normally; the scenarios it cannot produce (a rate limit,
 * failures, a call held by a hanging server) are aborted, and the kit reports the rules that need them as
 * skipped. A provider that calls a real API scripts its server instead (provider-tck/README.md).
 */
class EchoProviderContractTest extends TranslationProviderContract {

    @Override
    protected TranslationProviderFactory factory() {
        return new EchoProviderFactory();
    }

    @Override
    protected ProviderScript script() {
        return new EchoScript();
    }

    /** Answers normally; aborts everything else. */
    static final class EchoScript implements ProviderScript {

        @Override
        public PluginConfig config(String credential) {
            // The echo reads no key and takes no credential: no-credential-leak holds trivially.
            return PluginConfig.of("fairway.provider.echo", Map.of());
        }

        @Override
        public void answerNormally() {
            // It always does.
        }

        @Override
        public boolean reportsRateLimits() {
            return false;
        }

        @Override
        public void rateLimit(Duration retryAfter) {
            Assumptions.abort("an echo is never rate limited");
        }

        @Override
        public void failTransiently() {
            Assumptions.abort("an echo never fails");
        }

        @Override
        public void failPermanently(PermanentProviderException.Kind kind) {
            Assumptions.abort("an echo never fails");
        }

        @Override
        public void hang() {
            Assumptions.abort("an echo answers at once: there is no call to hold");
        }

        @Override
        public boolean awaitHeld(int requests, Duration timeout) {
            return false;
        }

        @Override
        public void release() {
            // Nothing is held.
        }
    }
}
