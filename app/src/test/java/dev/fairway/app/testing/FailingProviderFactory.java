package dev.fairway.app.testing;

import dev.fairway.api.RateLimitFeedback;
import dev.fairway.api.RateLimitedException;
import dev.fairway.api.TranslationRequest;
import dev.fairway.api.TranslationResult;
import dev.fairway.api.spi.ProviderContext;
import dev.fairway.api.spi.TranslationProvider;
import dev.fairway.api.spi.TranslationProviderFactory;

import java.time.Duration;

/** A provider named {@code limited} whose every call is refused with a 429 asking to wait 2 s. */
public final class FailingProviderFactory implements TranslationProviderFactory {

    @Override
    public String name() {
        return "limited";
    }

    @Override
    public TranslationProvider create(ProviderContext context) {
        return new TranslationProvider() {
            @Override
            public String name() {
                return "limited";
            }

            @Override
            public String model() {
                return "limited-1";
            }

            @Override
            public TranslationResult translate(TranslationRequest request) {
                throw new RateLimitedException("Rate limit reached for requests",
                        RateLimitFeedback.builder().retryAfter(Duration.ofSeconds(2)).build());
            }

            @Override
            public void close() {
            }
        };
    }
}
