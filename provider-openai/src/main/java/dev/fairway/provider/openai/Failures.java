package dev.fairway.provider.openai;

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

/**
 * Turns OpenAI's answers into the API's exceptions: by HTTP status, and by error code or type for an
 * error event inside a stream. The wording that every HTTP provider shares (redaction, {@code x-should-retry},
 * redirects, unreadable answers, failed exchanges) is {@link ExchangeFailures}'.
 */
final class Failures {

    /** Error codes or types that mean the account cannot pay, not that a window is full. */
    private static final Set<String> QUOTA_CODES = Set.of("insufficient_quota", "billing_hard_limit_reached",
            "billing_not_active");

    private final OpenAiSettings settings;
    private final ExchangeFailures shared;
    private final String server;

    Failures(OpenAiSettings settings, ExchangeFailures shared) {
        this.settings = settings;
        this.shared = shared;
        this.server = shared.server();
    }

    /**
     * The exception for an answer that is not 200.
     *
     * @param status the HTTP status
     * @param headers the response headers
     * @param body the response body (may be empty)
     * @param feedback the rate-limit headers already parsed, with the retry-after wait
     * @return the exception to throw
     */
    ProviderException forStatus(int status, HttpHeaders headers, String body, RateLimitFeedback feedback) {
        return ExchangeFailures.obeyShouldRetry(headers, byStatus(status, "HTTP " + status, headers, body, feedback));
    }

    /**
     * The exception for an error event inside a stream that began with HTTP 200 (OpenAI reports
     * failures that happen after the headers this way): judged by its code, else its type, as the
     * status that error comes with when it is not streamed, so that a rejected key is permanent and a
     * rate limit is a rate limit. An error of an unknown code and type is transient.
     *
     * @param error what the event said
     * @param event the event's data
     * @param headers the stream's response headers
     * @param feedback the rate-limit headers of the stream's head
     * @return the exception to throw
     */
    ProviderException forStreamError(ChatJson.ErrorBody error, String event, HttpHeaders headers,
                                     RateLimitFeedback feedback) {
        int status = statusOf(error.code());
        if (status == 0) {
            status = statusOf(error.type());
        }
        if (status == 0 && !QUOTA_CODES.contains(error.code()) && !QUOTA_CODES.contains(error.type())) {
            return ExchangeFailures.obeyShouldRetry(headers, new TransientProviderException(server + " sent an error event in the stream"
                    + (error.label().isEmpty() ? "" : " (" + shared.redact(error.label()) + ")") + said(error, event)));
        }
        return ExchangeFailures.obeyShouldRetry(headers, byStatus(status == 0 ? 429 : status, "an error event in an HTTP 200 stream",
                headers, event, feedback));
    }

    /** The HTTP status an error code or type of OpenAI (or of an Anthropic-style server) comes with; 0 for none. */
    private static int statusOf(String codeOrType) {
        return switch (codeOrType.toLowerCase(Locale.ROOT)) {
            case "invalid_api_key", "invalid_authentication", "authentication_error", "unauthorized" -> 401;
            case "permission_error", "permission_denied", "unsupported_country_region_territory" -> 403;
            case "model_not_found", "not_found_error", "not_found" -> 404;
            case "rate_limit_exceeded", "rate_limit_error", "requests", "tokens" -> 429;
            case "invalid_request_error", "context_length_exceeded", "invalid_value", "request_too_large" -> 400;
            case "timeout_error", "timeout" -> 408;
            case "server_error", "api_error", "internal_error" -> 500;
            case "overloaded_error", "engine_overloaded", "service_unavailable" -> 503;
            default -> 0;
        };
    }

    private ProviderException byStatus(int status, String answered, HttpHeaders headers, String body,
                                       RateLimitFeedback feedback) {
        ChatJson.ErrorBody error = ChatJson.error(body);
        String label = error.label();
        String said = said(error, body);
        String requestId = shared.requestId(headers.firstValue("x-request-id").orElse(""));
        String status0 = answered + (label.isEmpty() ? "" : ", " + shared.redact(label));
        if (QUOTA_CODES.contains(error.code()) || QUOTA_CODES.contains(error.type())) {
            return new PermanentProviderException(Kind.QUOTA_EXHAUSTED, server + ": the account's quota is exhausted ("
                    + status0 + ")" + said + "; add credit or raise the usage limit, waiting for a rate window will not help"
                    + requestId);
        }
        return switch (status) {
            // The wait travels as retryAfter(), which callers print; saying it here too printed it twice.
            case 429 -> new RateLimitedException(server + ": rate limit reached (" + status0 + ")" + said
                    + requestId, feedback);
            case 400, 413, 422 -> new PermanentProviderException(Kind.BAD_REQUEST,
                    server + " rejected the request (" + status0 + ")" + said + requestId);
            case 401 -> new PermanentProviderException(Kind.AUTHENTICATION,
                    // OpenAI's 401 message quotes part of the key: not passed on.
                    server + " rejected the API key (" + status0 + "); " + shared.keyHint() + requestId);
            case 403 -> new PermanentProviderException(Kind.AUTHENTICATION,
                    server + " refused the API key for this request (" + status0 + ")" + said
                            + "; " + shared.keyHint() + " and the key's access to model '" + settings.http().model() + "'" + requestId);
            case 404 -> new PermanentProviderException(Kind.BAD_REQUEST,
                    server + ": model '" + settings.http().model() + "' or " + settings.endpoint("/chat/completions")
                            + " was not found (" + status0 + ")" + said
                            + "; check " + OpenAiSettings.PREFIX + ".model and .base-url" + requestId);
            case 408, 409, 425 -> new TransientProviderException(server + " answered " + status0 + said + requestId);
            default -> {
                if (status >= 500) {
                    yield new TransientProviderException(server + " answered " + status0 + said + requestId);
                }
                if (status >= 300 && status < 400) {
                    yield shared.redirected(status0, headers, requestId);
                }
                yield new PermanentProviderException(Kind.OTHER, server + " refused the request (" + status0 + ")"
                        + said + requestId);
            }
        };
    }

    private String said(ChatJson.ErrorBody error, String body) {
        return shared.said(error.message(), body);
    }
}
