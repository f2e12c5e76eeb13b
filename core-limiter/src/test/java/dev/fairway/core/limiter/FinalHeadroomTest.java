package dev.fairway.core.limiter;

import dev.fairway.test.support.ManualClock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fairway.api.SessionId;
import dev.fairway.api.limit.Permits;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * Finals first: partials ({@code tryAcquirePartial}) leave a headroom of every limit and of every
 * session's share free for finals ({@code tryAcquire}), under every policy, in requests and in tokens;
 * their refusals say exactly when they fit; a headroom of 0 admits partials like finals.
 */
class FinalHeadroomTest {

    private static final SessionId A = SessionId.of("a");
    private static final SessionId B = SessionId.of("b");

    private final ManualClock clock = ManualClock.wall();

    private FairShareRateLimiter.Builder limiter() {
        return FairShareRateLimiter.builder().clock(clock);
    }

    private static void assertGranted(long result) {
        assertTrue(Permits.isGranted(result), "expected a permit, was refused for " + Permits.waitTime(result));
    }

    private static void assertRefused(long result) {
        assertFalse(Permits.isGranted(result), "expected a refusal, got permit " + result);
    }

    /** Partials until the first refusal; returns how many were admitted. */
    private static int partialsUntilRefused(FairShareRateLimiter limiter, SessionId session, int tokens) {
        int admitted = 0;
        while (Permits.isGranted(limiter.tryAcquirePartial(session, tokens))) {
            admitted++;
        }
        return admitted;
    }

    @Test
    void defaultHeadroomIsTwentyPercentAndOutOfRangeIsNamed() {
        assertEquals(20, FairShareRateLimiter.builder().build().settings().finalHeadroomPercent());
        var e = assertThrows(IllegalArgumentException.class, () -> FairShareRateLimiter.builder().finalHeadroom(91));
        assertEquals("finalHeadroom must be 0 to 90 percent, was 91", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> FairShareRateLimiter.builder().finalHeadroom(-1));
        assertEquals(0, FairShareRateLimiter.builder().finalHeadroom(0).build().settings().finalHeadroomPercent());
    }

    @Test
    void withoutHeadroomPartialsAreAdmittedLikeFinals() {
        for (FairSharePolicy policy : FairSharePolicy.values()) {
            FairShareRateLimiter limiter = limiter().requestsPerMinute(10).finalHeadroom(0).policy(policy).build();
            limiter.openSession(A, 1);
            assertEquals(10, partialsUntilRefused(limiter, A, 1), policy.toString());
            assertRefused(limiter.tryAcquire(A, 1));
        }
    }

    /** A lone session is capped by no share: the window keeps the headroom, and its finals use it. */
    @Test
    void partialsLeaveTheWindowsHeadroomToFinalsUnderEveryPolicy() {
        for (FairSharePolicy policy : FairSharePolicy.values()) {
            FairShareRateLimiter limiter = limiter().requestsPerMinute(10).finalHeadroom(20).policy(policy).build();
            limiter.openSession(A, 1);
            assertEquals(8, partialsUntilRefused(limiter, A, 1), policy.toString());
            assertGranted(limiter.tryAcquire(A, 1));
            assertGranted(limiter.tryAcquire(A, 1));
            assertRefused(limiter.tryAcquire(A, 1));
            assertRefused(limiter.tryAcquirePartial(A, 1));
        }
    }

    @Test
    void partialsLeaveTheTokenHeadroomToFinals() {
        for (FairSharePolicy policy : FairSharePolicy.values()) {
            FairShareRateLimiter limiter = limiter().tokensPerMinute(1_000).finalHeadroom(25).policy(policy).build();
            limiter.openSession(A, 1);
            assertGranted(limiter.tryAcquirePartial(A, 700));
            assertRefused(limiter.tryAcquirePartial(A, 51));
            assertGranted(limiter.tryAcquirePartial(A, 50));
            assertRefused(limiter.tryAcquirePartial(A, 1));
            assertGranted(limiter.tryAcquire(A, 250));
            assertRefused(limiter.tryAcquire(A, 1));
        }
    }

    /**
     * The window is full for partials at 8 of 10; the first partial leaves it at 60.1 s. Under max-min the
     * refused session contends, and then its share, whose usage is counted in 3 s buckets, decides: the
     * first partial's bucket has left that count at 63 s.
     */
    @Test
    void aPartialsRefusalSaysExactlyWhenItFits() {
        for (FairSharePolicy policy : new FairSharePolicy[] {FairSharePolicy.NONE, FairSharePolicy.MAX_MIN}) {
            ManualClock clock = ManualClock.wall();
            FairShareRateLimiter limiter = FairShareRateLimiter.builder().clock(clock).requestsPerMinute(10)
                    .finalHeadroom(20).policy(policy).build();
            assertGranted(limiter.tryAcquirePartial(A, 1));
            clock.advanceMillis(10_050);
            assertEquals(7, partialsUntilRefused(limiter, A, 1));
            long refusal = limiter.tryAcquirePartial(A, 1);
            assertRefused(refusal);
            assertEquals(Duration.ofMillis((policy == FairSharePolicy.NONE ? 60_100 : 63_000) - 10_050),
                    Permits.waitTime(refusal), policy.toString());
            clock.advanceNanos(Permits.waitNanos(refusal) - 1);
            assertRefused(limiter.tryAcquirePartial(A, 1));
            clock.advanceNanos(1);
            assertGranted(limiter.tryAcquirePartial(A, 1));
        }
    }

    /** Static split: 10 each; a session's partials stop at 8 of its 10, its finals take the other 2. */
    @Test
    void staticSplitKeepsTheHeadroomInEverySessionsShare() {
        FairShareRateLimiter limiter = limiter().requestsPerMinute(20).finalHeadroom(20)
                .policy(FairSharePolicy.STATIC_SPLIT).build();
        limiter.openSession(A, 1);
        limiter.openSession(B, 1);
        assertEquals(8, partialsUntilRefused(limiter, A, 1));
        assertEquals(8, partialsUntilRefused(limiter, B, 1));
        for (SessionId session : new SessionId[] {A, B}) {
            assertGranted(limiter.tryAcquire(session, 1));
            assertGranted(limiter.tryAcquire(session, 1));
            assertRefused(limiter.tryAcquire(session, 1));
        }
    }

    @Test
    void staticSplitShareRefusalOfAPartialSaysExactlyWhenItFits() {
        FairShareRateLimiter limiter = limiter().requestsPerMinute(20).tokensPerMinute(2_000).finalHeadroom(20)
                .policy(FairSharePolicy.STATIC_SPLIT).build();
        limiter.openSession(A, 1);
        limiter.openSession(B, 1);
        assertGranted(limiter.tryAcquirePartial(A, 500));
        clock.advanceMillis(7_000);
        assertGranted(limiter.tryAcquirePartial(A, 300));
        // Its share is 1,000 tokens, 800 of them for partials.
        long refusal = limiter.tryAcquirePartial(A, 100);
        assertRefused(refusal);
        assertGranted(limiter.tryAcquire(A, 100));
        refusal = limiter.tryAcquirePartial(A, 100);
        assertRefused(refusal);
        clock.advanceNanos(Permits.waitNanos(refusal) - 1);
        assertRefused(limiter.tryAcquirePartial(A, 100));
        clock.advanceNanos(1);
        assertGranted(limiter.tryAcquirePartial(A, 100));
    }

    /**
     * The case on a fake clock: 10 sessions, 600 RPM (a share of 60 each), each asking a partial
     * every 250 ms (each replacing the last: a refused one is dropped) and a final every 5 s (12 a
     * minute, a fifth of its share). Nothing paces the partials: they fill the window for partials in
     * 12 s, and nothing slides out for most of a minute, the worst case for finals. With the default
     * headroom no final is refused; without one (the negative control) the sessions' own partials fill
     * their shares and finals wait.
     */
    @Test
    void finalsOfSessionsSaturatedWithPartialsAreNotRefused() {
        assertEquals(0, refusedFinals(RateLimiterSettings.DEFAULT_FINAL_HEADROOM_PERCENT));
        long withoutHeadroom = refusedFinals(0);
        assertTrue(withoutHeadroom > 100, "finals refused without headroom: " + withoutHeadroom);
    }

    private static long refusedFinals(int headroom) {
        ManualClock clock = ManualClock.wall();
        FairShareRateLimiter limiter = FairShareRateLimiter.builder().clock(clock).requestsPerMinute(600)
                .tokensPerMinute(1_800_000).finalHeadroom(headroom).build();
        List<SessionId> sessions = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            sessions.add(SessionId.of("s" + i));
            limiter.openSession(sessions.get(i), 1);
        }
        long refused = 0;
        for (int step = 0; step < 4 * 60 * 3; step++) { // three minutes of 250 ms steps
            clock.advanceMillis(250);
            for (int i = 0; i < sessions.size(); i++) {
                SessionId s = sessions.get(i);
                // Finals every 5 s, staggered between the sessions.
                if ((step + 2 * i) % 20 == 0 && !Permits.isGranted(limiter.tryAcquire(s, 300))) {
                    refused++;
                }
                limiter.tryAcquirePartial(s, 200);
            }
        }
        return refused;
    }

    /** A partial refused for the headroom shows demand: the session contends and the others' levels count it. */
    @Test
    void aPartialRefusedForTheHeadroomContends() {
        FairShareRateLimiter limiter = limiter().requestsPerMinute(100).finalHeadroom(20).build();
        limiter.openSession(A, 1);
        limiter.openSession(B, 1);
        assertEquals(80, partialsUntilRefused(limiter, A, 1));
        // A contends: B's level is half the limit, not what A's usage leaves (20).
        assertEquals(50, limiter.stats().sessionStats().get(B).fairShareRPM());
    }

    /** Max-min with contention: a session's partials stop at 80% of its level, its finals still fit. */
    @Test
    void maxMinKeepsTheHeadroomInAContendingSessionsLevel() {
        FairShareRateLimiter limiter = limiter().requestsPerMinute(100).finalHeadroom(20).build();
        limiter.openSession(A, 1);
        limiter.openSession(B, 1);
        // B asks for finals beyond its level: it contends, and so the levels are 50 each.
        int finals = 0;
        while (Permits.isGranted(limiter.tryAcquire(B, 1))) {
            finals++;
        }
        assertEquals(100, finals);
        clock.advanceMillis(60_100);
        assertEquals(40, partialsUntilRefused(limiter, A, 1));
        for (int i = 0; i < 10; i++) {
            assertGranted(limiter.tryAcquire(A, 1));
        }
        assertRefused(limiter.tryAcquire(A, 1));
        assertEquals(50, limiter.stats().sessionStats().get(A).fairShareRPM());
    }

    /** A partial does not take the place of a final waiting with a reservation, not even its own session's. */
    @Test
    void aPartialDoesNotOvertakeAWaitingFinal() {
        FairShareRateLimiter limiter = limiter().requestsPerMinute(10).finalHeadroom(20).build();
        limiter.openSession(A, 1);
        limiter.openSession(B, 1);
        for (int i = 0; i < 3; i++) {
            assertGranted(limiter.tryAcquire(A, 1));
        }
        clock.advanceMillis(1_000);
        for (int i = 0; i < 7; i++) {
            assertGranted(limiter.tryAcquire(A, 1));
        }
        assertRefused(limiter.tryAcquire(A, 1)); // A contends: the levels are 5 each
        // B is under its level: its refused final waits with a reservation for the next room.
        long finalRefusal = limiter.tryAcquire(B, 1);
        assertRefused(finalRefusal);
        clock.advanceNanos(Permits.waitNanos(finalRefusal));
        // A's first 3 have left: the window holds 7. B's partial needs room for itself beyond the
        // reservation (7 + 1 + 1 > 8), so it is refused; the final needs room for itself only.
        assertRefused(limiter.tryAcquirePartial(B, 1));
        assertGranted(limiter.tryAcquire(B, 1));
    }

    @Test
    void separateInputAndOutputWindowsKeepTheHeadroomToo() {
        FairShareRateLimiter limiter = limiter().tokensPerMinute(10_000).inputTokensPerMinute(1_000)
                .outputTokensPerMinute(500).finalHeadroom(20).build();
        assertGranted(limiter.tryAcquirePartial(A, 100, 400));
        assertRefused(limiter.tryAcquirePartial(A, 0, 1)); // output: 401 > 400
        assertGranted(limiter.tryAcquirePartial(A, 700, 0));
        assertRefused(limiter.tryAcquirePartial(A, 1, 0)); // input: 801 > 800
        assertGranted(limiter.tryAcquire(A, 200, 100));
        assertRefused(limiter.tryAcquire(A, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> limiter.tryAcquirePartial(A, -1, 1));
    }

    @Test
    void withoutSeparateWindowsASplitPartialIsAPartialOfTheSum() {
        FairShareRateLimiter limiter = limiter().tokensPerMinute(1_000).finalHeadroom(20).build();
        assertGranted(limiter.tryAcquirePartial(A, 300, 500));
        assertRefused(limiter.tryAcquirePartial(A, 0, 1));
        assertGranted(limiter.tryAcquire(A, 100, 100));
    }

    /** A partial larger than the partials' part of a window is not refused for ever: it needs the window to itself. */
    @Test
    void aPartialLargerThanThePartialsPartNeedsAnEmptyWindow() {
        FairShareRateLimiter limiter = limiter().tokensPerMinute(1_000).finalHeadroom(20).build();
        assertGranted(limiter.tryAcquirePartial(A, 900));
        assertRefused(limiter.tryAcquirePartial(A, 900));
        // The session's usage, counted in 3 s buckets for its share, has left too.
        clock.advanceMillis(63_000);
        assertGranted(limiter.tryAcquirePartial(A, 1));
        assertRefused(limiter.tryAcquirePartial(A, 900));
    }
}
