package dev.fairway.provider.fake;

import dev.fairway.test.support.ManualClock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fairway.api.FinishReason;
import dev.fairway.api.PermanentProviderException;
import dev.fairway.api.RateLimitFeedback;
import dev.fairway.api.RateLimitedException;
import dev.fairway.api.SegmentKind;
import dev.fairway.api.SessionId;
import dev.fairway.api.TransientProviderException;
import dev.fairway.api.TranslationRequest;
import dev.fairway.api.TranslationResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class FakeProviderTest {

    private static final SessionId SESSION = SessionId.of("s-1");
    private static final List<String> SENTENCES = List.of(
            "Hello",
            "I think we should meet tomorrow",
            "Good morning everyone, thank you for joining the call today.",
            "The quarterly numbers look better than expected, especially in the European market.",
            "Could you please repeat the last question? The connection dropped for a second.",
            "We are going to review the design document and then discuss the open issues one by one,"
                    + " starting with the rate limiter and the fair dispatcher.",
            "ok so yeah",
            "Numbers like 1,234.56 and dates like 2024-05-01 stay as they are.");

    private final ManualClock clock = ManualClock.create();

    private FakeProvider.Builder instant() {
        return FakeProvider.builder().clock(clock).sleeper(clock::sleep).zeroLatency();
    }

    private static TranslationRequest request(String text, String target) {
        return new TranslationRequest(SESSION, SegmentKind.PARTIAL, 0, text, "en", target, 1);
    }

    private static TranslationRequest request(String text) {
        return request(text, "fr");
    }

    @Test
    void usageCountsCharactersAndEstimateIsCloseAndAbove() throws InterruptedException {
        FakeProvider provider = instant().unlimited().build();
        for (String target : List.of("es", "fr", "de", "it", "ja")) {
            for (String text : SENTENCES) {
                TranslationResult result = provider.translate(request(text, target));
                int prompt = FakeProvider.PROMPT_OVERHEAD_TOKENS + (text.length() + 3) / 4;
                int completion = (result.text().length() + 3) / 4;
                assertEquals(prompt, result.usage().promptTokens(), text);
                assertEquals(completion, result.usage().completionTokens(), text);
                assertEquals(prompt + completion, result.usage().totalTokens(), text);
                int total = result.usage().totalTokens();
                int estimate = provider.estimateTokens(SegmentKind.PARTIAL, text);
                assertTrue(estimate >= total, target + ": estimate " + estimate + " < actual " + total + " for " + text);
                assertTrue(estimate <= total * 1.15 + 2,
                        target + ": estimate " + estimate + " far above actual " + total + " for " + text);
            }
        }
    }

    @Test
    void resultCarriesTranslationModelAndStop() throws InterruptedException {
        FakeProvider provider = instant().model("fake-test").build();
        TranslationResult result = provider.translate(request("Hello, my friend"));
        assertEquals("[fr] Bonjour, mon ami", result.text());
        assertEquals("fake-test", result.model());
        assertEquals(FinishReason.STOP, result.finishReason());
        assertEquals("fake", provider.name());
        TranslationRequest fin = new TranslationRequest(SESSION, SegmentKind.FINAL, 1, "Hello, my friend", "en", "fr", 5);
        assertEquals(result.text(), provider.translate(fin).text());
    }

    @Test
    void latencyWithoutJitterIsBasePlusPerCompletionToken() throws InterruptedException {
        FakeProvider provider = FakeProvider.builder().clock(clock).sleeper(clock::sleep)
                .latencyBase(Duration.ofMillis(200)).latencyPerToken(Duration.ofMillis(2))
                .latencyJitter(Duration.ZERO).build();
        for (String text : SENTENCES) {
            long before = clock.nanoTime();
            TranslationResult result = provider.translate(request(text));
            Duration expected = Duration.ofMillis(200 + 2L * result.usage().completionTokens());
            assertEquals(expected, result.providerLatency(), text);
            assertEquals(expected.toNanos(), clock.nanoTime() - before, text);
        }
    }

    @Test
    void jitterIsReproducibleBySeedAndHasConfiguredMeanAndSpread() throws InterruptedException {
        List<Long> first = jitters(7, 2000);
        assertEquals(first, jitters(7, 2000));
        assertNotEquals(first, jitters(8, 2000));
        double mean = first.stream().mapToLong(Long::longValue).average().orElseThrow();
        double variance = first.stream().mapToDouble(j -> (j - mean) * (j - mean)).sum() / (first.size() - 1);
        double jitter = Duration.ofMillis(30).toNanos();
        assertTrue(Math.abs(mean - jitter) < 0.1 * jitter, "mean jitter " + mean);
        assertTrue(Math.abs(Math.sqrt(variance) - jitter) < 0.25 * jitter, "jitter stddev " + Math.sqrt(variance));
        assertTrue(first.stream().allMatch(j -> j > 0 && j <= FakeProvider.JITTER_CAP * jitter), "jitter within (0, cap]");
    }

    /** The random part of each call's latency: measured latency minus base and per-token parts. */
    private List<Long> jitters(long seed, int calls) throws InterruptedException {
        ManualClock own = ManualClock.create();
        FakeProvider provider = FakeProvider.builder().clock(own).sleeper(own::sleep).seed(seed).unlimited()
                .latencyBase(Duration.ofMillis(100)).latencyPerToken(Duration.ofMillis(1))
                .latencyJitter(Duration.ofMillis(30)).build();
        List<Long> jitters = new ArrayList<>();
        for (int i = 0; i < calls; i++) {
            TranslationResult result = provider.translate(request("I think we should meet tomorrow"));
            long fixed = Duration.ofMillis(100 + result.usage().completionTokens()).toNanos();
            jitters.add(result.providerLatency().toNanos() - fixed);
        }
        return jitters;
    }

    @Test
    void defaultsTakeAboutAQuarterSecondForAShortPartial() throws InterruptedException {
        FakeProvider provider = FakeProvider.builder().clock(clock).sleeper(clock::sleep).unlimited().build();
        long sum = 0;
        int calls = 1000;
        for (int i = 0; i < calls; i++) {
            sum += provider.translate(request("I think we should meet tomorrow")).providerLatency().toNanos();
        }
        long meanMillis = sum / calls / 1_000_000;
        assertTrue(meanMillis >= 225 && meanMillis <= 275, "mean latency " + meanMillis + "ms");
    }

    @Test
    void zeroLatencyDoesNotSleep() throws InterruptedException {
        FakeProvider provider = FakeProvider.builder().clock(clock).zeroLatency()
                .sleeper(nanos -> {
                    throw new AssertionError("slept " + nanos + "ns");
                }).build();
        assertEquals(Duration.ZERO, provider.translate(request("Hello")).providerLatency());
    }

    @Test
    void requestLimitAnswers429WithRetryAfterAndAdmitsAgainWhenWindowSlides() throws InterruptedException {
        FakeProvider provider = instant().requestsPerMinute(3).tokensPerMinute(0).build();
        RateLimitFeedback feedback = provider.translate(request("one")).rateLimit();
        assertEquals(OptionalLong.of(3), feedback.requestLimit());
        assertEquals(OptionalLong.of(2), feedback.requestsRemaining());
        assertEquals(Optional.of(Duration.ofSeconds(60)), feedback.requestsReset());
        assertEquals(OptionalLong.empty(), feedback.tokenLimit());
        clock.advance(Duration.ofSeconds(10));
        assertEquals(OptionalLong.of(1), provider.translate(request("two")).rateLimit().requestsRemaining());
        clock.advance(Duration.ofSeconds(10));
        assertEquals(OptionalLong.of(0), provider.translate(request("three")).rateLimit().requestsRemaining());
        clock.advance(Duration.ofSeconds(10));

        RateLimitedException refused = assertThrows(RateLimitedException.class, () -> provider.translate(request("four")));
        assertEquals(Optional.of(Duration.ofSeconds(30)), refused.retryAfter());
        assertEquals(OptionalLong.of(3), refused.feedback().requestLimit());
        assertEquals(OptionalLong.of(0), refused.feedback().requestsRemaining());
        assertEquals(Optional.of(Duration.ofSeconds(50)), refused.feedback().requestsReset());
        assertTrue(refused.getMessage().contains("429"), refused.getMessage());

        clock.advance(Duration.ofSeconds(30).minusMillis(1));
        RateLimitedException almost = assertThrows(RateLimitedException.class, () -> provider.translate(request("four")));
        assertEquals(Optional.of(Duration.ofMillis(1)), almost.retryAfter());
        clock.advance(Duration.ofMillis(1));
        assertEquals(OptionalLong.of(0), provider.translate(request("four")).rateLimit().requestsRemaining());
        assertEquals(2, provider.stats().rateLimited());
        assertEquals(4, provider.stats().succeeded());
    }

    @Test
    void slidingWindowNeverAdmitsTwiceTheLimitAcrossAMinuteBoundary() throws InterruptedException {
        FakeProvider provider = instant().requestsPerMinute(10).tokensPerMinute(0).build();
        clock.advance(Duration.ofSeconds(59));
        for (int i = 0; i < 10; i++) {
            provider.translate(request("burst"));
        }
        clock.advance(Duration.ofSeconds(2));
        assertThrows(RateLimitedException.class, () -> provider.translate(request("after the minute")));
    }

    @Test
    void tokenLimitAnswers429WithRetryAfterAndAdmitsAgainWhenWindowSlides() throws InterruptedException {
        TranslationRequest req = request("I think we should meet tomorrow");
        int tokens = instant().unlimited().build().translate(req).usage().totalTokens();
        FakeProvider provider = instant().requestsPerMinute(0).tokensPerMinute(tokens * 5L / 2).build();

        RateLimitFeedback first = provider.translate(req).rateLimit();
        assertEquals(OptionalLong.of(tokens * 5L / 2), first.tokenLimit());
        assertEquals(OptionalLong.of(tokens * 5L / 2 - tokens), first.tokensRemaining());
        assertEquals(Optional.of(Duration.ofSeconds(60)), first.tokensReset());
        assertEquals(OptionalLong.empty(), first.requestLimit());
        clock.advance(Duration.ofSeconds(5));
        provider.translate(req);
        clock.advance(Duration.ofSeconds(5));

        RateLimitedException refused = assertThrows(RateLimitedException.class, () -> provider.translate(req));
        assertEquals(Optional.of(Duration.ofSeconds(50)), refused.retryAfter());
        assertEquals(OptionalLong.of(tokens * 5L / 2 - 2L * tokens), refused.feedback().tokensRemaining());
        assertEquals(Optional.of(Duration.ofSeconds(55)), refused.feedback().tokensReset());

        clock.advance(Duration.ofSeconds(50));
        assertEquals(OptionalLong.of(tokens * 5L / 2 - 2L * tokens), provider.translate(req).rateLimit().tokensRemaining());
    }

    @Test
    void requestLargerThanTheTokenLimitIsABadRequest() {
        FakeProvider provider = instant().tokensPerMinute(40).build();
        PermanentProviderException e = assertThrows(PermanentProviderException.class,
                () -> provider.translate(request("a sentence long enough to need more than forty tokens in all")));
        assertEquals(PermanentProviderException.Kind.BAD_REQUEST, e.kind());
        assertTrue(e.getMessage().contains("too large"), e.getMessage());
    }

    @Test
    void markerTextIsABadRequest() {
        FakeProvider provider = instant().build();
        PermanentProviderException e = assertThrows(PermanentProviderException.class,
                () -> provider.translate(request("please fail " + FakeProvider.BAD_REQUEST_MARKER)));
        assertEquals(PermanentProviderException.Kind.BAD_REQUEST, e.kind());
        assertEquals(1, provider.stats().badRequests());
    }

    @Test
    void injected429IsRefusedAtOnceWithRetryAfterAndNotCounted() {
        FakeProvider provider = instant().latencyBase(Duration.ofMillis(200)).requestsPerMinute(100)
                .rate429(1.0).faultRetryAfter(Duration.ofSeconds(2)).build();
        RateLimitedException e = assertThrows(RateLimitedException.class, () -> provider.translate(request("Hello")));
        assertEquals(Optional.of(Duration.ofSeconds(2)), e.retryAfter());
        assertEquals(OptionalLong.of(100), e.feedback().requestsRemaining());
        assertEquals(0, clock.nanoTime());
        assertEquals(1, provider.stats().injected429());
        assertEquals(0, provider.stats().rateLimited());
    }

    @Test
    void injected5xxFailsTransientlyAfterBaseLatency() {
        FakeProvider provider = instant().latencyBase(Duration.ofMillis(200)).latencyPerToken(Duration.ofMillis(5))
                .rate5xx(1.0).build();
        TransientProviderException e = assertThrows(TransientProviderException.class, () -> provider.translate(request("Hello")));
        assertTrue(e.getMessage().contains("HTTP 503"), e.getMessage());
        assertEquals(Duration.ofMillis(200).toNanos(), clock.nanoTime());
        assertEquals(1, provider.stats().injected5xx());
    }

    @Test
    void injectedTimeoutWaitsTheTimeoutThenFailsTransiently() {
        FakeProvider provider = instant().rateTimeout(1.0).timeout(Duration.ofSeconds(7)).build();
        TransientProviderException e = assertThrows(TransientProviderException.class, () -> provider.translate(request("Hello")));
        assertTrue(e.getMessage().contains("no response within 7s"), e.getMessage());
        assertEquals(Duration.ofSeconds(7).toNanos(), clock.nanoTime());
        assertEquals(1, provider.stats().injectedTimeouts());
    }

    @Test
    void latencyLongerThanTheTimeoutTimesOut() {
        FakeProvider provider = instant().latencyBase(Duration.ofSeconds(20)).timeout(Duration.ofSeconds(5)).build();
        assertThrows(TransientProviderException.class, () -> provider.translate(request("Hello")));
        assertEquals(Duration.ofSeconds(5).toNanos(), clock.nanoTime());
    }

    @Test
    void injectedGarbageIsAMalformedResponseAfterTheWholeLatency() {
        FakeProvider provider = instant().latencyBase(Duration.ofMillis(100)).latencyPerToken(Duration.ofMillis(1))
                .rateGarbage(1.0).build();
        TransientProviderException e = assertThrows(TransientProviderException.class, () -> provider.translate(request("Hello")));
        assertTrue(e.getMessage().startsWith("fake provider returned a malformed response body"), e.getMessage());
        assertEquals(Duration.ofMillis(100 + FakeProvider.completionTokens("[fr] Bonjour".length())).toNanos(),
                clock.nanoTime());
        assertEquals(1, provider.stats().injectedGarbage());
    }

    @Test
    void faultsAreReproducibleBySeedAndFollowTheirRates() throws InterruptedException {
        List<String> first = outcomes(11, 1000);
        assertEquals(first, outcomes(11, 1000));
        assertNotEquals(first, outcomes(12, 1000));
        for (String kind : List.of("RateLimitedException", "TransientProviderException:503",
                "TransientProviderException:timeout", "TransientProviderException:malformed")) {
            long count = first.stream().filter(kind::equals).count();
            assertTrue(count > 60 && count < 140, kind + " happened " + count + " times in 1000 at rate 0.1");
        }
        long ok = first.stream().filter("ok"::equals).count();
        assertTrue(ok > 530 && ok < 670, "ok " + ok + " times in 1000 at rate 0.6");
    }

    private List<String> outcomes(long seed, int calls) throws InterruptedException {
        ManualClock own = ManualClock.create();
        FakeProvider provider = FakeProvider.builder().clock(own).sleeper(own::sleep).seed(seed).unlimited()
                .rate429(0.1).rate5xx(0.1).rateTimeout(0.1).rateGarbage(0.1).build();
        List<String> outcomes = new ArrayList<>();
        for (int i = 0; i < calls; i++) {
            try {
                provider.translate(request("Hello"));
                outcomes.add("ok");
            } catch (RateLimitedException e) {
                outcomes.add("RateLimitedException");
            } catch (TransientProviderException e) {
                String m = e.getMessage();
                outcomes.add("TransientProviderException:"
                        + (m.contains("503") ? "503" : m.contains("no response") ? "timeout" : "malformed"));
            }
        }
        return outcomes;
    }

    @Test
    void interruptDuringRealSleepThrowsInterruptedException() throws InterruptedException {
        CountDownLatch sleeping = new CountDownLatch(1);
        FakeProvider provider = FakeProvider.builder().latencyBase(Duration.ofHours(1)).timeout(Duration.ofHours(2))
                .sleeper(nanos -> {
                    sleeping.countDown();
                    Sleeper.SYSTEM.sleep(nanos);
                }).build();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread caller = Thread.ofVirtual().start(() -> {
            try {
                provider.translate(request("Hello"));
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        sleeping.await();
        caller.interrupt();
        caller.join();
        assertInstanceOf(InterruptedException.class, thrown.get());
        assertEquals(1, provider.stats().interrupted());
    }

    @Test
    void pendingInterruptAbandonsTheCallBeforeItStarts() {
        FakeProvider provider = instant().build();
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, () -> provider.translate(request("Hello")));
        assertFalse(Thread.currentThread().isInterrupted());
    }

    @Test
    void manyVirtualThreadsGetExactlyTheRequestLimitWithinOneWindow() throws InterruptedException {
        FakeProvider provider = instant().requestsPerMinute(50).tokensPerMinute(0).build();
        assertEquals(50, concurrentSuccesses(provider, 400));
        assertEquals(350, provider.stats().rateLimited());
    }

    @Test
    void manyVirtualThreadsGetExactlyTheTokenLimitWithinOneWindow() throws InterruptedException {
        int tokens = instant().unlimited().build().translate(request("Hello")).usage().totalTokens();
        FakeProvider provider = instant().requestsPerMinute(0).tokensPerMinute(37L * tokens + tokens / 2).build();
        assertEquals(37, concurrentSuccesses(provider, 400));
        assertEquals(37L * tokens, provider.stats().promptTokens() + provider.stats().completionTokens());
    }

    private static int concurrentSuccesses(FakeProvider provider, int threads) throws InterruptedException {
        CountDownLatch start = new CountDownLatch(1);
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger unexpected = new AtomicInteger();
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < threads; i++) {
                executor.submit(() -> {
                    try {
                        start.await();
                        provider.translate(request("Hello"));
                        ok.incrementAndGet();
                    } catch (RateLimitedException e) {
                        // expected beyond the limit
                    } catch (InterruptedException | RuntimeException e) {
                        unexpected.incrementAndGet();
                    }
                    return null;
                });
            }
            start.countDown();
        }
        assertEquals(0, unexpected.get());
        return ok.get();
    }

    @Test
    void unlimitedProviderSendsNoRateLimitFeedback() throws InterruptedException {
        FakeProvider provider = instant().unlimited().build();
        assertSame(RateLimitFeedback.NONE, provider.translate(request("Hello")).rateLimit());
    }

    @Test
    void builderRejectsBadValuesNamingTheField() {
        var negative = assertThrows(IllegalArgumentException.class,
                () -> FakeProvider.builder().latencyBase(Duration.ofMillis(-1)));
        assertTrue(negative.getMessage().startsWith("latencyBase"), negative.getMessage());
        var rate = assertThrows(IllegalArgumentException.class, () -> FakeProvider.builder().rate5xx(1.5));
        assertTrue(rate.getMessage().startsWith("rate5xx"), rate.getMessage());
        assertThrows(IllegalArgumentException.class, () -> FakeProvider.builder().rate429(0.6).rate5xx(0.6).build());
        assertThrows(IllegalArgumentException.class, () -> FakeProvider.builder().requestsPerMinute(-1));
        assertThrows(IllegalArgumentException.class, () -> FakeProvider.builder().model(" "));
    }
}
