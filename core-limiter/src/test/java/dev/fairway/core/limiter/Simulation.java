package dev.fairway.core.limiter;

import dev.fairway.test.support.ManualClock;
import dev.fairway.api.SessionId;
import dev.fairway.api.limit.Permits;
import dev.fairway.api.limit.RateLimiter;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Drives a limiter with sessions of given demand on a fake clock, step by step, and counts what each
 * session was admitted. Deterministic: the order of asks within a step is shuffled with a fixed seed.
 */
final class Simulation {

    /**
     * One session's behaviour.
     *
     * @param weight its fair-share weight
     * @param asksPerStep how many times it asks in one step while it has work (its aggressiveness)
     * @param arrivalEverySteps 0 for an endless backlog, otherwise one new request every so many steps
     */
    record Demand(int weight, int asksPerStep, int arrivalEverySteps) {
        static Demand backlogged(int asksPerStep) {
            return new Demand(1, asksPerStep, 0);
        }

        static Demand paced(int arrivalEverySteps) {
            return new Demand(1, 1, arrivalEverySteps);
        }

        Demand weighted(int w) {
            return new Demand(w, asksPerStep, arrivalEverySteps);
        }
    }

    /**
     * What happened in the measured interval.
     *
     * @param admitted per session, requests admitted
     * @param maxBacklog per session, the most requests it had waiting at once
     * @param minutes the length of the measured interval in minutes
     */
    record Result(long[] admitted, long[] maxBacklog, double minutes) {
        double perMinute(int session) {
            return admitted[session] / minutes;
        }

        double totalPerMinute() {
            long sum = 0;
            for (long a : admitted) {
                sum += a;
            }
            return sum / minutes;
        }

        /** Jain's fairness index of the given sessions' admissions, 1.0 for perfectly equal. */
        double jain(int... sessions) {
            double sum = 0;
            double squares = 0;
            for (int s : sessions) {
                sum += admitted[s];
                squares += (double) admitted[s] * admitted[s];
            }
            return sum * sum / (sessions.length * squares);
        }

        double jainOfAll() {
            int[] all = new int[admitted.length];
            for (int i = 0; i < all.length; i++) {
                all[i] = i;
            }
            return jain(all);
        }
    }

    private Simulation() {
    }

    static Result run(RateLimiter limiter, ManualClock clock, List<Demand> demands, int tokensPerRequest,
            Duration step, Duration total, Duration measureFrom, long seed) {
        Random random = new Random(seed);
        int n = demands.size();
        SessionId[] ids = new SessionId[n];
        long[] backlog = new long[n];
        long[] admitted = new long[n];
        long[] maxBacklog = new long[n];
        List<Integer> asks = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids[i] = SessionId.of("session-" + i);
            limiter.openSession(ids[i], demands.get(i).weight());
            backlog[i] = demands.get(i).arrivalEverySteps() == 0 ? Long.MAX_VALUE : 0;
            for (int k = 0; k < demands.get(i).asksPerStep(); k++) {
                asks.add(i);
            }
        }
        long steps = total.toNanos() / step.toNanos();
        long measureStep = measureFrom.toNanos() / step.toNanos();
        for (long t = 0; t < steps; t++) {
            for (int i = 0; i < n; i++) {
                int every = demands.get(i).arrivalEverySteps();
                if (every > 0 && t % every == 0) {
                    backlog[i]++;
                }
                if (t >= measureStep && backlog[i] != Long.MAX_VALUE) {
                    maxBacklog[i] = Math.max(maxBacklog[i], backlog[i]);
                }
            }
            Collections.shuffle(asks, random);
            for (int i : asks) {
                if (backlog[i] == 0) {
                    continue;
                }
                if (Permits.isGranted(limiter.tryAcquire(ids[i], tokensPerRequest))) {
                    if (backlog[i] != Long.MAX_VALUE) {
                        backlog[i]--;
                    }
                    if (t >= measureStep) {
                        admitted[i]++;
                    }
                }
            }
            clock.advance(step);
        }
        double minutes = (double) (steps - measureStep) * step.toNanos() / Duration.ofMinutes(1).toNanos();
        return new Result(admitted, maxBacklog, minutes);
    }
}
