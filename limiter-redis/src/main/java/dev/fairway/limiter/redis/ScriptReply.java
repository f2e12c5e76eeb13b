package dev.fairway.limiter.redis;

import java.util.List;

/**
 * What one call of {@code limiter.lua} returns, by name: the grant (or the wait), and the shared
 * state as of the call.
 *
 * @param granted what the call granted (requests 0: refused)
 * @param waitMs when refused, how long until enough has left the window
 * @param tick the bucket the grant was charged to
 * @param window the sums of the shared window after the call
 * @param totalWeight the weight of every registered session
 * @param sessions the registered sessions
 * @param othersWeight the contending weight of the other nodes
 * @param othersRequests their contending sessions' requests in the window
 * @param othersTokens their contending sessions' tokens in the window
 * @param nodes the nodes heard from within the node time-to-live
 * @param pausedUntil until when a 429 pauses every node (ms)
 * @param fresh whether the window did not exist (a restarted or expired registry)
 */
record ScriptReply(Amounts granted, long waitMs, long tick, Amounts window, long totalWeight, long sessions,
        long othersWeight, long othersRequests, long othersTokens, long nodes, long pausedUntil, boolean fresh) {

    /** Decodes the script's array (see the comment at the top of {@code limiter.lua}). */
    static ScriptReply decode(List<Object> reply) {
        return new ScriptReply(
                new Amounts(at(reply, 0), at(reply, 1), at(reply, 16), at(reply, 17)),
                at(reply, 2), at(reply, 3),
                new Amounts(at(reply, 4), at(reply, 5), at(reply, 14), at(reply, 15)),
                at(reply, 6), at(reply, 7), at(reply, 8), at(reply, 9), at(reply, 10), at(reply, 11),
                at(reply, 12), at(reply, 13) == 1);
    }

    private static long at(List<Object> reply, int i) {
        return (Long) reply.get(i);
    }
}
