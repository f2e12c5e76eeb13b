package dev.fairway.core.queue;

import dev.fairway.api.FailureReason;
import dev.fairway.api.PermanentProviderException;
import dev.fairway.api.RateLimitFeedback;
import dev.fairway.api.RateLimitedException;
import dev.fairway.api.SessionId;
import dev.fairway.api.TransientProviderException;
import dev.fairway.api.Translation;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RetryTest {

    @Test
    void transientFaultIsRetriedAfterBackoffThroughTheLimiterAgain() {
        ScriptedProvider provider = new ScriptedProvider().thenThrow(new TransientProviderException("HTTP 503"));
        try (Harness h = Harness.direct(provider)) {
            Harness.Client s = h.open("s1");
            s.fin(1, "hello");
            h.scheduler.pump();
            assertEquals(Duration.ofMillis(250).toNanos(), h.scheduler.nextWakeAt() - h.clock.nanoTime());
            h.runUntilIdle();

            assertEquals(List.of("T final 1 [fr] hello"), s.listener().lines());
            assertEquals(List.of("open s1", "grant s1 44", "cancel s1 reached=true", "grant s1 44",
                    "reconcile s1 15"), List.copyOf(h.limiter.log));
            Translation t = s.listener().translations().get(0);
            assertEquals(Duration.ofMillis(250), t.latency().total());
            assertEquals(1, h.scheduler.status().retries());
        }
    }

    @Test
    void rateLimitedFinalWaitsForRetryAfterAndIsRefundedNotDoubleCounted() {
        RateLimitFeedback feedback = RateLimitFeedback.builder().retryAfter(Duration.ofSeconds(3)).build();
        ScriptedProvider provider = new ScriptedProvider().thenThrow(new RateLimitedException("HTTP 429", feedback));
        try (Harness h = Harness.direct(provider)) {
            Harness.Client s = h.open("s1");
            s.fin(1, "hello");
            h.scheduler.pump();
            assertEquals(Duration.ofSeconds(3).toNanos(), h.scheduler.nextWakeAt() - h.clock.nanoTime(),
                    "retry-after beats the 250 ms backoff");
            h.runUntilIdle();

            assertEquals(List.of("T final 1 [fr] hello"), s.listener().lines());
            assertEquals(List.of("open s1", "grant s1 44", "cancel s1 reached=true", "rateLimited",
                    "grant s1 44", "reconcile s1 15"), List.copyOf(h.limiter.log));
        }
    }

    @Test
    void retryAfterLongerThanTheCapWaitsOnlyTheCap() {
        RateLimitFeedback feedback = RateLimitFeedback.builder().retryAfter(Duration.ofMinutes(6))
                .requestsRemaining(0).requestsReset(Duration.ofMinutes(6)).build();
        ScriptedProvider provider = new ScriptedProvider().thenThrow(new RateLimitedException("HTTP 429", feedback));
        try (Harness h = new Harness(provider, Runnable::run,
                b -> b.maxRetryAfter(Duration.ofSeconds(5)).finalRetryDeadline(Duration.ofHours(1)))) {
            Harness.Client s = h.open("s1");
            s.fin(1, "hello");
            h.scheduler.pump();
            assertEquals(Duration.ofSeconds(5).toNanos(), h.scheduler.nextWakeAt() - h.clock.nanoTime());
            h.runUntilIdle();

            assertEquals(List.of("T final 1 [fr] hello"), s.listener().lines());
        }
    }

    @Test
    void retryAfterIsCappedAtSixtySecondsByDefault() {
        RateLimitFeedback feedback = RateLimitFeedback.builder().retryAfter(Duration.ofHours(2)).build();
        ScriptedProvider provider = new ScriptedProvider().thenThrow(new RateLimitedException("HTTP 429", feedback));
        try (Harness h = new Harness(provider, Runnable::run, b -> b.finalRetryDeadline(Duration.ofHours(1)))) {
            Harness.Client s = h.open("s1");
            s.fin(1, "hello");
            h.scheduler.pump();
            assertEquals(Duration.ofSeconds(60).toNanos(), h.scheduler.nextWakeAt() - h.clock.nanoTime());
            h.runUntilIdle();

            assertEquals(List.of("T final 1 [fr] hello"), s.listener().lines());
        }
    }

    @Test
    void splitEstimateGoesToTheLimiterWhenTheProviderHasOne() {
        ScriptedProvider provider = new ScriptedProvider().outputEstimate(4);
        try (Harness h = Harness.direct(provider)) {
            Harness.Client s = h.open("s1");
            s.fin(1, "hello");
            h.runUntilIdle();

            assertEquals(List.of("open s1", "split s1 40+4", "grant s1 44", "reconcile s1 15"),
                    List.copyOf(h.limiter.log));
        }
    }

    @Test
    void finalIsReportedWhenRetriesRunOut() {
        ScriptedProvider provider = new ScriptedProvider().thenThrow(new TransientProviderException("a"),
                new TransientProviderException("b"), new TransientProviderException("c"));
        try (Harness h = new Harness(provider, Runnable::run, b -> b.finalMaxAttempts(3))) {
            Harness.Client s = h.open("s1");
            s.fin(1, "hello");
            h.runUntilIdle();

            assertEquals(List.of("F RETRIES_EXHAUSTED final 1"), s.listener().lines());
            assertEquals("gave up after 3 attempts: c", s.listener().failures().get(0).message());
            assertEquals(3, h.limiter.count("grant"));
            // Backoff 250 ms then 500 ms.
            assertEquals(Duration.ofMillis(750).toNanos(), h.clock.nanoTime());
        }
    }

    @Test
    void retryThatWouldStartAfterTheDeadlineIsNotMade() {
        ScriptedProvider provider = new ScriptedProvider().thenThrow(new TransientProviderException("HTTP 500"));
        try (Harness h = new Harness(provider, Runnable::run, b -> b.finalRetryDeadline(Duration.ofMillis(100)))) {
            Harness.Client s = h.open("s1");
            s.fin(1, "hello");
            h.runUntilIdle();

            assertEquals(List.of("F RETRIES_EXHAUSTED final 1"), s.listener().lines());
            assertEquals(1, provider.calls.size());
        }
    }

    @Test
    void permanentErrorIsReportedAtOnce() {
        ScriptedProvider provider = new ScriptedProvider().thenThrow(
                new PermanentProviderException(PermanentProviderException.Kind.AUTHENTICATION, "HTTP 401"));
        try (Harness h = Harness.direct(provider)) {
            Harness.Client s = h.open("s1");
            s.fin(1, "hello");
            h.runUntilIdle();

            assertEquals(List.of("F PERMANENT_PROVIDER_ERROR final 1"), s.listener().lines());
            assertEquals(1, provider.calls.size());
        }
    }

    @Test
    void partialsAreNotRetried() {
        ScriptedProvider provider = new ScriptedProvider().thenThrow(new TransientProviderException("HTTP 503"));
        try (Harness h = Harness.direct(provider)) {
            Harness.Client s = h.open("s1");
            s.partial(1, "hello");
            h.runUntilIdle();

            assertEquals(List.of("F RETRIES_EXHAUSTED partial 1"), s.listener().lines());
            assertEquals(1, provider.calls.size());
        }
    }

    @Test
    void requestTheLimiterCanNeverAdmitFailsWithoutACall() {
        ScriptedProvider provider = new ScriptedProvider();
        try (Harness h = Harness.direct(provider)) {
            h.limiter.maxTokens = 10;
            Harness.Client s = h.open("s1");
            s.fin(1, "a final far too large for the limiter");
            s.partial(2, "a partial far too large too");
            h.runUntilIdle();

            assertEquals(List.of("F PERMANENT_PROVIDER_ERROR final 1", "F PERMANENT_PROVIDER_ERROR partial 2"),
                    s.listener().lines());
            assertEquals(0, provider.calls.size());
        }
    }

    @Test
    void refusedSessionIsSkippedAndServedWhenItsWaitHasPassed() {
        ScriptedProvider provider = new ScriptedProvider();
        try (Harness h = Harness.direct(provider)) {
            Harness.Client a = h.open("a");
            Harness.Client b = h.open("b");
            h.limiter.refuse(SessionId.of("a"), Duration.ofMillis(300).toNanos());
            a.fin(1, "from a");
            b.fin(1, "from b");
            assertEquals(1, h.scheduler.pump(), "b is not held up by a");
            assertEquals(List.of("from b"), provider.callTexts());
            assertEquals(Duration.ofMillis(300).toNanos(), h.scheduler.nextWakeAt() - h.clock.nanoTime());
            h.limiter.grant(SessionId.of("a"));
            h.runUntilIdle();

            assertEquals(List.of("from b", "from a"), provider.callTexts());
            Translation t = a.listener().translations().get(0);
            assertEquals(Duration.ofMillis(300), t.latency().limiterWait());
            assertEquals(Duration.ZERO, t.latency().queueWait());
            assertEquals(1, h.limiter.count("refuse a"), "no asking again before the wait has passed");
        }
    }

    @Test
    void aLongRefusalIsAskedAgainAfterAtMostThreeSeconds() {
        // A limiter's wait is an estimate: here it says a minute, but has room again after 2 s. The
        // final is asked for again after at most 3 s, not a minute later.
        ScriptedProvider provider = new ScriptedProvider();
        try (Harness h = Harness.direct(provider)) {
            Harness.Client a = h.open("a");
            h.limiter.refuse(SessionId.of("a"), Duration.ofSeconds(60).toNanos());
            a.fin(1, "from a");
            h.scheduler.pump();
            assertEquals(SessionTurn.MAX_REFUSAL_WAIT_NANOS, h.scheduler.nextWakeAt() - h.clock.nanoTime());
            h.clock.advance(Duration.ofSeconds(2));
            h.limiter.grant(SessionId.of("a"));
            h.runUntilIdle();

            Translation t = a.listener().translations().get(0);
            assertEquals(Duration.ofSeconds(3), t.latency().limiterWait());
        }
    }

    @Test
    void brokenLimiterDelaysOnlyTheSessionItFailedFor() {
        ScriptedProvider provider = new ScriptedProvider();
        try (Harness h = Harness.direct(provider)) {
            Harness.Client a = h.open("a");
            Harness.Client b = h.open("b");
            boolean[] broken = {true};
            h.limiter.refusal = s -> {
                if (s.value().equals("a") && broken[0]) {
                    throw new IllegalStateException("limiter bug");
                }
                return 0;
            };
            a.fin(1, "from a");
            b.fin(1, "from b");
            h.scheduler.pump();
            assertEquals(List.of("from b"), provider.callTexts());
            broken[0] = false;
            h.runUntilIdle();
            assertEquals(List.of("T final 1 [fr] from a"), a.listener().lines());
        }
    }

    @Test
    void providerFeedbackGoesToTheLimiter() {
        ScriptedProvider provider = new ScriptedProvider()
                .feedback(RateLimitFeedback.builder().requestsRemaining(10).build());
        try (Harness h = Harness.direct(provider)) {
            h.open("s1").fin(1, "hello");
            h.runUntilIdle();
            assertTrue(h.limiter.log.contains("feedback"), h.limiter.log.toString());
        }
    }

    @Test
    void retryFailureReasonNamesTheCause() {
        ScriptedProvider provider = new ScriptedProvider().thenThrow(new TransientProviderException("HTTP 503"));
        try (Harness h = new Harness(provider, Runnable::run, b -> b.finalMaxAttempts(1))) {
            Harness.Client s = h.open("s1");
            s.fin(1, "hello");
            h.runUntilIdle();
            assertEquals(FailureReason.RETRIES_EXHAUSTED, s.listener().failures().get(0).reason());
            assertEquals("gave up after 1 attempt: HTTP 503", s.listener().failures().get(0).message());
        }
    }
}
