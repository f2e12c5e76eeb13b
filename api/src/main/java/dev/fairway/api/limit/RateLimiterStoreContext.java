package dev.fairway.api.limit;

import dev.fairway.api.InvalidConfigurationException;
import dev.fairway.api.NanoClock;
import io.opentelemetry.api.OpenTelemetry;

import java.util.function.Consumer;

/**
 * What a {@link RateLimiterStoreFactory} is given: a read-only view of the application's configuration
 * keys ({@code fairway.limiter.*}, {@code fairway.session.idle-timeout}), already parsed and checked
 * against each key's declared range, the monotonic clock and OpenTelemetry.
 */
public interface RateLimiterStoreContext {

    /**
     * The monotonic clock of the node (a store whose nodes compare wall-clock times keeps its own).
     *
     * @return the clock
     */
    NanoClock clock();

    /**
     * Where the store's metrics go.
     *
     * @return the application's OpenTelemetry
     */
    OpenTelemetry openTelemetry();

    /**
     * The value of a configuration key: its default unless a source sets it.
     *
     * @param key the full key, for example {@code fairway.limiter.rpm}
     * @param type the key's type ({@code Integer}, {@code Duration}, {@code String}, {@code Boolean})
     * @param <T> the key's type
     * @return the value
     * @throws IllegalArgumentException when the key is not declared, or not of that type
     */
    <T> T value(String key, Class<T> type);

    /**
     * Hands a key's value to a builder's setter; when the setter refuses it, the refusal becomes the
     * key's one-line configuration error.
     *
     * @param key the full key
     * @param type the key's type
     * @param setter the builder's setter
     * @param <T> the key's type
     * @throws InvalidConfigurationException naming the key, when the setter refuses the value
     */
    default <T> void apply(String key, Class<T> type, Consumer<? super T> setter) {
        T value = value(key, type);
        try {
            setter.accept(value);
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigurationException(key, String.valueOf(value),
                    "a value the limiter store accepts (" + e.getMessage() + ")");
        }
    }
}
