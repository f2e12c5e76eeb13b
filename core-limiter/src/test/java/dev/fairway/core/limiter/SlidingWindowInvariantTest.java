package dev.fairway.core.limiter;

import dev.fairway.test.support.ManualClock;
import static org.junit.jupiter.api.Assertions.fail;

import dev.fairway.api.RateLimitFeedback;
import dev.fairway.api.SessionId;
import dev.fairway.api.TokenUsage;
import dev.fairway.api.limit.Permits;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * The global invariant under thousands of randomized schedules: in every 60 s window, admitted
 * requests <= RPM and admitted tokens (after refunds) <= TPM. An independent oracle keeps every
 * admission with its time and slides a 60 s window over them; it knows nothing of buckets. With
 * separate input and output limits, the same holds for input and output tokens. Partials, asked for
 * with a random headroom for finals, find the window ending at them within the limits less that
 * headroom; transfers between sessions change no window.
 */
class SlidingWindowInvariantTest {

    private static final long WINDOW = Duration.ofSeconds(60).toNanos();
    private static final Duration[] WIDTHS = {
        Duration.ofMillis(100), Duration.ofMillis(50), Duration.ofSeconds(1), Duration.ofSeconds(3)};

    /** One admission as the oracle sees it; refunds lower it, nothing raises it. */
    private static final class Admission {
        final long time;
        final SessionId session;
        final long permit;
        final int estimate;
        long requests = 1;
        long tokens;
        long in;
        long out;
        boolean settled;

        Admission(long time, SessionId session, long permit, int estimate, long in, long out) {
            this.time = time;
            this.session = session;
            this.permit = permit;
            this.estimate = estimate;
            this.tokens = estimate;
            this.in = in;
            this.out = out;
        }
    }

    @Test
    void noSixtySecondWindowEverExceedsTheLimits() {
        long base = 0x5EED_0003L;
        for (int i = 0; i < 3000; i++) {
            runSchedule(base + i, false);
        }
    }

    @Test
    void noSixtySecondWindowEverExceedsTheSeparateInputAndOutputLimits() {
        long base = 0x5EED_1003L;
        for (int i = 0; i < 1500; i++) {
            runSchedule(base + i, true);
        }
    }

    private static void runSchedule(long seed, boolean split) {
        Random random = new Random(seed);
        long rpm = 1 + random.nextInt(40);
        long tpm = 1 + random.nextInt(3000);
        // 0: not limited apart; at least one of them is when split.
        long ipm = split && random.nextInt(3) > 0 ? 1 + random.nextInt(2000) : 0;
        long opm = split && (ipm == 0 || random.nextBoolean()) ? 1 + random.nextInt(1000) : 0;
        long inCap = ipm > 0 ? ipm : Long.MAX_VALUE;
        long outCap = opm > 0 ? opm : Long.MAX_VALUE;
        FairSharePolicy policy = FairSharePolicy.values()[random.nextInt(3)];
        Duration width = WIDTHS[random.nextInt(WIDTHS.length)];
        int headroom = switch (random.nextInt(3)) {
            case 0 -> 0;
            case 1 -> RateLimiterSettings.DEFAULT_FINAL_HEADROOM_PERCENT;
            default -> random.nextInt(RateLimiterSettings.MAX_FINAL_HEADROOM_PERCENT + 1);
        };
        ManualClock clock = ManualClock.wall();
        clock.advanceNanos(random.nextInt(1_000_000_000));
        FairShareRateLimiter limiter = FairShareRateLimiter.builder()
                .requestsPerMinute(rpm).tokensPerMinute(tpm).policy(policy).bucketWidth(width)
                .inputTokensPerMinute(ipm).outputTokensPerMinute(opm).finalHeadroom(headroom)
                .idleTimeout(Duration.ofSeconds(5 + random.nextInt(300)))
                .contentionTimeout(Duration.ofMillis(100 + random.nextInt(10_000)))
                .clock(clock).build();
        String context = "seed " + seed + " (rpm " + rpm + ", tpm " + tpm + ", input " + ipm + ", output " + opm
                + ", " + policy + ", buckets " + width + ", headroom " + headroom + "%)";
        RateLimiterSettings settings = limiter.settings();
        int sessionCount = 1 + random.nextInt(6);
        List<SessionId> sessions = new ArrayList<>();
        for (int s = 0; s < sessionCount; s++) {
            sessions.add(SessionId.of("s" + s));
            if (random.nextBoolean()) {
                limiter.openSession(sessions.get(s), 1 + random.nextInt(4));
            }
        }
        List<Admission> admissions = new ArrayList<>();
        List<Admission> open = new ArrayList<>();
        long now = 0;
        for (int step = 0; step < 400; step++) {
            int action = random.nextInt(100);
            SessionId session = sessions.get(random.nextInt(sessionCount));
            if (action < 60) {
                boolean partial = random.nextBoolean();
                int estimate;
                long in;
                long out;
                long result;
                if (split && random.nextBoolean()) {
                    // Split: each part within its own limit, the sum within tpm.
                    in = random.nextInt((int) Math.min(Math.min(inCap, tpm), 300) + 1);
                    out = random.nextInt((int) Math.min(Math.min(outCap, tpm - in), 300) + 1);
                    if (in + out == 0) {
                        continue;
                    }
                    estimate = (int) (in + out);
                    result = partial ? limiter.tryAcquirePartial(session, (int) in, (int) out)
                            : limiter.tryAcquire(session, (int) in, (int) out);
                } else {
                    long most = Math.min(tpm, 400);
                    if (ipm > 0 && opm > 0) {
                        most = Math.min(most, Math.max(ipm, opm));
                    }
                    estimate = 1 + random.nextInt((int) most);
                    in = Math.min(estimate, inCap);
                    out = Math.min(estimate, outCap);
                    result = partial ? limiter.tryAcquirePartial(session, estimate)
                            : limiter.tryAcquire(session, estimate);
                }
                if (Permits.isGranted(result)) {
                    Admission a = new Admission(now, session, result, estimate, in, out);
                    admissions.add(a);
                    open.add(a);
                    check(admissions, rpm, tpm, ipm, opm, context + ", step " + step);
                    if (partial) {
                        // The window a partial was admitted into left the finals' headroom free.
                        check(admissions, Math.max(1, settings.partialPart(rpm)),
                                Math.max(estimate, settings.partialPart(tpm)),
                                ipm == 0 ? 0 : Math.max(in, settings.partialPart(ipm)),
                                opm == 0 ? 0 : Math.max(out, settings.partialPart(opm)),
                                context + ", partial at step " + step);
                    }
                }
            } else if (action < 72 && !open.isEmpty()) {
                Admission a = open.remove(random.nextInt(open.size()));
                if (split) {
                    // Never above an estimate (a usage above it is charged but cannot be undone).
                    int prompt = random.nextInt((int) Math.min(a.in, a.estimate) + 1);
                    int completion = random.nextInt((int) Math.min(a.out, a.estimate - prompt) + 1);
                    TokenUsage usage = TokenUsage.of(prompt, completion);
                    limiter.reconcile(a.session, a.permit, usage);
                    // A part reported as 0 keeps its estimate.
                    a.tokens = usage.totalTokens() == 0 ? a.tokens : usage.totalTokens();
                    a.in = prompt == 0 ? a.in : prompt;
                    a.out = completion == 0 ? a.out : completion;
                } else {
                    int actual = random.nextInt(a.estimate + 1);
                    limiter.reconcile(a.session, a.permit, actual);
                    a.tokens = actual == 0 ? a.tokens : actual; // 0 is no refund
                }
            } else if (action < 78 && !open.isEmpty()) {
                Admission a = open.remove(random.nextInt(open.size()));
                boolean reached = random.nextBoolean();
                limiter.cancel(a.session, a.permit, reached);
                if (!reached) {
                    a.requests = 0;
                    a.tokens = 0;
                    a.in = 0;
                    a.out = 0;
                }
            } else if (action < 82) {
                var feedback = RateLimitFeedback.builder();
                if (random.nextBoolean()) {
                    feedback.requestsRemaining(random.nextInt((int) rpm + 1))
                            .requestsReset(Duration.ofMillis(random.nextInt(90_000)));
                }
                if (random.nextBoolean()) {
                    feedback.tokensRemaining(random.nextInt((int) tpm + 1));
                }
                if (split && random.nextBoolean()) {
                    feedback.inputTokenLimit(3000).inputTokensRemaining(random.nextInt(3001))
                            .inputTokensReset(Duration.ofMillis(random.nextInt(90_000)));
                }
                if (split && random.nextBoolean()) {
                    feedback.outputTokensRemaining(random.nextInt(1001));
                }
                limiter.onFeedback(feedback.build());
            } else if (action < 83 && !admissions.isEmpty()) {
                // A batch's tokens to another session: only the sessions' usage moves.
                Admission a = admissions.get(random.nextInt(admissions.size()));
                limiter.transfer(a.session, a.permit, sessions.get(random.nextInt(sessionCount)),
                        random.nextInt(a.estimate + 1));
            } else if (action < 84) {
                limiter.onRateLimited(RateLimitFeedback.builder()
                        .retryAfter(Duration.ofMillis(random.nextInt(3000))).build());
            } else if (action < 86) {
                if (random.nextBoolean()) {
                    limiter.closeSession(session);
                } else {
                    limiter.openSession(session, 1 + random.nextInt(4));
                }
            } else {
                long advance = switch (random.nextInt(5)) {
                    case 0 -> random.nextInt(70_000) * 1_000_000L;
                    case 1 -> width.toNanos() - Math.floorMod(now, width.toNanos()) - random.nextInt(2);
                    case 2 -> WINDOW - random.nextInt(3);
                    default -> random.nextInt(300) * 1_000_000L + random.nextInt(1000);
                };
                advance = Math.max(0, advance);
                clock.advanceNanos(advance);
                now += advance;
            }
        }
        for (Admission a : admissions) {
            a.settled = true;
        }
        checkAllWindows(admissions, rpm, tpm, ipm, opm, context);
    }

    /** The window ending at the newest admission. */
    private static void check(List<Admission> admissions, long rpm, long tpm, long ipm, long opm, String context) {
        long end = admissions.get(admissions.size() - 1).time;
        long requests = 0;
        long tokens = 0;
        long in = 0;
        long out = 0;
        for (int i = admissions.size() - 1; i >= 0 && admissions.get(i).time > end - WINDOW; i--) {
            requests += admissions.get(i).requests;
            tokens += admissions.get(i).tokens;
            in += admissions.get(i).in;
            out += admissions.get(i).out;
        }
        if (requests > rpm || tokens > tpm || (ipm > 0 && in > ipm) || (opm > 0 && out > opm)) {
            fail(context + ": window ending at " + end + " ns holds " + requests + " requests, " + tokens
                    + " tokens, " + in + " input and " + out + " output tokens");
        }
    }

    /** Every window, with the final (refunded) amounts: the maximum is at a window ending at an admission. */
    private static void checkAllWindows(List<Admission> admissions, long rpm, long tpm, long ipm, long opm,
            String context) {
        for (int i = 0; i < admissions.size(); i++) {
            check(admissions.subList(0, i + 1), rpm, tpm, ipm, opm, context + ", final");
        }
    }
}
