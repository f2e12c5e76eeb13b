package dev.fairway.session.sqlite;

/** A failure of the {@code sqlite} session store: the file cannot be opened, read or written. */
public final class SqliteSessionStoreException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * A failure with its cause.
     *
     * @param message what failed
     * @param cause the driver's exception
     */
    public SqliteSessionStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
