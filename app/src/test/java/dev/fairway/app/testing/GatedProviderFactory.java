package dev.fairway.app.testing;

import dev.fairway.api.FinishReason;
import dev.fairway.api.RateLimitFeedback;
import dev.fairway.api.TokenUsage;
import dev.fairway.api.TranslationRequest;
import dev.fairway.api.TranslationResult;
import dev.fairway.api.spi.ProviderContext;
import dev.fairway.api.spi.TranslationProvider;
import dev.fairway.api.spi.TranslationProviderFactory;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * A provider named {@code gated} whose calls block until the test opens the gate, and which says when
 * a call has started: lets a test hold a final in flight while something else happens.
 */
public final class GatedProviderFactory implements TranslationProviderFactory {

    /** Counted down when the first call reaches the provider. */
    public final CountDownLatch entered = new CountDownLatch(1);
    /** Calls wait for this. */
    public final CountDownLatch gate = new CountDownLatch(1);

    @Override
    public String name() {
        return "gated";
    }

    @Override
    public TranslationProvider create(ProviderContext context) {
        return new TranslationProvider() {
            @Override
            public String name() {
                return "gated";
            }

            @Override
            public String model() {
                return "gated-1";
            }

            @Override
            public TranslationResult translate(TranslationRequest request) throws InterruptedException {
                entered.countDown();
                gate.await();
                return new TranslationResult("[" + request.targetLanguage() + "] " + request.text(),
                        TokenUsage.of(10, 5), Duration.ofMillis(1), RateLimitFeedback.NONE, "gated-1",
                        FinishReason.STOP);
            }

            @Override
            public void close() {
            }
        };
    }
}
