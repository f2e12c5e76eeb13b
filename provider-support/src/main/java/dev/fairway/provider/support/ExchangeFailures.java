package dev.fairway.provider.support;

import dev.fairway.api.PermanentProviderException;
import dev.fairway.api.ProviderException;
import dev.fairway.api.TransientProviderException;

import java.net.http.HttpHeaders;
import java.util.Locale;
import java.util.Objects;

/**
 * The failures every HTTP provider words alike, bound to one provider's settings: server text made
 * safe ({@link #redact}), an unreadable answer, a redirect, a failed or timed-out exchange, and the
 * {@code x-should-retry} header. A provider keeps only the mapping of its own error codes and statuses.
 */
public final class ExchangeFailures {

    private final HttpProviderSettings settings;
    private final String server;
    private final String expected;

    /**
     * Failures of one provider.
     *
     * @param settings the provider's checked settings (server name, prefix, credential, timeouts)
     * @param expected what a good answer is, for messages: {@code a chat completion}, {@code a message}
     */
    public ExchangeFailures(HttpProviderSettings settings, String expected) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.server = settings.serverName();
        this.expected = Objects.requireNonNull(expected, "expected");
    }

    /**
     * Applies {@code x-should-retry}, which OpenAI's and Anthropic's official SDKs obey before they look
     * at the status: {@code true} makes any failure retryable, {@code false} makes even a 429 or a 5xx final.
     *
     * @param headers the response headers
     * @param failure what the status and body mean
     * @return the failure, or its retryable or final counterpart when the header says otherwise
     */
    public static ProviderException obeyShouldRetry(HttpHeaders headers, ProviderException failure) {
        String said = headers.firstValue("x-should-retry").map(v -> v.trim().toLowerCase(Locale.ROOT)).orElse("");
        if (said.equals("true") && !failure.retryable()) {
            return new TransientProviderException(failure.getMessage()
                    + "; retryable all the same: the server answered x-should-retry: true");
        }
        if (said.equals("false") && failure.retryable()) {
            return new PermanentProviderException(PermanentProviderException.Kind.OTHER, failure.getMessage()
                    + "; not retried: the server answered x-should-retry: false");
        }
        return failure;
    }

    /**
     * How messages name the server: host and port.
     *
     * @return for example {@code api.openai.com}
     */
    public String server() {
        return server;
    }

    /**
     * Where a rejected key comes from, for messages.
     *
     * @return for example {@code check OPENAI_API_KEY or fairway.provider.openai.api-key}
     */
    public String keyHint() {
        return "check " + settings.apiKeyEnv() + " or " + settings.prefix() + ".api-key";
    }

    /**
     * Removes anything that could be a credential from a server's text, collapses white space and
     * control characters, and shortens it.
     *
     * @param text text from the server
     * @return text fit for an exception message or a log
     */
    public String redact(String text) {
        return ProviderMessages.redact(text, settings.apiKey());
    }

    /**
     * A redacted body in quotes, or {@code (empty body)}.
     *
     * @param body the body
     * @return the excerpt
     */
    public String excerpt(String body) {
        return ProviderMessages.excerpt(body, settings.apiKey());
    }

    /**
     * What the server said, for the end of a message: its error message when it gave one, else an
     * excerpt of the body, else nothing.
     *
     * @param errorMessage the message read from the error body, empty when none
     * @param body the body
     * @return {@code ": ..."} or empty
     */
    public String said(String errorMessage, String body) {
        if (!errorMessage.isBlank()) {
            return ": " + redact(errorMessage);
        }
        return body.isBlank() ? "" : ": " + excerpt(body);
    }

    /**
     * A request id for the end of a message.
     *
     * @param id the id the server gave, empty when none
     * @return {@code " [request ...]"} or empty
     */
    public String requestId(String id) {
        return id.isEmpty() ? "" : " [request " + redact(id) + "]";
    }

    /**
     * The exception for a redirect, which the client does not follow.
     *
     * @param answer the status as messages say it, for example {@code HTTP 301}
     * @param headers the response headers (for {@code location})
     * @param requestId the request id as {@link #requestId} words it
     * @return a permanent exception that says to set the base URL to the final address
     */
    public PermanentProviderException redirected(String answer, HttpHeaders headers, String requestId) {
        return new PermanentProviderException(PermanentProviderException.Kind.OTHER, server
                + " redirected the request (" + answer
                + headers.firstValue("location").map(l -> " to " + redact(l)).orElse("")
                + "); set " + settings.prefix() + ".base-url to the final address" + requestId);
    }

    /**
     * The exception for an answer whose body is not the expected JSON.
     *
     * @param status the HTTP status
     * @param body the body
     * @param what what was wrong with it
     * @return a transient exception: a proxy's error page or a truncated body may not happen again
     */
    public TransientProviderException malformed(int status, String body, String what) {
        return new TransientProviderException(server + " answered HTTP " + status
                + " with a body that is not " + expected + " (" + redact(what) + "): " + excerpt(body));
    }

    /**
     * The exception for a failed exchange: timeouts, refused or reset connections.
     *
     * @param failure the I/O failure
     * @return a transient exception
     */
    public TransientProviderException forIo(Throwable failure) {
        return ProviderMessages.exchangeFailed(server, settings.prefix(), settings.connectTimeout(),
                settings.requestTimeout(), settings.apiKey(), failure);
    }

    /**
     * The exception for an answer that did not come in time.
     *
     * @param cause the timeout, or null when the caller's own deadline passed
     * @return a transient exception
     */
    public TransientProviderException timedOut(Throwable cause) {
        return ProviderMessages.timedOut(server, settings.prefix(), settings.requestTimeout(), cause);
    }
}
