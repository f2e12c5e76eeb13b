package dev.fairway.provider.fake;

import dev.fairway.api.PermanentProviderException;
import dev.fairway.api.spi.PluginConfig;
import dev.fairway.api.spi.ProviderContext;
import dev.fairway.api.spi.TranslationProvider;
import dev.fairway.api.spi.TranslationProviderFactory;
import dev.fairway.provider.tck.HoldGate;
import dev.fairway.provider.tck.ProviderScript;
import dev.fairway.provider.tck.TranslationProviderContract;

import java.time.Duration;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The fake provider against the provider contract kit. The fake has no server to script: each
 * scenario is its own fault injection set to a probability of 1 in the configuration the kit hands
 * to the provider, and a slow answer is its simulated latency spent in a {@link Sleeper} this script
 * holds until released.
 */
class FakeProviderContractTest extends TranslationProviderContract {

    @Override
    protected TranslationProviderFactory factory() {
        return new FakeProviderFactory();
    }

    @Override
    protected ProviderScript script() {
        return new FakeScript();
    }

    /** Scripts the fake through its configuration and its sleeper. */
    static final class FakeScript implements ProviderScript {

        /** Keys of the current scenario, on top of {@link #BASE}. */
        private final Map<String, String> scenario = new HashMap<>();
        /**
         * Every call has 1 s of simulated latency, which the sleeper skips unless the script hangs:
         * so a call can be held, and otherwise answers at once.
         */
        private static final Map<String, String> BASE = Map.of("latency.base", "1s", "latency.per-token", "0",
                "latency.jitter", "0");
        private final HoldGate gate = new HoldGate();

        @Override
        public PluginConfig config(String credential) {
            // The fake takes no credential: the kit's no-credential-leak rule holds trivially.
            Map<String, String> keys = new HashMap<>(BASE);
            keys.putAll(scenario);
            return PluginConfig.of("fairway.provider.fake", keys);
        }

        @Override
        public TranslationProvider create(TranslationProviderFactory factory, ProviderContext context) {
            // As FakeProviderFactory does, plus a sleeper this script controls.
            return FakeProvider.builder().clock(context.clock()).sleeper(this::sleep).config(context.config()).build();
        }

        private void sleep(long nanos) throws InterruptedException {
            gate.arrive();
        }

        @Override
        public void answerNormally() {
            scenario.clear();
        }

        @Override
        public void rateLimit(Duration retryAfter) {
            scenario.clear();
            scenario.put("fault.rate-429", "1");
            scenario.put("fault.retry-after", PluginConfig.DurationText.format(retryAfter));
        }

        @Override
        public void failTransiently() {
            scenario.clear();
            scenario.put("fault.rate-5xx", "1");
        }

        @Override
        public void failPermanently(PermanentProviderException.Kind kind) {
            // A token limit no request fits: "request too large", BAD_REQUEST.
            scenario.clear();
            scenario.put("tpm", "1");
        }

        @Override
        public Set<PermanentProviderException.Kind> permanentKinds() {
            return EnumSet.of(PermanentProviderException.Kind.BAD_REQUEST);
        }

        @Override
        public void hang() {
            scenario.clear();
            gate.hold();
        }

        @Override
        public boolean awaitHeld(int requests, Duration timeout) throws InterruptedException {
            return gate.awaitHeld(requests, timeout);
        }

        @Override
        public void release() {
            gate.release();
        }
    }
}
