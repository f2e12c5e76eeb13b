package dev.fairway.api;

/**
 * A translation provider failed a call. The three subtypes say what a caller can do about it.
 */
public abstract sealed class ProviderException extends FairwayException
        permits RateLimitedException, TransientProviderException, PermanentProviderException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message what went wrong; never contains credentials
     * @param cause the underlying failure, or null
     */
    protected ProviderException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * Whether the same request may succeed if sent again later.
     *
     * @return true for rate limits and transient faults
     */
    public abstract boolean retryable();
}
