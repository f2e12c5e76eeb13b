package com.example.fairway.echo;

import dev.fairway.api.FinishReason;
import dev.fairway.api.NanoClock;
import dev.fairway.api.RateLimitFeedback;
import dev.fairway.api.TokenUsage;
import dev.fairway.api.TranslationRequest;
import dev.fairway.api.TranslationResult;
import dev.fairway.api.spi.TranslationProvider;

import java.time.Duration;

/** Answers every request at once with its text after the target language: {@code [es] Hello}. */
final class EchoProvider implements TranslationProvider {

    private final NanoClock clock;

    EchoProvider(NanoClock clock) {
        this.clock = clock;
    }

    @Override
    public String name() {
        return "echo";
    }

    @Override
    public String model() {
        return "echo-1";
    }

    @Override
    public TranslationResult translate(TranslationRequest request) throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException("interrupted before the call");
        }
        long start = clock.nanoTime();
        String text = "[" + request.targetLanguage() + "] " + request.text();
        TokenUsage usage = TokenUsage.of(estimateTokens(request.kind(), request.text()), Math.max(1, text.length() / 4));
        return new TranslationResult(text, usage, Duration.ofNanos(clock.nanoTime() - start), RateLimitFeedback.NONE,
                model(), FinishReason.STOP);
    }

    @Override
    public void close() {
        // Nothing to release.
    }
}
