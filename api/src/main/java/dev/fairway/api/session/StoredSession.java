package dev.fairway.api.session;

import dev.fairway.api.SessionId;
import dev.fairway.api.SessionOptions;

import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;

/**
 * A session's record in a {@link SessionStore}.
 *
 * @param id the session
 * @param options its languages, weight and label
 * @param tokenHash a hash of its resume token (the token itself is never stored); compared in constant time
 * @param epoch the store's {@link SessionStore#epoch()} when the session was created
 * @param createdAt when it was created
 * @param lastSeenAt when a connection last carried it (resume windows count from here)
 */
public record StoredSession(SessionId id, SessionOptions options, byte[] tokenHash, String epoch, Instant createdAt,
        Instant lastSeenAt) {

    /** Validates and copies. */
    public StoredSession {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(tokenHash, "tokenHash");
        Objects.requireNonNull(epoch, "epoch");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(lastSeenAt, "lastSeenAt");
        if (tokenHash.length == 0) {
            throw new IllegalArgumentException("tokenHash must not be empty");
        }
        tokenHash = tokenHash.clone();
    }

    @Override
    public byte[] tokenHash() {
        return tokenHash.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StoredSession s && id.equals(s.id) && options.equals(s.options)
                && Arrays.equals(tokenHash, s.tokenHash) && epoch.equals(s.epoch) && createdAt.equals(s.createdAt)
                && lastSeenAt.equals(s.lastSeenAt);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, options, Arrays.hashCode(tokenHash), epoch, createdAt, lastSeenAt);
    }

    @Override
    public String toString() {
        return "StoredSession[id=" + id + ", options=" + options + ", epoch=" + epoch + ", createdAt=" + createdAt
                + ", lastSeenAt=" + lastSeenAt + "]";
    }
}
