package dev.fairway.api;

/**
 * A failure that may pass: a timeout, a connection reset, a 5xx, an overloaded provider, or an
 * answer that could not be read. The same request may succeed when sent again.
 */
public final class TransientProviderException extends ProviderException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message what went wrong; never contains credentials
     */
    public TransientProviderException(String message) {
        super(message, null);
    }

    /**
     * @param message what went wrong; never contains credentials
     * @param cause the underlying failure
     */
    public TransientProviderException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public boolean retryable() {
        return true;
    }
}
