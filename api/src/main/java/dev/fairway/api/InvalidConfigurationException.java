package dev.fairway.api;

/**
 * A configuration value is missing, of the wrong type, or out of range. Its message is one line
 * naming the key, the value and what is allowed, for example
 * {@code fairway.queue.max-concurrent = 'lots': expected an integer from 1 to 1024}.
 */
public final class InvalidConfigurationException extends FairwayException {

    private static final long serialVersionUID = 1L;

    private final String key;
    private final String value;
    private final String allowed;

    /**
     * @param key the full configuration key
     * @param value the value found (null when missing); secrets must be masked by the caller
     * @param allowed what would have been accepted
     */
    public InvalidConfigurationException(String key, String value, String allowed) {
        super(key + " = " + (value == null ? "(missing)" : "'" + value + "'") + ": expected " + allowed);
        this.key = key;
        this.value = value;
        this.allowed = allowed;
    }

    /**
     * @return the full configuration key
     */
    public String key() {
        return key;
    }

    /**
     * @return the rejected value, or null when it was missing
     */
    public String value() {
        return value;
    }

    /**
     * @return what would have been accepted
     */
    public String allowed() {
        return allowed;
    }
}
