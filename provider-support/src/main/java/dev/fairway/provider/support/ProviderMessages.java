package dev.fairway.provider.support;

import dev.fairway.api.TransientProviderException;
import dev.fairway.api.spi.PluginConfig;

import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * Failure messages that HTTP providers share: text from a server made safe for an exception message or
 * a log (credentials removed, white space collapsed, shortened), and the transient failures of an
 * exchange (connect timeout, request timeout, refused or reset connection) worded with the
 * configuration key that governs them.
 */
public final class ProviderMessages {

    /** Longest excerpt of a server's text in a message. */
    public static final int EXCERPT_LENGTH = 200;

    private static final Pattern KEY_LIKE = Pattern.compile("sk-[A-Za-z0-9_*.\\-]{3,}");
    private static final Pattern BEARER = Pattern.compile("(?i)bearer\\s+\\S+");
    private static final Pattern CONTROL_OR_SPACE = Pattern.compile("[\\s\\p{Cntrl}]+");

    private ProviderMessages() {
    }

    /**
     * Removes anything that could be a credential from a server's text (the given secret, {@code sk-...}
     * keys, bearer tokens), collapses white space and control characters, and shortens it to
     * {@value #EXCERPT_LENGTH} characters.
     *
     * @param text text from the server
     * @param secret the provider's own credential, or empty
     * @return text fit for an exception message or a log
     */
    public static String redact(String text, String secret) {
        String t = text;
        if (!secret.isEmpty()) {
            t = t.replace(secret, "***");
        }
        t = KEY_LIKE.matcher(t).replaceAll("sk-***");
        t = BEARER.matcher(t).replaceAll("Bearer ***");
        t = CONTROL_OR_SPACE.matcher(t).replaceAll(" ").strip();
        return t.length() <= EXCERPT_LENGTH ? t : t.substring(0, EXCERPT_LENGTH) + "...";
    }

    /**
     * A redacted body in quotes, or {@code (empty body)}.
     *
     * @param body the body
     * @param secret the provider's own credential, or empty
     * @return the excerpt
     */
    public static String excerpt(String body, String secret) {
        return body.isBlank() ? "(empty body)" : "'" + redact(body, secret) + "'";
    }

    /**
     * The exception for a failed exchange: timeouts, refused or reset connections.
     *
     * @param server how messages name the server, for example {@code OpenAI at https://...}
     * @param prefix the provider's configuration prefix, for example {@code fairway.provider.openai}
     * @param connectTimeout the configured {@code connect-timeout}
     * @param requestTimeout the configured {@code request-timeout}
     * @param secret the provider's own credential, or empty
     * @param failure the failure
     * @return a transient exception
     */
    public static TransientProviderException exchangeFailed(String server, String prefix, Duration connectTimeout,
            Duration requestTimeout, String secret, Throwable failure) {
        String detail = failure.getMessage() == null ? failure.getClass().getSimpleName()
                : failure.getClass().getSimpleName() + ": " + redact(failure.getMessage(), secret);
        if (failure instanceof HttpConnectTimeoutException) {
            return new TransientProviderException("could not connect to " + server + " within " + prefix
                    + ".connect-timeout (" + PluginConfig.DurationText.format(connectTimeout) + ")", failure);
        }
        if (failure instanceof HttpTimeoutException) {
            return timedOut(server, prefix, requestTimeout, failure);
        }
        if (failure instanceof ConnectException || failure instanceof UnresolvedAddressException) {
            return new TransientProviderException("could not connect to " + server + " (" + detail + ")", failure);
        }
        if (failure instanceof IOException) {
            return new TransientProviderException("the exchange with " + server + " failed (" + detail + ")", failure);
        }
        return new TransientProviderException("the call to " + server + " failed (" + detail + ")", failure);
    }

    /**
     * The exception for an answer that did not come in time.
     *
     * @param server how messages name the server
     * @param prefix the provider's configuration prefix
     * @param requestTimeout the configured {@code request-timeout}
     * @param cause the timeout, or null when the caller's own deadline passed
     * @return a transient exception
     */
    public static TransientProviderException timedOut(String server, String prefix, Duration requestTimeout,
            Throwable cause) {
        return new TransientProviderException(server + " did not answer within " + prefix + ".request-timeout ("
                + PluginConfig.DurationText.format(requestTimeout) + ")", cause);
    }
}
