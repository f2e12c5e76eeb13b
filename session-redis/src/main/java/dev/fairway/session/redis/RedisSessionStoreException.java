package dev.fairway.session.redis;

/** A failure of the {@code redis} session store: Redis cannot be reached, is too slow, or refused a command. */
public final class RedisSessionStoreException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * A failure with its cause.
     *
     * @param message what failed
     * @param cause Lettuce's exception
     */
    public RedisSessionStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
