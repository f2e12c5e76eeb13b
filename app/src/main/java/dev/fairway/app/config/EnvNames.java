package dev.fairway.app.config;

import java.util.Locale;

/** Maps configuration keys to the names of the environment variables that set them. */
public final class EnvNames {

    private EnvNames() {
    }

    /**
     * The environment variable of a key: upper case, with {@code .} and {@code -} turned into {@code _}.
     *
     * @param key for example {@code fairway.queue.max-concurrent}
     * @return for example {@code FAIRWAY_QUEUE_MAX_CONCURRENT}
     */
    public static String of(String key) {
        return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }
}
