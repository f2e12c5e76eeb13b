package dev.fairway.limiter.redis;

import java.util.List;

/**
 * One call of {@code limiter.lua}: its arguments (laid out as the comment at the top of the script
 * says) and what it took from the node's pending state, to give back if the call fails.
 */
final class ScriptCall {

    /** Arguments before the session operations. */
    private static final int FIXED_ARGS = 53;
    /** The index of the "leave" argument (ARGV 31). */
    private static final int LEAVE = 30;

    private final String[] args;
    private final boolean refill;
    private final Amounts returned;
    private final long returnTick;
    private final Outbox.Sent sent;
    private final SessionRegistry.Ops ops;
    /** Whether the thread waiting for it was interrupted. */
    boolean interrupted;

    private ScriptCall(String[] args, boolean refill, Amounts returned, long returnTick, Outbox.Sent sent,
            SessionRegistry.Ops ops) {
        this.args = args;
        this.refill = refill;
        this.returned = returned;
        this.returnTick = returnTick;
        this.sent = sent;
        this.ops = ops;
    }

    /**
     * Encodes one call.
     *
     * @param s the node's settings
     * @param now the node's time (ms)
     * @param need what the call asks for
     * @param returned the unused rest of the lease it gives back
     * @param returnTick the bucket that rest was charged to (-1: nothing returned)
     * @param sent the refunds, charges, pause and provider feedback it carries
     * @param contending this node's contending weight, requests and tokens
     * @param ops the heartbeats and closes it carries
     */
    static ScriptCall encode(NodeSettings s, long now, Need need, Amounts returned, long returnTick,
            Outbox.Sent sent, Contention.Sums contending, SessionRegistry.Ops ops) {
        String[] a = new String[FIXED_ARGS + 3 * ops.size()];
        long want = Math.max(need.requests(), need.want());
        Outbox.ProviderLeft left = sent.left();
        set(a, 0, now, s.nodeId(), s.requestsPerMinute(), s.tokensPerMinute(), s.bucketMs(), s.buckets(),
                s.idleMs(), s.nodeTtlMs(), s.keyTtlMs(), want, Math.min(s.tokensPerMinute(), want * need.tokens()),
                need.requests(), need.tokens(), need.refill() ? (s.lease() + 1) / 2 : 1,
                returned.requests(), returned.tokens(), returnTick,
                sent.refund().requests(), sent.refund().tokens(),
                sent.refundTick() == Long.MAX_VALUE ? -1 : sent.refundTick(),
                sent.charge().requests(), sent.charge().tokens(),
                contending.weight(), contending.requests(), contending.tokens(), sent.pauseUntil(),
                left.requests(), left.requestsReset(), left.tokens(), left.tokensReset(), 0, ops.size(),
                s.inputTokensPerMinute(), s.outputTokensPerMinute(),
                s.inputTokensPerMinute() == 0 ? 0 : Math.min(s.inputTokensPerMinute(), want * need.input()),
                s.outputTokensPerMinute() == 0 ? 0 : Math.min(s.outputTokensPerMinute(), want * need.output()),
                need.input(), need.output(), returned.input(), returned.output(),
                sent.refund().input(), sent.refund().output(), sent.charge().input(), sent.charge().output(),
                left.input(), left.inputReset(), left.output(), left.outputReset(), s.pacingBurstMs(),
                need.partial() ? s.keep(s.requestsPerMinute(), need.requests()) : 0,
                need.partial() ? s.keep(s.tokensPerMinute(), need.tokens()) : 0,
                need.partial() ? s.keep(s.inputTokensPerMinute(), need.input()) : 0,
                need.partial() ? s.keep(s.outputTokensPerMinute(), need.output()) : 0);
        int i = FIXED_ARGS;
        for (String id : ops.closes()) {
            a[i++] = "c";
            a[i++] = id;
            a[i++] = "0";
        }
        for (LocalSession session : ops.heartbeats()) {
            a[i++] = "h";
            a[i++] = session.id.value();
            a[i++] = Integer.toString(session.weight);
        }
        return new ScriptCall(a, need.refill(), returned, returnTick, sent, ops);
    }

    private static void set(String[] a, int from, Object... values) {
        for (int i = 0; i < values.length; i++) {
            a[from + i] = String.valueOf(values[i]);
        }
    }

    /** Makes this the node's last call: the script forgets the node. */
    void leave() {
        args[LEAVE] = "1";
    }

    String[] args() {
        return args;
    }

    /** Whether the grant refills the lease. */
    boolean refill() {
        return refill;
    }

    /** Whether the call asks for no permit: it only synchronises. */
    boolean syncOnly() {
        return "0".equals(args[11]);
    }

    Amounts returned() {
        return returned;
    }

    long returnTick() {
        return returnTick;
    }

    Outbox.Sent sent() {
        return sent;
    }

    SessionRegistry.Ops ops() {
        return ops;
    }

    @Override
    public String toString() {
        return "ScriptCall" + List.of(args);
    }
}
