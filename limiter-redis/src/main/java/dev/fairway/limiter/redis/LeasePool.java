package dev.fairway.limiter.redis;

/**
 * The permits this node took from Redis in one call and hands out locally: requests, tokens (and
 * input and output tokens) charged to one bucket, usable until the lease expires. Only one refill runs
 * at a time. It also remembers until when Redis said the window is full (for finals, and for partials,
 * which leave the headroom for finals free), so that refused acquires do not all call again. A partial
 * takes from the lease only when the window, with the lease charged to it, left that headroom free:
 * then the partial's permit was charged within the partials' part, as if it had asked Redis itself.
 * Guarded by the limiter's lock.
 */
final class LeasePool {

    private final int size;
    private final long ttlMs;
    private Amounts left = Amounts.ZERO;
    private long tick;
    private long until;
    private boolean refilling;
    /** Whether the window left the headroom for finals free with this lease charged to it. */
    private boolean partialSafe;
    private long fullUntil;
    private long partialFullUntil;

    LeasePool(NodeSettings settings) {
        this.size = settings.lease();
        this.ttlMs = settings.leaseTtlMs();
    }

    /** Permits taken per Redis call, 0 when leasing is off. */
    int size() {
        return size;
    }

    /** Takes one permit of these sizes if the lease is valid and holds it (and, for a partial, left the headroom). */
    boolean take(long now, long tokens, long in, long out, boolean partial) {
        if (left.requests() > 0 && left.tokens() >= tokens && left.input() >= in && left.output() >= out
                && now < until && (partialSafe || !partial)) {
            left = new Amounts(left.requests() - 1, left.tokens() - tokens, left.input() - in, left.output() - out);
            return true;
        }
        return false;
    }

    /** The bucket the lease was charged to. */
    long tick() {
        return tick;
    }

    /** Whether the lease holds permits that partials may not take: a partial then calls without refilling. */
    boolean holdsOnlyFinals(long now) {
        return left.requests() > 0 && now < until && !partialSafe;
    }

    /**
     * Fills the lease from a grant, less the permit that asked for it; {@code partialSafe} when the
     * window with the grant charged left the headroom for finals free.
     */
    void fill(ScriptReply reply, long tokens, long in, long out, long now, boolean partialSafe) {
        this.partialSafe = partialSafe;
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

    /** Redis refused: the window is full until then (for partials only, when a partial was refused). */
    void fullUntil(long until, boolean partial) {
        if (partial) {
            partialFullUntil = Math.max(partialFullUntil, until);
        } else {
            fullUntil = Math.max(fullUntil, until);
        }
    }

    /** Until when the window is full for a final, or for a partial (whose window is full when a final's is). */
    long fullUntil(boolean partial) {
        return partial ? Math.max(fullUntil, partialFullUntil) : fullUntil;
    }

    /** Drops the lease and the full marks (Redis lost, or back). */
    void drop() {
        left = Amounts.ZERO;
        notFull();
    }

    /** Forgets the full marks only. */
    void notFull() {
        fullUntil = 0;
        partialFullUntil = 0;
    }
}
