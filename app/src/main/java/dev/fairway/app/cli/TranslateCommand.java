package dev.fairway.app.cli;

import dev.fairway.api.PermanentProviderException;
import dev.fairway.api.ProviderException;
import dev.fairway.api.RateLimitFeedback;
import dev.fairway.api.RateLimitedException;
import dev.fairway.api.SegmentKind;
import dev.fairway.api.SessionId;
import dev.fairway.api.TranslationRequest;
import dev.fairway.api.TranslationResult;
import dev.fairway.api.spi.PluginConfig.DurationText;
import dev.fairway.api.spi.TranslationProvider;
import dev.fairway.app.config.ConfigKeys;
import dev.fairway.app.wiring.AppVersion;
import dev.fairway.app.wiring.Wiring;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;

/** {@code fairway translate}: one request straight to the configured provider, and what it reported. */
@Command(name = "translate",
        description = "Translate one text through the configured provider (no scheduler) and print the "
                + "translation with the provider's latency, token usage, model, finish reason and rate-limit "
                + "feedback.")
final class TranslateCommand implements Callable<Integer> {

    @ParentCommand
    private FairwayCommand parent;

    @Option(names = "--provider", paramLabel = "NAME",
            description = "Use this provider instead of fairway.provider.")
    private String provider;

    @Option(names = "--from", paramLabel = "LANG", defaultValue = "en",
            description = "Language of the text, a BCP 47 tag (default: ${DEFAULT-VALUE}).")
    private String from;

    @Option(names = "--to", paramLabel = "LANG", required = true,
            description = "Language to translate into, a BCP 47 tag such as es or pt-BR.")
    private String to;

    @Option(names = "--final", description = "Send the text as a final segment (default: partial).")
    private boolean finalSegment;

    @Option(names = {"-q", "--quiet"}, description = "Print only the translation.")
    private boolean quiet;

    @Parameters(arity = "1..*", paramLabel = "TEXT", description = "The text; several words are joined with spaces.")
    private List<String> words;

    @Override
    public Integer call() {
        String text = String.join(" ", words);
        SegmentKind kind = finalSegment ? SegmentKind.FINAL : SegmentKind.PARTIAL;
        Map<String, String> extra = provider == null ? Map.of() : Map.of(ConfigKeys.PROVIDER.name(), provider);
        PrintWriter out = parent.launch().out();
        PrintWriter err = parent.launch().err();
        try (Wiring wiring = parent.startWiring(extra)) {
            TranslationProvider translator = wiring.bean(TranslationProvider.class);
            TranslationRequest request;
            try {
                request = new TranslationRequest(SessionId.random(), kind, 0, text, from, to,
                        translator.estimateTokens(kind, text));
            } catch (IllegalArgumentException e) {
                err.println("fairway: " + e.getMessage());
                return ExitCodes.CONFIGURATION;
            }
            Span span = wiring.bean(OpenTelemetry.class).getTracer("dev.fairway.app", AppVersion.current())
                    .spanBuilder("fairway translate")
                    .setAttribute("fairway.provider", translator.name())
                    .setAttribute("fairway.model", translator.model())
                    .setAttribute("fairway.session.id", request.session().value())
                    .startSpan();
            try (Scope ignored = span.makeCurrent()) {
                TranslationResult result = translator.translate(request);
                span.setAttribute("fairway.usage.total_tokens", result.usage().totalTokens());
                print(out, translator, result);
                return ExitCodes.OK;
            } catch (ProviderException e) {
                span.recordException(e);
                span.setStatus(StatusCode.ERROR, e.getClass().getSimpleName());
                err.println("fairway: provider " + translator.name() + " failed: " + describe(e));
                return ExitCodes.FAILURE;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                err.println("fairway: interrupted");
                return ExitCodes.INTERRUPTED;
            } finally {
                span.end();
            }
        }
    }

    private void print(PrintWriter out, TranslationProvider translator, TranslationResult result) {
        out.println(result.text());
        if (quiet) {
            return;
        }
        out.println();
        out.printf("provider     %s%n", translator.name());
        out.printf("model        %s%n", result.model());
        out.printf("latency      %d ms%n", result.providerLatency().toMillis());
        out.printf("usage        prompt %d, completion %d, total %d tokens%n", result.usage().promptTokens(),
                result.usage().completionTokens(), result.usage().totalTokens());
        out.printf("finish       %s%n", result.finishReason());
        out.printf("rate limit   %s%n", describe(result.rateLimit()));
    }

    private static String describe(ProviderException e) {
        if (e instanceof RateLimitedException limited) {
            return "rate limited: " + e.getMessage()
                    + limited.retryAfter().map(d -> " (retry after " + DurationText.format(d) + ")").orElse("");
        }
        if (e instanceof PermanentProviderException permanent) {
            return "permanent failure (" + permanent.kind() + "): " + e.getMessage();
        }
        return "transient failure: " + e.getMessage();
    }

    static String describe(RateLimitFeedback feedback) {
        if (!feedback.isPresent()) {
            return "(none reported)";
        }
        List<String> parts = new ArrayList<>();
        window("requests", feedback.requestsRemaining(), feedback.requestLimit(), feedback.requestsReset())
                .ifPresent(parts::add);
        window("tokens", feedback.tokensRemaining(), feedback.tokenLimit(), feedback.tokensReset())
                .ifPresent(parts::add);
        feedback.retryAfter().ifPresent(d -> parts.add("retry after " + DurationText.format(d)));
        return String.join("; ", parts);
    }

    private static Optional<String> window(String what, OptionalLong remaining, OptionalLong limit,
            Optional<Duration> reset) {
        if (remaining.isEmpty() && limit.isEmpty() && reset.isEmpty()) {
            return Optional.empty();
        }
        StringBuilder text = new StringBuilder(what).append(' ');
        text.append(remaining.isPresent() ? Long.toString(remaining.getAsLong()) : "?");
        text.append('/').append(limit.isPresent() ? Long.toString(limit.getAsLong()) : "?").append(" left");
        reset.ifPresent(d -> text.append(", reset in ").append(DurationText.format(d)));
        return Optional.of(text.toString());
    }
}
