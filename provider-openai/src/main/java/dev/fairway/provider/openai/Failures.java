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
        ChatJson.ErrorBody error = ChatJson.error(body);
        String label = error.label();
        String said = said(error, body);
        String requestId = headers.firstValue("x-request-id").map(id -> " [request " + redact(id) + "]").orElse("");
        String status0 = "HTTP " + status + (label.isEmpty() ? "" : ", " + redact(label));
        if (QUOTA_CODES.contains(error.code()) || QUOTA_CODES.contains(error.type())) {
            return new PermanentProviderException(Kind.QUOTA_EXHAUSTED, server + ": the account's quota is exhausted ("
                    + status0 + ")" + said + "; add credit or raise the usage limit, waiting for a rate window will not help"
                    + requestId);
        }
        return switch (status) {
            case 429 -> new RateLimitedException(server + ": rate limit reached (" + status0 + ")" + said
                    + feedback.retryAfter().map(d -> "; retry after " + PluginConfig.DurationText.format(d)).orElse("")
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
