package dev.fairway.api;

/**
 * A failure that sending the same request again will not fix.
 */
public final class PermanentProviderException extends ProviderException {

    private static final long serialVersionUID = 1L;

    private final Kind kind;

    /**
     * @param kind what kind of permanent failure
     * @param message what went wrong; never contains credentials
     */
    public PermanentProviderException(Kind kind, String message) {
        this(kind, message, null);
    }

    /**
     * @param kind what kind of permanent failure
     * @param message what went wrong; never contains credentials
     * @param cause the underlying failure, or null
     */
    public PermanentProviderException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        if (kind == null) {
            throw new IllegalArgumentException("kind must not be null");
        }
        this.kind = kind;
    }

    /**
     * What kind of permanent failure this is.
     *
     * @return the kind
     */
    public Kind kind() {
        return kind;
    }

    @Override
    public boolean retryable() {
        return false;
    }

    /** The kinds of permanent failure. */
    public enum Kind {
        /** The provider rejected the request itself (HTTP 400, unknown model, text too long). */
        BAD_REQUEST,
        /** The credentials were missing or rejected (HTTP 401/403). */
        AUTHENTICATION,
        /** The account's quota or credit is exhausted; waiting for a rate window will not help. */
        QUOTA_EXHAUSTED,
        /** Any other permanent refusal. */
        OTHER
    }
}
