package dev.fairway.limiter.redis;

import dev.fairway.api.SessionId;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * This node's own sessions and what the registry in Redis has to hear of them: heartbeats (a new
 * session, a changed weight, one every quarter of the idle timeout) and closes, sent a bounded number
 * per call. Guarded by the limiter's lock.
 */
final class SessionRegistry {

    /** Heartbeats and closes carried by one call. */
    record Ops(List<String> closes, List<LocalSession> heartbeats) {
        int size() {
            return closes.size() + heartbeats.size();
        }
    }

    private static final int MAX_OPS_PER_CALL = 256;
    private static final int MAX_PENDING_CLOSES = 100_000;

    private final long heartbeatMs;
    private final long idleMs;
    private final Map<SessionId, LocalSession> sessions = new HashMap<>();
    private final ArrayDeque<LocalSession> heartbeats = new ArrayDeque<>();
    private final ArrayDeque<String> closes = new ArrayDeque<>();
    private long lastSweep;

    SessionRegistry(NodeSettings settings) {
        this.heartbeatMs = settings.heartbeatMs();
        this.idleMs = settings.idleMs();
    }

    LocalSession get(SessionId id) {
        return sessions.get(id);
    }

    Collection<LocalSession> all() {
        return sessions.values();
    }

    int size() {
        return sessions.size();
    }

    LocalSession register(SessionId id, int weight, long now) {
        LocalSession s = new LocalSession(id, weight, now, now / Millis.COARSE);
        sessions.put(id, s);
        queueHeartbeat(s);
        return s;
    }

    /** The session was seen now: its heartbeat is queued when one is due. */
    void seen(LocalSession s, long now) {
        s.lastSeen = now;
        if (!s.queued && (s.heartbeatAt == Millis.NONE || now - s.heartbeatAt >= heartbeatMs)) {
            queueHeartbeat(s);
        }
    }

    void queueHeartbeat(LocalSession s) {
        if (!s.queued) {
            s.queued = true;
            heartbeats.add(s);
        }
    }

    /** Every session is told to the registry again (a new registry, or back from degraded). */
    void heartbeatAll(boolean resend) {
        for (LocalSession s : sessions.values()) {
            if (resend) {
                s.heartbeatAt = Millis.NONE;
            }
            queueHeartbeat(s);
        }
    }

    /** Removes a session and queues its close; returns it, or {@code null} when unknown. */
    LocalSession remove(SessionId id) {
        LocalSession s = sessions.remove(id);
        if (s != null) {
            s.removed = true;
            if (closes.size() >= MAX_PENDING_CLOSES) {
                // A long outage: the oldest closes are dropped; Redis expires those sessions when idle.
                closes.poll();
            }
            closes.add(id.value());
        }
        return s;
    }

    /** Removes every session and queues their closes (the node stops). */
    void removeAll() {
        for (LocalSession s : sessions.values()) {
            s.removed = true;
            closes.add(s.id.value());
        }
        sessions.clear();
    }

    boolean hasOps() {
        return !heartbeats.isEmpty() || !closes.isEmpty();
    }

    boolean hasCloses() {
        return !closes.isEmpty();
    }

    /** Takes the closes, then the heartbeats, for one call: at most 256 together. */
    Ops take(long now) {
        List<String> closed = new ArrayList<>();
        List<LocalSession> beats = new ArrayList<>();
        while (closed.size() + beats.size() < MAX_OPS_PER_CALL && !closes.isEmpty()) {
            closed.add(closes.poll());
        }
        while (closed.size() + beats.size() < MAX_OPS_PER_CALL && !heartbeats.isEmpty()) {
            LocalSession s = heartbeats.poll();
            s.queued = false;
            if (!s.removed) {
                beats.add(s);
                s.heartbeatAt = now;
            }
        }
        return new Ops(closed, beats);
    }

    /** Gives back the operations of a failed call. */
    void restore(Ops ops) {
        for (LocalSession s : ops.heartbeats()) {
            s.heartbeatAt = Millis.NONE;
            if (!s.removed) {
                queueHeartbeat(s);
            }
        }
        closes.addAll(ops.closes());
    }

    /** At most once a second: forgets sessions idle for the idle timeout that do not contend. */
    void sweepIdle(long now) {
        if (now - lastSweep >= 1_000) {
            lastSweep = now;
            sessions.values().removeIf(s -> {
                if (now - s.lastSeen >= idleMs && !s.contending) {
                    s.removed = true;
                    return true;
                }
                return false;
            });
        }
    }
}
