package dev.fairway.api;

/**
 * The root of every exception Fairway throws on purpose. Catch a subtype to act on it:
 * {@link RateLimitedException} (wait and retry), {@link TransientProviderException} (retry),
 * {@link PermanentProviderException} (do not retry), {@link InvalidConfigurationException} (fix
 * the configuration).
 */
public class FairwayException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message what went wrong; never contains credentials
     */
    public FairwayException(String message) {
        super(message);
    }

    /**
     * @param message what went wrong; never contains credentials
     * @param cause the underlying failure
     */
    public FairwayException(String message, Throwable cause) {
        super(message, cause);
    }
}
