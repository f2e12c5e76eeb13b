package dev.fairway.app.config;

import dev.fairway.api.FairwayException;

/**
 * The application cannot start because something around it is wrong: a configuration file that is
 * missing or unreadable, an OpenTelemetry variable the SDK refuses, a plugin that fails to load. Its
 * message is one line, printed as is.
 */
public final class StartupException extends FairwayException {

    private static final long serialVersionUID = 1L;

    /**
     * A failure without a cause.
     *
     * @param message one line saying what is wrong and, when it helps, what to do
     */
    public StartupException(String message) {
        super(message);
    }

    /**
     * A failure with its cause.
     *
     * @param message one line saying what is wrong and, when it helps, what to do
     * @param cause the underlying failure
     */
    public StartupException(String message, Throwable cause) {
        super(message, cause);
    }
}
