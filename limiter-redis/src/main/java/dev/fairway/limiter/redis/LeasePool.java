package dev.fairway.limiter.redis;

/**
 * The permits this node took from Redis in one call and hands out locally: requests, tokens (and
 * input and output tokens) charged to one bucket, usable until the lease expires. Only one refill runs
 * at a time. It also remembers until when Redis said the window is full, so that refused acquires do
 * not all call again. Guarded by the limiter's lock.
 */
final class LeasePool {

    private final int size;
    private final long ttlMs;
    private Amounts left = Amounts.ZERO;
    private long tick;
    private long until;
    private boolean refilling;
    private long fullUntil;

    LeasePool(NodeSettings settings) {
        this.size = settings.lease();
        this.ttlMs = settings.leaseTtlMs();
    }

    /** Permits taken per Redis call, 0 when leasing is off. */
    int size() {
        return size;
    }

    /** Takes one permit of these sizes if the lease is valid and holds it. */
    boolean take(long now, long tokens, long in, long out) {
        if (left.requests() > 0 && left.tokens() >= tokens && left.input() >= in && left.output() >= out
                && now < until) {
            left = new Amounts(left.requests() - 1, left.tokens() - tokens, left.input() - in, left.output() - out);
            return true;
        }
        return false;
    }

    /** The bucket the lease was charged to. */
    long tick() {
        return tick;
    }

    /** Fills the lease from a grant, less the permit that asked for it. */
    void fill(ScriptReply reply, long tokens, long in, long out, long now) {
        Amounts granted = reply.granted();
        left = new Amounts(granted.requests() - 1, granted.tokens() - tokens, Math.max(0, granted.input() - in),
                Math.max(0, granted.output() - out));
        tick = reply.tick();
        until = now + ttlMs;
    }

    /** Takes the unused rest, to go back with a call; {@link Amounts#ZERO} when there is none. */
    Amounts takeRest() {
        Amounts rest = left.anyPositive() ? left : Amounts.ZERO;
        left = Amounts.ZERO;
        return rest;
    }

    /** What the lease holds unused (the shared window counts it, nobody used it). */
    long unused(boolean requests) {
        return requests ? left.requests() : left.tokens();
    }

    /** Whether this acquire may start a refill (leasing on, none running); if so it runs from now. */
    boolean startRefill() {
        if (size > 0 && !refilling) {
            refilling = true;
            return true;
        }
        return false;
    }

    void refillDone() {
        refilling = false;
    }

    /** Redis refused: the window is full until then. */
    void fullUntil(long until) {
        fullUntil = Math.max(fullUntil, until);
    }

    long fullUntil() {
        return fullUntil;
    }

    /** Drops the lease and the full mark (Redis lost, or back). */
    void drop() {
        left = Amounts.ZERO;
        fullUntil = 0;
    }

    /** Forgets the full mark only. */
    void notFull() {
        fullUntil = 0;
    }
}
