package dev.fairway.provider.anthropic;

import dev.fairway.api.PermanentProviderException;
import dev.fairway.api.PermanentProviderException.Kind;
import dev.fairway.api.ProviderException;
import dev.fairway.api.RateLimitFeedback;
import dev.fairway.api.RateLimitedException;
import dev.fairway.api.TransientProviderException;
import dev.fairway.provider.support.ExchangeFailures;

import java.net.http.HttpHeaders;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns Anthropic's answers into the API's exceptions. The wording that every HTTP provider shares
 * (redaction, {@code x-should-retry}, redirects, unreadable answers, failed exchanges) is
 * {@link ExchangeFailures}'.
 *
 * <p>The error's {@code type} decides first ({@code rate_limit_error}, {@code overloaded_error},
 * {@code api_error}, {@code timeout_error}, {@code authentication_error}, {@code permission_error},
 * {@code billing_error}, {@code invalid_request_error}, {@code not_found_error},
 * {@code request_too_large}); an answer without a known type is judged by its HTTP status.
 */
final class Failures {

    /** An {@code invalid_request_error} that is about money, not about the request. */
    private static final Pattern CREDIT = Pattern.compile("(?i)credit balance|billing|purchase credits");
    /** The error types Anthropic documents. */
    private static final Set<String> KNOWN_TYPES = Set.of("rate_limit_error", "overloaded_error", "api_error",
            "timeout_error", "authentication_error", "permission_error", "billing_error", "invalid_request_error",
            "not_found_error", "request_too_large");

    private final AnthropicSettings settings;
    private final ExchangeFailures shared;
    private final String server;
    private final String keyHint;

    Failures(AnthropicSettings settings, ExchangeFailures shared) {
        this.settings = settings;
        this.shared = shared;
        this.server = shared.server();
        this.keyHint = shared.keyHint();
    }

    /**
     * The exception for an answer that is not 2xx, after {@code x-should-retry}.
     *
     * @param status the HTTP status
     * @param headers the response headers
     * @param body the response body (may be empty)
     * @param feedback the rate-limit headers already parsed, with the retry-after wait
     * @return the exception to throw
     */
    ProviderException forStatus(int status, HttpHeaders headers, String body, RateLimitFeedback feedback) {
        return ExchangeFailures.obeyShouldRetry(headers, byType(status, headers, body, feedback));
    }

    private ProviderException byType(int status, HttpHeaders headers, String body, RateLimitFeedback feedback) {
        MessagesJson.ErrorBody error = MessagesJson.error(body);
        String type = error.type().toLowerCase(Locale.ROOT);
        String said = shared.said(error.message(), body);
        String id = headers.firstValue("request-id").orElse(error.requestId());
        String requestId = shared.requestId(id);
        String answer = "HTTP " + status + (type.isEmpty() ? "" : ", " + shared.redact(type));
        // A type Anthropic has not documented (yet) is judged by the status, like an answer without one.
        String kind = KNOWN_TYPES.contains(type) ? type : byStatus(status);
        return switch (kind) {
            // The wait travels as retryAfter(), which callers print; saying it here too printed it twice.
            case "rate_limit_error" -> new RateLimitedException(server + ": rate limit reached (" + answer + ")" + said
                    + requestId, feedback);
            case "overloaded_error", "api_error", "timeout_error" ->
                    new TransientProviderException(server + " answered " + answer + said + requestId);
            case "authentication_error" -> new PermanentProviderException(Kind.AUTHENTICATION,
                    server + " rejected the API key (" + answer + ")" + said + "; " + keyHint + requestId);
            case "permission_error" -> new PermanentProviderException(Kind.AUTHENTICATION,
                    server + " refused the API key for this request (" + answer + ")" + said + "; " + keyHint
                            + " and the key's access to model '" + settings.http().model() + "'" + requestId);
            case "billing_error" -> quota(answer, said, requestId);
            case "invalid_request_error" -> CREDIT.matcher(error.message()).find()
                    ? quota(answer, said, requestId)
                    : new PermanentProviderException(Kind.BAD_REQUEST,
                            server + " rejected the request (" + answer + ")" + said + requestId);
            case "not_found_error" -> new PermanentProviderException(Kind.BAD_REQUEST,
                    server + ": model '" + settings.http().model() + "' or " + settings.messagesUri() + " was not found ("
                            + answer + ")" + said + "; check " + AnthropicSettings.PREFIX + ".model and .base-url"
                            + requestId);
            case "request_too_large" -> new PermanentProviderException(Kind.BAD_REQUEST,
                    server + " rejected the request as too large (" + answer + ")" + said + requestId);
            case "redirect" -> shared.redirected(answer, headers, requestId);
            default -> new PermanentProviderException(Kind.OTHER,
                    server + " refused the request (" + answer + ")" + said + requestId);
        };
    }

    /** The error type an answer without one stands for, by its HTTP status. */
    private static String byStatus(int status) {
        return switch (status) {
            case 429 -> "rate_limit_error";
            case 529 -> "overloaded_error";
            case 408, 409, 425, 504 -> "timeout_error";
            case 401 -> "authentication_error";
            case 403 -> "permission_error";
            case 402 -> "billing_error";
            case 400, 422 -> "invalid_request_error";
            case 404 -> "not_found_error";
            case 413 -> "request_too_large";
            default -> status >= 500 ? "api_error" : status >= 300 && status < 400 ? "redirect" : "";
        };
    }

    private PermanentProviderException quota(String answer, String said, String requestId) {
        return new PermanentProviderException(Kind.QUOTA_EXHAUSTED, server + ": the account cannot pay for the request ("
                + answer + ")" + said + "; add credit or fix billing, waiting for a rate window will not help" + requestId);
    }
}
