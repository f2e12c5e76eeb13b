package dev.fairway.core.limiter;

import dev.fairway.api.SessionId;

/**
 * What {@link FairShareRateLimiter} keeps per session. Every field is guarded by the limiter's lock;
 * a state is looked up without the lock and then checked for {@link #removed} under it.
 */
final class SessionState {

    final SessionId id;
    int weight;
    /** The session's own usage in coarse buckets; null until its first admission. */
    BucketRing usage;
    long lastSeen;
    /** Refused at or over its level (MAX_MIN): its weight is in the contending weight, its usage out of the satisfied ring. */
    boolean contending;
    long contendingUntil;
    /** Refused under its level for want of global capacity (MAX_MIN): held back from sessions that do not wait. */
    long reservedTokens;
    long reservedUntil;
    boolean removed;

    // Intrusive links of the limiter's expiry wheel, so that scheduling allocates nothing.
    SessionState wheelPrev;
    SessionState wheelNext;
    long wheelDue;
    boolean inWheel;

    SessionState(SessionId id, int weight, long now) {
        this.id = id;
        this.weight = weight;
        this.lastSeen = now;
    }
}
