package dev.fairway.limiter.redis;

/**
 * The shared state as this node's last call saw it: the global window, the registry's weight and
 * sessions, the other nodes' contention, the nodes and the pause. Guarded by the limiter's lock.
 */
final class SharedView {

    Amounts window = Amounts.ZERO;
    long totalWeight;
    long sessions;
    long othersWeight;
    long othersRequests;
    long othersTokens;
    long knownNodes;
    long pausedUntil;
    /** When the last call answered (ms), or {@link Millis#NONE}: then the node knows nothing yet. */
    long lastCall = Millis.NONE;

    SharedView(int fallbackNodes) {
        this.knownNodes = fallbackNodes;
    }

    /** Takes in a reply; returns whether the registry is new (every session must be told again). */
    boolean apply(ScriptReply reply, long now) {
        lastCall = now;
        window = reply.window();
        totalWeight = reply.totalWeight();
        sessions = reply.sessions();
        othersWeight = reply.othersWeight();
        othersRequests = reply.othersRequests();
        othersTokens = reply.othersTokens();
        knownNodes = Math.max(1, reply.nodes());
        pausedUntil = Math.max(pausedUntil, reply.pausedUntil());
        return reply.fresh();
    }

    boolean knowsNothing() {
        return lastCall == Millis.NONE;
    }
}
