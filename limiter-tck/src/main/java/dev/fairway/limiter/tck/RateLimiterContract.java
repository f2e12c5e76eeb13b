package dev.fairway.limiter.tck;

import dev.fairway.test.support.ManualClock;
import dev.fairway.api.RateLimitFeedback;
import dev.fairway.api.SessionId;
import dev.fairway.api.TokenUsage;
import dev.fairway.api.limit.Permits;
import dev.fairway.api.limit.RateLimiter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Random;
import java.util.random.RandomGenerator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The contract of a {@link RateLimiter} store, run by every store's tests: extend it and build the
 * store's limiter in {@link #create}. It checks, through the {@code RateLimiter} interface only, the
 * sliding-window invariant under randomized schedules (against an oracle that knows no buckets),
 * max-min fairness (and, as a negative control, that the same check fails without fair share), how
 * provider feedback moves the limiter (429 pauses, back-off, reset headers, calibration with the safety
 * margin, a usage of 0), separate input and output token budgets, the headroom partials leave for finals
 * ({@link RateLimiter#tryAcquirePartial}) and batches' transfers ({@link RateLimiter#transfer}). A store
 * that keeps no headroom or does not transfer (the interface's defaults) says so with
 * {@link #keepsFinalHeadroom()} or {@link #transfersUsage()}, and those cases are skipped.
 *
 * <p>A store that decides on shared state (Redis) is exact when it takes no permits ahead (no lease)
 * and does not pace: {@link #create} should build it so. Every limiter it returns that is
 * {@link AutoCloseable} is closed after the test.
 */
public abstract class RateLimiterContract {

    /** A session of the contract's cases. */
    protected static final SessionId A = SessionId.of("a");
    /** Another session of the contract's cases. */
    protected static final SessionId B = SessionId.of("b");
    /** Jitter that takes nothing off, so that back-off pauses are exact. */
    protected static final RandomGenerator NO_JITTER = () -> 0L;
    private static final long WINDOW_NANOS = Duration.ofMinutes(1).toNanos();

    /** The clock every limiter of a case runs on. */
    protected final ManualClock clock = ManualClock.wall();
    private final List<RateLimiter> created = new ArrayList<>();

    /** For subclasses. */
    protected RateLimiterContract() {
    }

    /**
     * Builds the store's limiter with these settings on this clock, exact (no permits taken ahead), the
     * back-off's jitter from {@link ContractSettings#random()}, everything else at the store's defaults.
     *
     * @param settings the settings of the case
     * @param clock the case's clock
     * @return a new limiter with a state of its own
     */
    protected abstract RateLimiter create(ContractSettings settings, ManualClock clock);

    /**
     * Randomized schedules of {@link #noSixtySecondWindowEverExceedsTheLimits}; a store whose every
     * call is a round trip may run fewer.
     *
     * @return the number of schedules, >= 1
     */
    protected int randomizedSchedules() {
        return 300;
    }

    /**
     * Whether the store keeps the headroom for finals it is configured with
     * ({@link ContractSettings#finalHeadroomPercent}); a store that admits partials like finals (the
     * interface's default) returns {@code false}, and the cases about finals first are skipped.
     *
     * @return {@code true} (the default) when the store keeps it
     */
    protected boolean keepsFinalHeadroom() {
        return true;
    }

    /**
     * Whether {@link RateLimiter#transfer} moves usage between sessions; a store that leaves every token
     * with the permit's session (the interface's default) returns {@code false}, and the cases about
     * transfers are skipped.
     *
     * @return {@code true} (the default) when the store transfers
     */
    protected boolean transfersUsage() {
        return true;
    }

    /**
     * Default settings without jitter.
     *
     * @return the settings
     */
    protected static ContractSettings settings() {
        return ContractSettings.DEFAULTS;
    }

    private RateLimiter limiter(ContractSettings settings) {
        RateLimiter limiter = create(settings, clock);
        created.add(limiter);
        return limiter;
    }

    @AfterEach
    void closeLimiters() throws Exception {
        for (RateLimiter limiter : created) {
            if (limiter instanceof AutoCloseable closeable) {
                closeable.close();
            }
        }
        created.clear();
    }

    private static void assertGranted(long result) {
        assertTrue(Permits.isGranted(result), "expected a permit, was refused for " + Permits.waitTime(result));
    }

    private static void assertRefused(long result) {
        assertFalse(Permits.isGranted(result), "expected a refusal, got permit " + result);
    }

    // ---- the sliding-window invariant ----

    /** One admission as the oracle sees it: refunds lower it, nothing raises it. */
    private static final class Admission {
        final long time;
        final SessionId session;
        final long permit;
        long requests = 1;
        long tokens;

        Admission(long time, SessionId session, long permit, long tokens) {
            this.time = time;
            this.session = session;
            this.permit = permit;
            this.tokens = tokens;
        }
    }

    @Test
    void noSixtySecondWindowEverExceedsTheLimits() {
        long base = 0x5EED_7C00L;
        for (int i = 0; i < randomizedSchedules(); i++) {
            runSchedule(base + i);
        }
    }

    private void runSchedule(long seed) {
        Random random = new Random(seed);
        long rpm = 1 + random.nextInt(30);
        long tpm = 1 + random.nextInt(2_000);
        ContractSettings.Policy policy = ContractSettings.Policy.values()[random.nextInt(3)];
        RateLimiter limiter = limiter(settings().requestsPerMinute(rpm).tokensPerMinute(tpm).policy(policy));
        SessionId[] sessions = {SessionId.of("s0"), SessionId.of("s1"), SessionId.of("s2")};
        List<Admission> admissions = new ArrayList<>();
        Deque<Admission> open = new ArrayDeque<>();
        long start = clock.nanoTime();
        for (int step = 0; step < 120; step++) {
            clock.advanceNanos(random.nextInt(4) == 0 ? random.nextLong(1, 5_000_000_000L) : random.nextLong(1, 300_000_000L));
            SessionId session = sessions[random.nextInt(sessions.length)];
            int estimate = 1 + random.nextInt((int) Math.min(tpm, 400));
            long permit = limiter.tryAcquire(session, estimate);
            if (Permits.isGranted(permit)) {
                Admission a = new Admission(clock.nanoTime() - start, session, permit, estimate);
                admissions.add(a);
                open.add(a);
            }
            if (!open.isEmpty() && random.nextInt(3) == 0) {
                Admission a = open.poll();
                switch (random.nextInt(4)) {
                    case 0 -> {
                        limiter.cancel(a.session, a.permit, false);
                        a.requests = 0;
                        a.tokens = 0;
                    }
                    case 1 -> limiter.cancel(a.session, a.permit, true);
                    default -> {
                        int actual = random.nextInt((int) (2 * a.tokens) + 1);
                        limiter.reconcile(a.session, a.permit, actual);
                        if (actual > 0) {
                            a.tokens = Math.min(a.tokens, actual);
                        }
                    }
                }
            }
            check(seed, admissions, rpm, tpm);
        }
    }

    /** Every window that ends at an admission (where a window's maximum is) holds at most the limits. */
    private static void check(long seed, List<Admission> admissions, long rpm, long tpm) {
        for (int end = 0; end < admissions.size(); end++) {
            long until = admissions.get(end).time;
            long requests = 0;
            long tokens = 0;
            for (int i = end; i >= 0 && admissions.get(i).time > until - WINDOW_NANOS; i--) {
                requests += admissions.get(i).requests;
                tokens += admissions.get(i).tokens;
            }
            if (requests > rpm || tokens > tpm) {
                fail("seed " + seed + ": the 60 s window ending at " + until + " ns holds " + requests + " requests (limit "
                        + rpm + ") and " + tokens + " tokens (limit " + tpm + ")");
            }
        }
    }

    // ---- fairness ----

    /** A heavy session asking ten times as often as a light one, both always wanting more: each gets half. */
    @Test
    void maxMinGivesASessionThatAsksLessOftenItsShare() {
        assertTrue(lightShare(ContractSettings.Policy.MAX_MIN) >= 0.4, "the light session's share under MAX_MIN");
    }

    /** The negative control: the same schedule without fair share goes by arrival, and the check fails. */
    @Test
    void withoutFairShareTheSameCheckFails() {
        assertTrue(lightShare(ContractSettings.Policy.NONE) < 0.4, "the light session's share under NONE");
    }

    /** The light session's share of the admissions of the third minute. */
    private double lightShare(ContractSettings.Policy policy) {
        RateLimiter limiter = limiter(settings().requestsPerMinute(60).tokensPerMinute(1_000_000).policy(policy));
        limiter.openSession(A, 1);
        limiter.openSession(B, 1);
        long heavy = 0;
        long light = 0;
        for (int tick = 0; tick < 3 * 600; tick++) {
            clock.advanceMillis(100);
            boolean counted = tick >= 2 * 600;
            for (int i = 0; i < 10; i++) {
                if (Permits.isGranted(limiter.tryAcquire(A, 10)) && counted) {
                    heavy++;
                }
            }
            if (Permits.isGranted(limiter.tryAcquire(B, 10)) && counted) {
                light++;
            }
        }
        assertTrue(heavy + light > 0, "nothing admitted in the third minute");
        return (double) light / (heavy + light);
    }

    // ---- provider feedback ----

    /** Six minutes to a full refill is no reason to stop every session for six minutes. */
    @Test
    void rateLimitedWithExhaustedRequestsAndLongResetBacksOffInsteadOfPausingUntilTheReset() {
        RateLimiter limiter = limiter(settings());
        limiter.onRateLimited(RateLimitFeedback.builder()
                .requestsRemaining(0).requestsReset(Duration.ofMinutes(6)).build());
        long refusal = limiter.tryAcquire(A, 10);
        assertRefused(refusal);
        assertEquals(Duration.ofMillis(500), Permits.waitTime(refusal));
        clock.advanceNanos(Permits.waitNanos(refusal));
        // The window was calibrated (nothing left), but it refills as the provider does.
        assertGranted(limiter.tryAcquire(A, 10));
        assertGranted(limiter.tryAcquire(B, 10));
        assertFalse(limiter.stats().rateLimited());
    }

    @Test
    void resetHeadersNeverPauseEvenWhenALimitIsExhausted() {
        RateLimiter limiter = limiter(settings());
        limiter.onFeedback(RateLimitFeedback.builder()
                .requestLimit(5_000).requestsRemaining(0).requestsReset(Duration.ofMinutes(6))
                .tokenLimit(2_000_000).tokensRemaining(0).tokensReset(Duration.ofMinutes(6)).build());
        long refusal = limiter.tryAcquire(A, 10);
        assertFalse(limiter.stats().rateLimited());
        // Refused by the calibrated window (for a bucket), not by a pause of minutes.
        assertTrue(Permits.waitTime(refusal).compareTo(Duration.ofMillis(200)) <= 0, Permits.waitTime(refusal).toString());
        clock.advanceMillis(1_000);
        assertGranted(limiter.tryAcquire(A, 10));
    }

    @Test
    void retryAfterIsCappedAtTheMaximum() {
        RateLimiter limiter = limiter(settings());
        limiter.onRateLimited(RateLimitFeedback.builder().retryAfter(Duration.ofHours(1)).build());
        assertEquals(Duration.ofSeconds(60), Permits.waitTime(limiter.tryAcquire(A, 1)));

        RateLimiter capped = limiter(settings().maxRetryAfter(Duration.ofSeconds(5)));
        capped.onRateLimited(RateLimitFeedback.builder().retryAfter(Duration.ofSeconds(30)).build());
        assertEquals(Duration.ofSeconds(5), Permits.waitTime(capped.tryAcquire(A, 1)));
        clock.advanceMillis(5_000);
        assertGranted(capped.tryAcquire(A, 1));
    }

    @Test
    void consecutiveRateLimitsBackOffExponentiallyUpToEightSecondsAndASuccessStartsAgain() {
        RateLimiter limiter = limiter(settings());
        long[] expectedMillis = {500, 1_000, 2_000, 4_000, 8_000, 8_000, 8_000};
        for (long expected : expectedMillis) {
            limiter.onRateLimited(RateLimitFeedback.NONE);
            long refusal = limiter.tryAcquire(A, 1);
            assertEquals(Duration.ofMillis(expected), Permits.waitTime(refusal));
            clock.advanceNanos(Permits.waitNanos(refusal));
        }
        long permit = limiter.tryAcquire(A, 1);
        assertGranted(permit);
        limiter.reconcile(A, permit, 1); // a success
        limiter.onRateLimited(RateLimitFeedback.NONE);
        assertEquals(Duration.ofMillis(500), Permits.waitTime(limiter.tryAcquire(A, 1)));
    }

    /** The budget is 90% of the account: what the account used counts against the 90%, not the provider's 100%. */
    @Test
    void calibrationKeepsTheSafetyMargin() {
        RateLimiter limiter = limiter(settings().requestsPerMinute(90));
        // The account (other clients too) used 50 of its 100; nothing admitted yet.
        limiter.onFeedback(RateLimitFeedback.builder().requestLimit(100).requestsRemaining(50).build());
        int admitted = 0;
        while (Permits.isGranted(limiter.tryAcquire(A, 1))) {
            admitted++;
        }
        assertEquals(40, admitted); // 90 - 50, not the provider's 50
        assertEquals(90, limiter.stats().requestsLastMinute());
    }

    @Test
    void calibrationNeverRaisesTheBudgetAboveTheConfiguredLimit() {
        RateLimiter limiter = limiter(settings().requestsPerMinute(10));
        for (int i = 0; i < 10; i++) {
            assertGranted(limiter.tryAcquire(A, 1));
        }
        limiter.onFeedback(RateLimitFeedback.builder().requestLimit(10_000).requestsRemaining(10_000).build());
        assertRefused(limiter.tryAcquire(A, 1));
        assertEquals(10, limiter.stats().requestsLastMinute());
    }

    @Test
    void zeroUsageIsNotARefund() {
        RateLimiter limiter = limiter(settings());
        limiter.reconcile(A, limiter.tryAcquire(A, 300), 0);
        limiter.reconcile(A, limiter.tryAcquire(A, 200), TokenUsage.NONE);
        limiter.reconcile(A, limiter.tryAcquire(A, 100), TokenUsage.of(30, 20)); // a real report still refunds
        assertGranted(limiter.tryAcquire(A, 1)); // a shared store sends the reconciles with this call
        assertEquals(551, limiter.stats().tokensLastMinute());
    }

    // ---- separate input and output budgets ----

    /** 80,000 output tokens left says nothing about input or combined tokens. */
    @Test
    void outputTokensRemainingCutsOnlyTheOutputBudget() {
        RateLimiter limiter = limiter(settings().inputTokensPerMinute(1_800_000).outputTokensPerMinute(360_000));
        long permit = limiter.tryAcquire(A, 60, 22);
        assertGranted(permit);
        limiter.reconcile(A, permit, TokenUsage.of(60, 22));
        limiter.onFeedback(RateLimitFeedback.builder()
                .inputTokenLimit(2_000_000).inputTokensRemaining(1_999_940)
                .outputTokenLimit(400_000).outputTokensRemaining(80_000).build());
        // The account used 320,000 of its 400,000 output tokens: 40,000 are left to our 360,000.
        assertGranted(limiter.tryAcquire(A, 0, 40_000));
        assertEquals(40_082, limiter.stats().tokensLastMinute());
        assertRefused(limiter.tryAcquire(A, 10, 1));
        // Input is not cut (a shared store asks again once its sync interval has passed since the refusal).
        clock.advanceMillis(1_000);
        assertGranted(limiter.tryAcquire(B, 800_000, 0));
        assertEquals(840_082, limiter.stats().tokensLastMinute());
    }

    /** A refusal may hold back any request until its wait (a shared store asks its server again then). */
    @Test
    void admissionNeedsRoomInEverySeparateBudget() {
        ContractSettings separate = settings().tokensPerMinute(1_000).inputTokensPerMinute(600)
                .outputTokensPerMinute(300);
        RateLimiter input = limiter(separate);
        assertGranted(input.tryAcquire(A, 500, 100));
        assertGranted(input.tryAcquire(A, 100, 200));
        assertRefused(input.tryAcquire(A, 1, 0)); // input: 601 > 600, though output has room
        assertThrows(IllegalArgumentException.class, () -> input.tryAcquire(A, 601, 0));
        assertThrows(IllegalArgumentException.class, () -> input.tryAcquire(A, 0, 301));
        RateLimiter output = limiter(separate);
        assertGranted(output.tryAcquire(A, 100, 250));
        assertRefused(output.tryAcquire(A, 10, 51)); // output: 301 > 300, though input has room
        // The first admissions leave the window at 60.1 s.
        clock.advanceMillis(60_100);
        assertGranted(input.tryAcquire(A, 600, 300));
        assertGranted(output.tryAcquire(A, 600, 300));
    }

    @Test
    void separateBudgetsReconcileWithThePromptAndCompletionTokens() {
        RateLimiter limiter = limiter(settings().tokensPerMinute(10_000)
                .inputTokensPerMinute(1_000).outputTokensPerMinute(500));
        long permit = limiter.tryAcquire(A, 400, 400);
        limiter.reconcile(A, permit, TokenUsage.of(350, 20));
        assertGranted(limiter.tryAcquire(A, 650, 480)); // 1,000 input and 500 output exactly
        assertRefused(limiter.tryAcquire(A, 1, 0));
        assertRefused(limiter.tryAcquire(B, 0, 1));
        assertEquals(1_500, limiter.stats().tokensLastMinute());
        // Without a split the whole estimate is held in each separate window until reconciled.
        clock.advanceMillis(60_100);
        long whole = limiter.tryAcquire(A, 300);
        assertGranted(whole);
        assertRefused(limiter.tryAcquire(A, 0, 201));
        limiter.reconcile(A, whole, TokenUsage.of(250, 50));
        clock.advanceMillis(1_000); // a shared store refused by its server learns of the refund with its next sync
        assertGranted(limiter.tryAcquire(A, 0, 450));
        clock.advanceMillis(1_000);
        long cancelled = limiter.tryAcquire(B, 700, 0);
        assertGranted(cancelled);
        limiter.cancel(B, cancelled, false);
        clock.advanceMillis(1_000);
        assertGranted(limiter.tryAcquire(B, 750, 0));
    }

    // ---- finals first ----

    /** A lone session is capped by no share: its partials stop at the window's limit less the headroom. */
    @Test
    void aFinalIsAdmittedWhereTheHeadroomRefusesAPartial() {
        assumeTrue(keepsFinalHeadroom(), "the store keeps no headroom for finals");
        RateLimiter limiter = limiter(settings().requestsPerMinute(10).finalHeadroomPercent(20));
        limiter.openSession(A, 1);
        for (int i = 0; i < 8; i++) {
            assertGranted(limiter.tryAcquirePartial(A, 1));
        }
        assertRefused(limiter.tryAcquirePartial(A, 1));
        assertGranted(limiter.tryAcquire(A, 1));
        assertGranted(limiter.tryAcquire(A, 1));
        assertRefused(limiter.tryAcquire(A, 1));
        clock.advanceMillis(63_000);
        assertGranted(limiter.tryAcquirePartial(A, 1));
    }

    @Test
    void partialsLeaveTheTokenHeadroomToFinals() {
        assumeTrue(keepsFinalHeadroom(), "the store keeps no headroom for finals");
        RateLimiter limiter = limiter(settings().tokensPerMinute(1_000).finalHeadroomPercent(25));
        assertGranted(limiter.tryAcquirePartial(A, 700));
        assertRefused(limiter.tryAcquirePartial(A, 51));
        assertGranted(limiter.tryAcquire(A, 300));
        assertRefused(limiter.tryAcquire(A, 1));
    }

    /** Static split, 10 each: a session's partials stop at 8 of its share, its finals get the other 2. */
    @Test
    void aSessionWhosePartialsUsedItsShareLessTheHeadroomStillGetsAFinal() {
        assumeTrue(keepsFinalHeadroom(), "the store keeps no headroom for finals");
        RateLimiter limiter = limiter(settings().requestsPerMinute(20).finalHeadroomPercent(20)
                .policy(ContractSettings.Policy.STATIC_SPLIT));
        limiter.openSession(A, 1);
        limiter.openSession(B, 1);
        for (SessionId session : new SessionId[] {A, B}) {
            for (int i = 0; i < 8; i++) {
                assertGranted(limiter.tryAcquirePartial(session, 1));
            }
            assertRefused(limiter.tryAcquirePartial(session, 1));
        }
        for (SessionId session : new SessionId[] {A, B}) {
            assertGranted(limiter.tryAcquire(session, 1));
            assertGranted(limiter.tryAcquire(session, 1));
            assertRefused(limiter.tryAcquire(session, 1));
        }
    }

    /** Without headroom a partial is admitted like a final. */
    @Test
    void withoutHeadroomPartialsAreAdmittedLikeFinals() {
        RateLimiter limiter = limiter(settings().requestsPerMinute(10));
        for (int i = 0; i < 10; i++) {
            assertGranted(limiter.tryAcquirePartial(A, 1));
        }
        assertRefused(limiter.tryAcquirePartial(A, 1));
        assertRefused(limiter.tryAcquire(A, 1));
    }

    // ---- batches ----

    @Test
    void transferMovesTheSessionsUsageAndKeepsTheWindow() {
        assumeTrue(transfersUsage(), "the store does not transfer usage");
        RateLimiter limiter = limiter(settings());
        limiter.openSession(A, 1);
        limiter.openSession(B, 1);
        long permit = limiter.tryAcquire(A, 300);
        assertGranted(permit);
        limiter.reconcile(A, permit, 300);
        limiter.transfer(A, permit, B, 100);
        var stats = limiter.stats();
        assertEquals(1, stats.requestsLastMinute());
        assertEquals(300, stats.tokensLastMinute());
        assertEquals(200, stats.sessionStats().get(A).tokensLastMinute());
        assertEquals(100, stats.sessionStats().get(B).tokensLastMinute());
        assertEquals(0, stats.sessionStats().get(B).requestsLastMinute());
    }

    /** Static split of 1,000 tokens: what A's permit paid for B counts in B's share. */
    @Test
    void transferredTokensCountInTheReceiversShare() {
        assumeTrue(transfersUsage(), "the store does not transfer usage");
        RateLimiter limiter = limiter(settings().tokensPerMinute(1_000).policy(ContractSettings.Policy.STATIC_SPLIT));
        limiter.openSession(A, 1);
        limiter.openSession(B, 1);
        long permit = limiter.tryAcquire(A, 500);
        assertGranted(permit);
        assertRefused(limiter.tryAcquire(A, 1));
        limiter.reconcile(A, permit, 500);
        limiter.transfer(A, permit, B, 200);
        assertGranted(limiter.tryAcquire(A, 200));
        assertGranted(limiter.tryAcquire(B, 300));
        assertRefused(limiter.tryAcquire(B, 1));
    }

    /** The separate input and output windows keep what the permit reserved. */
    @Test
    void transferLeavesTheSeparateBudgetsAsTheyWere() {
        assumeTrue(transfersUsage(), "the store does not transfer usage");
        RateLimiter limiter = limiter(settings().tokensPerMinute(10_000).inputTokensPerMinute(1_000)
                .outputTokensPerMinute(500));
        limiter.openSession(A, 1);
        limiter.openSession(B, 1);
        long permit = limiter.tryAcquire(A, 300, 100);
        assertGranted(permit);
        limiter.reconcile(A, permit, TokenUsage.of(300, 100));
        limiter.transfer(A, permit, B, 150);
        assertEquals(150, limiter.stats().sessionStats().get(B).tokensLastMinute());
        assertGranted(limiter.tryAcquire(B, 700, 400));
        assertEquals(1_500, limiter.stats().tokensLastMinute());
        assertRefused(limiter.tryAcquire(B, 1, 0));
    }
}
