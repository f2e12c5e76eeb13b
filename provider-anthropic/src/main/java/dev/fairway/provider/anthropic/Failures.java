package dev.fairway.provider.anthropic;

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
import java.util.regex.Pattern;

/**
 * Turns Anthropic's answers and I/O failures into the API's exceptions, with messages that say what
 * to do and never carry a credential: every text that came from the server passes through
 * {@link #redact}.
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
    private final String server;
    private final String keyHint;

    Failures(AnthropicSettings settings) {
        this.settings = settings;
        this.server = settings.serverName();
        this.keyHint = "check " + AnthropicSettings.API_KEY_ENV + " or "
                + PluginConfig.empty(AnthropicSettings.PREFIX).fullKey("api-key");
    }

    /**
     * The exception for an answer that is not 2xx.
     *
     * @param status the HTTP status
     * @param headers the response headers
     * @param body the response body (may be empty)
     * @param feedback the rate-limit headers already parsed, with the retry-after wait
     * @return the exception to throw
     */
    ProviderException forStatus(int status, HttpHeaders headers, String body, RateLimitFeedback feedback) {
        return obeyShouldRetry(headers, byType(status, headers, body, feedback));
    }

    /**
     * Applies {@code x-should-retry}, which Anthropic's official SDKs obey before they look at the
     * status: {@code true} makes any failure retryable, {@code false} makes even a 429 or a 529 final.
     *
     * @param headers the response headers
     * @param failure what the error type and status mean
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

    private ProviderException byType(int status, HttpHeaders headers, String body, RateLimitFeedback feedback) {
        MessagesJson.ErrorBody error = MessagesJson.error(body);
        String type = error.type().toLowerCase(Locale.ROOT);
        String said = said(error, body);
        String id = headers.firstValue("request-id").orElse(error.requestId());
        String requestId = id.isEmpty() ? "" : " [request " + redact(id) + "]";
        String answer = "HTTP " + status + (type.isEmpty() ? "" : ", " + redact(type));
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
                            + " and the key's access to model '" + settings.model() + "'" + requestId);
            case "billing_error" -> quota(answer, said, requestId);
            case "invalid_request_error" -> CREDIT.matcher(error.message()).find()
                    ? quota(answer, said, requestId)
                    : new PermanentProviderException(Kind.BAD_REQUEST,
                            server + " rejected the request (" + answer + ")" + said + requestId);
            case "not_found_error" -> new PermanentProviderException(Kind.BAD_REQUEST,
                    server + ": model '" + settings.model() + "' or " + settings.messagesUri() + " was not found ("
                            + answer + ")" + said + "; check " + AnthropicSettings.PREFIX + ".model and .base-url"
                            + requestId);
            case "request_too_large" -> new PermanentProviderException(Kind.BAD_REQUEST,
                    server + " rejected the request as too large (" + answer + ")" + said + requestId);
            case "redirect" -> new PermanentProviderException(Kind.OTHER, server + " redirected the request (" + answer
                    + headers.firstValue("location").map(l -> " to " + redact(l)).orElse("")
                    + "); set " + AnthropicSettings.PREFIX + ".base-url to the final address" + requestId);
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
                + " with a body that is not a message (" + redact(what) + "): " + excerpt(body));
    }

    /**
     * The exception for a failed exchange: timeouts, refused or reset connections.
     *
     * @param failure the I/O failure
     * @return a transient exception
     */
    TransientProviderException forIo(Throwable failure) {
        return ProviderMessages.exchangeFailed(server, AnthropicSettings.PREFIX, settings.connectTimeout(),
                settings.requestTimeout(), settings.apiKey(), failure);
    }

    /**
     * The exception for an answer that did not come in time.
     *
     * @param cause the timeout, or null when the caller's own deadline passed
     * @return a transient exception
     */
    TransientProviderException timedOut(Throwable cause) {
        return ProviderMessages.timedOut(server, AnthropicSettings.PREFIX, settings.requestTimeout(), cause);
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

    private String said(MessagesJson.ErrorBody error, String body) {
        if (!error.message().isBlank()) {
            return ": " + redact(error.message());
        }
        return body.isBlank() ? "" : ": " + excerpt(body);
    }
}
