package dev.fairway.limiter.redis;

import dev.fairway.api.SessionId;
import dev.fairway.core.limiter.internal.BucketRing;

/** What a node knows of one of its own sessions; guarded by the limiter's lock. */
final class LocalSession {

    final SessionId id;
    int weight;
    long lastSeen;
    /** When the registry in Redis last heard of it (ms), or {@link Long#MIN_VALUE}. */
    long heartbeatAt = Long.MIN_VALUE;
    /** Whether it waits in the heartbeat queue. */
    boolean queued;
    boolean removed;
    boolean contending;
    long contendingUntil;
    /** While others contend (MAX_MIN): when its next request is due at its share's pace (ms). */
    long pacedUntil = Long.MIN_VALUE;
    /** The pace interval (ms) its last share check found, 0 when none applies; the admission uses it. */
    long paceInterval;
    /** Its requests and tokens in the last window, in 20 coarse buckets of 3 s. */
    final BucketRing usage;

    LocalSession(SessionId id, int weight, long now, long coarseTick) {
        this.id = id;
        this.weight = weight;
        this.lastSeen = now;
        this.usage = new BucketRing(20, coarseTick);
    }
}
