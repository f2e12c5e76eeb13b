package dev.fairway.provider.openai;

import dev.fairway.api.PermanentProviderException;
import dev.fairway.api.PermanentProviderException.Kind;
import dev.fairway.api.ProviderException;
import dev.fairway.api.RateLimitFeedback;
import dev.fairway.api.RateLimitedException;
import dev.fairway.api.TransientProviderException;
import dev.fairway.api.spi.PluginConfig;
import dev.fairway.api.spi.ProviderMessages;

import java.net.http.HttpHeaders;
import java.util.Locale;
import java.util.Set;

/**
 * Turns HTTP answers and I/O failures into the API's exceptions, with messages that say what to do
 * and never carry a credential: every text that came from the server passes through {@link #redact}.
 */
final class Failures {

    /** Error codes or types that mean the account cannot pay, not that a window is full. */
    private static final Set<String> QUOTA_CODES = Set.of("insufficient_quota", "billing_hard_limit_reached",
            "billing_not_active");

    private final OpenAiSettings settings;
    private final String server;
    private final String keyHint;

    Failures(OpenAiSettings settings) {
        this.settings = settings;
        this.server = settings.serverName();
        PluginConfig names = PluginConfig.empty(OpenAiSettings.PREFIX);
        this.keyHint = "check " + OpenAiSettings.API_KEY_ENV + " or " + names.fullKey("api-key");
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
        return obeyShouldRetry(headers, byStatus(status, "HTTP " + status, headers, body, feedback));
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
            return obeyShouldRetry(headers, new TransientProviderException(server + " sent an error event in the stream"
                    + (error.label().isEmpty() ? "" : " (" + redact(error.label()) + ")") + said(error, event)));
        }
        return obeyShouldRetry(headers, byStatus(status == 0 ? 429 : status, "an error event in an HTTP 200 stream",
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

    /**
     * Applies {@code x-should-retry}, which OpenAI's and Anthropic's official SDKs obey before they look
     * at the status: {@code true} makes any failure retryable, {@code false} makes even a 429 or a 5xx final.
     *
     * @param headers the response headers
     * @param failure what the status and body mean
     * @return the failure, or its retryable or final counterpart when the header says otherwise
     */
    static ProviderException obeyShouldRetry(HttpHeaders headers, ProviderException failure) {
        String said = headers.firstValue("x-should-retry").map(v -> v.trim().toLowerCase(Locale.ROOT)).orElse("");
        if (said.equals("true") && !failure.retryable()) {
            return new TransientProviderException(failure.getMessage()
                    + "; retryable all the same: the server answered x-should-retry: true");
        }
        if (said.equals("false") && failure.retryable()) {
            return new PermanentProviderException(Kind.OTHER, failure.getMessage()
                    + "; not retried: the server answered x-should-retry: false");
        }
        return failure;
    }

    private ProviderException byStatus(int status, String answered, HttpHeaders headers, String body,
                                       RateLimitFeedback feedback) {
        ChatJson.ErrorBody error = ChatJson.error(body);
        String label = error.label();
        String said = said(error, body);
        String requestId = headers.firstValue("x-request-id").map(id -> " [request " + redact(id) + "]").orElse("");
        String status0 = answered + (label.isEmpty() ? "" : ", " + redact(label));
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
                    server + " rejected the API key (" + status0 + "); " + keyHint + requestId);
            case 403 -> new PermanentProviderException(Kind.AUTHENTICATION,
                    server + " refused the API key for this request (" + status0 + ")" + said
                            + "; " + keyHint + " and the key's access to model '" + settings.model() + "'" + requestId);
            case 404 -> new PermanentProviderException(Kind.BAD_REQUEST,
                    server + ": model '" + settings.model() + "' or " + settings.endpoint("/chat/completions")
                            + " was not found (" + status0 + ")" + said
                            + "; check " + OpenAiSettings.PREFIX + ".model and .base-url" + requestId);
            case 408, 409, 425 -> new TransientProviderException(server + " answered " + status0 + said + requestId);
            default -> {
                if (status >= 500) {
                    yield new TransientProviderException(server + " answered " + status0 + said + requestId);
                }
                if (status >= 300 && status < 400) {
                    yield new PermanentProviderException(Kind.OTHER, server + " redirected the request (" + status0
                            + headers.firstValue("location").map(l -> " to " + redact(l)).orElse("")
                            + "); set " + OpenAiSettings.PREFIX + ".base-url to the final address" + requestId);
                }
                yield new PermanentProviderException(Kind.OTHER, server + " refused the request (" + status0 + ")"
                        + said + requestId);
            }
        };
    }

    /**
     * The exception for an answer whose body is not the expected JSON.
     *
     * @param status the HTTP status
     * @param body the body
     * @param what what was wrong with it
     * @return a transient exception: a proxy's error page or a truncated body may not happen again
     */
    TransientProviderException malformed(int status, String body, String what) {
        return new TransientProviderException(server + " answered HTTP " + status
                + " with a body that is not a chat completion (" + redact(what) + "): " + excerpt(body));
    }

    /**
     * The exception for a failed exchange: timeouts, refused or reset connections.
     *
     * @param failure the I/O failure
     * @return a transient exception
     */
    TransientProviderException forIo(Throwable failure) {
        return ProviderMessages.exchangeFailed(server, OpenAiSettings.PREFIX, settings.connectTimeout(),
                settings.requestTimeout(), settings.apiKey(), failure);
    }

    /**
     * The exception for an answer that did not come in time.
     *
     * @param cause the timeout, or null when the caller's own deadline passed
     * @return a transient exception
     */
    TransientProviderException timedOut(Throwable cause) {
        return ProviderMessages.timedOut(server, OpenAiSettings.PREFIX, settings.requestTimeout(), cause);
    }

    /**
     * Removes anything that could be a credential from a server's text, collapses white space and
     * control characters, and shortens it.
     *
     * @param text text from the server
     * @return text fit for an exception message or a log
     */
    String redact(String text) {
        return ProviderMessages.redact(text, settings.apiKey());
    }

    private String excerpt(String body) {
        return ProviderMessages.excerpt(body, settings.apiKey());
    }

    private String said(ChatJson.ErrorBody error, String body) {
        if (!error.message().isBlank()) {
            return ": " + redact(error.message());
        }
        return body.isBlank() ? "" : ": " + excerpt(body);
    }
}
