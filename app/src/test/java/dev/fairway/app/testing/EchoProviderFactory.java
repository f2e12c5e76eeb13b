package dev.fairway.app.testing;

import dev.fairway.api.FinishReason;
import dev.fairway.api.RateLimitFeedback;
import dev.fairway.api.TokenUsage;
import dev.fairway.api.TranslationRequest;
import dev.fairway.api.TranslationResult;
import dev.fairway.api.spi.PluginConfig;
import dev.fairway.api.spi.ProviderContext;
import dev.fairway.api.spi.TranslationProvider;
import dev.fairway.api.spi.TranslationProviderFactory;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/** A provider named {@code echo} that answers {@code [to] text} at once and remembers what it built. */
public final class EchoProviderFactory implements TranslationProviderFactory {

    /** The providers built so far. */
    public final List<Echo> created = new CopyOnWriteArrayList<>();
    /** The contexts they were built with. */
    public final List<ProviderContext> contexts = new CopyOnWriteArrayList<>();

    @Override
    public String name() {
        return "echo";
    }

    @Override
    public String description() {
        return "answers with the text it got";
    }

    @Override
    public TranslationProvider create(ProviderContext context) {
        Echo echo = new Echo(context.config());
        contexts.add(context);
        created.add(echo);
        return echo;
    }

    /** The provider. */
    public static final class Echo implements TranslationProvider {
        /** The configuration view it was built with. */
        public final PluginConfig config;
        /** Whether it was closed. */
        public final AtomicBoolean closed = new AtomicBoolean();

        Echo(PluginConfig config) {
            this.config = config;
        }

        @Override
        public String name() {
            return "echo";
        }

        @Override
        public String model() {
            return config.string("model", "echo-1");
        }

        @Override
        public TranslationResult translate(TranslationRequest request) {
            return new TranslationResult("[" + request.targetLanguage() + "] " + request.text(), TokenUsage.of(30, 7),
                    Duration.ofMillis(120),
                    RateLimitFeedback.builder().requestLimit(5000).requestsRemaining(4999)
                            .requestsReset(Duration.ofMillis(12)).tokenLimit(2_000_000).tokensRemaining(1_999_963)
                            .build(),
                    model(), FinishReason.STOP);
        }

        @Override
        public void close() {
            closed.set(true);
        }
    }
}
