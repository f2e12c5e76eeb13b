package dev.fairway.api.session;

import dev.fairway.api.spi.PluginConfig;
import io.opentelemetry.api.OpenTelemetry;

import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Objects;

/**
 * What a {@link SessionStoreFactory} gets to open a store.
 *
 * @param config the store's own keys ({@code fairway.session.<name>.*})
 * @param dataDirectory where a store that writes files keeps them (created by the application)
 * @param groupCommit the durability policy: {@link Duration#ZERO} makes every accepted final durable before
 *     {@link SessionStore#accepted} completes (sync); a positive value lets the store write the finals
 *     accepted within that time together and complete them all at once (group commit)
 * @param clock wall-clock time, for session ages and expiry
 * @param openTelemetry the application's OpenTelemetry (a no-op one when telemetry is off)
 */
public record SessionStoreContext(
        PluginConfig config,
        Path dataDirectory,
        Duration groupCommit,
        InstantSource clock,
        OpenTelemetry openTelemetry) {

    /** Validates every field. */
    public SessionStoreContext {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(dataDirectory, "dataDirectory");
        Objects.requireNonNull(groupCommit, "groupCommit");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(openTelemetry, "openTelemetry");
        if (groupCommit.isNegative()) {
            throw new IllegalArgumentException("groupCommit must not be negative, was " + groupCommit);
        }
    }
}
