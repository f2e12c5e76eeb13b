package dev.fairway.provider.anthropic;

import dev.fairway.api.PermanentProviderException;
import dev.fairway.api.spi.PluginConfig;
import dev.fairway.api.spi.TranslationProviderFactory;
import dev.fairway.provider.tck.BatchAnswers;
import dev.fairway.provider.tck.LoopbackProviderScript;
import dev.fairway.provider.tck.LoopbackServer.Reply;
import dev.fairway.provider.tck.LoopbackServer.Request;
import dev.fairway.provider.tck.ProviderScript;
import dev.fairway.provider.tck.TranslationProviderContract;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The Anthropic provider against the provider contract kit: a loopback server answers as the
 * Messages API does in each scenario, batch calls included (a forced tool call, not streamed). The worked example
 * of the kit's README.
 */
class AnthropicProviderContractTest extends TranslationProviderContract {

    @Override
    protected TranslationProviderFactory factory() {
        return new AnthropicProviderFactory();
    }

    @Override
    protected ProviderScript script() {
        return new AnthropicScript();
    }

    /** The Messages API's answers, scenario by scenario. */
    static final class AnthropicScript extends LoopbackProviderScript {

        @Override
        public PluginConfig config(String credential) {
            return PluginConfig.of("fairway.provider.anthropic", Map.of("base-url", uri().toString(), "api-key", credential));
        }

        @Override
        protected Reply normal(Request request) {
            return AnthropicAnswers.echo(request);
        }

        @Override
        protected boolean answersBatches() {
            return true;
        }

        @Override
        protected Optional<List<BatchAnswers.Part>> batchSegments(Request request) {
            return AnthropicAnswers.batchSegments(request);
        }

        @Override
        protected Reply batchReply(Request request, BatchAnswers.Answer answer) {
            return AnthropicAnswers.batchReply(answer);
        }

        @Override
        protected Reply rateLimited(Request request, Duration retryAfter) {
            return Reply.json(429, AnthropicAnswers.error("rate_limit_error",
                            "Number of request tokens has exceeded your per-minute rate limit"))
                    .withHeader("retry-after", Long.toString(retryAfter.toSeconds()))
                    .withHeader("anthropic-ratelimit-requests-remaining", "0");
        }

        @Override
        protected Reply transientFailure(Request request) {
            return Reply.json(529, AnthropicAnswers.error("overloaded_error", "Overloaded"));
        }

        @Override
        protected Reply permanentFailure(Request request, PermanentProviderException.Kind kind) {
            return switch (kind) {
                // Quotes the key it was sent, in full: the provider must keep it out of its message.
                case AUTHENTICATION -> Reply.json(401, AnthropicAnswers.error("authentication_error",
                        "invalid x-api-key: " + request.header("x-api-key").orElse("(none)")));
                case QUOTA_EXHAUSTED -> Reply.json(400, AnthropicAnswers.error("invalid_request_error",
                        "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing"
                                + " to upgrade or purchase credits."));
                default -> Reply.json(400, AnthropicAnswers.error("invalid_request_error", "max_tokens: Field required"));
            };
        }

        @Override
        public Set<PermanentProviderException.Kind> permanentKinds() {
            return EnumSet.of(PermanentProviderException.Kind.BAD_REQUEST, PermanentProviderException.Kind.AUTHENTICATION,
                    PermanentProviderException.Kind.QUOTA_EXHAUSTED);
        }
    }
}
