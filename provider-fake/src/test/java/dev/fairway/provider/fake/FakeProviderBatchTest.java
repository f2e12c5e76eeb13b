package dev.fairway.provider.fake;

import dev.fairway.test.support.ManualClock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fairway.api.FinishReason;
import dev.fairway.api.PermanentProviderException;
import dev.fairway.api.RateLimitedException;
import dev.fairway.api.SegmentKind;
import dev.fairway.api.SessionId;
import dev.fairway.api.TransientProviderException;
import dev.fairway.api.TranslationRequest;
import dev.fairway.api.TranslationResult;
import dev.fairway.api.spi.BatchLimits;
import dev.fairway.api.spi.BatchOutcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class FakeProviderBatchTest {

    /** Several sessions and language pairs, as the scheduler packs them. */
    private static final List<TranslationRequest> MIXED = List.of(
            request("s-1", "Hello, my friend", "en", "fr"),
            request("s-2", "I think we should meet tomorrow", "en", "de"),
            request("s-1", "Good morning everyone, thank you for joining the call today.", "en", "fr"),
            request("s-3", "ok so yeah", "en", "es"),
            request("s-4", "The quarterly numbers look better than expected.", "en", "ja"),
            request("s-2", "Could you please repeat the last question?", "en", "de"),
            request("s-5", "Bonjour tout le monde", "fr", "fr"));

    private final ManualClock clock = ManualClock.create();

    private FakeProvider.Builder instant() {
        return FakeProvider.builder().clock(clock).sleeper(clock::sleep).zeroLatency();
    }

    private FakeProvider.Builder timed() {
        return FakeProvider.builder().clock(clock).sleeper(clock::sleep)
                .latencyBase(Duration.ofMillis(200)).latencyPerToken(Duration.ofMillis(2)).latencyJitter(Duration.ZERO);
    }

    private static TranslationRequest request(String session, String text, String source, String target) {
        return new TranslationRequest(SessionId.of(session), SegmentKind.FINAL, 0, text, source, target, 60);
    }

    private static List<TranslationRequest> hellos(int n) {
        return IntStream.range(0, n).mapToObj(i -> request("s-" + i, "Hello number " + i, "en", "fr")).toList();
    }

    /** What the receiver was handed: the index, the result and the clock's reading when it came. */
    private record Delivery(int index, TranslationResult result, long at) {
    }

    private final class Recorder {
        final List<Delivery> deliveries = new ArrayList<>();
        List<TranslationRequest> requests = List.of();

        BatchOutcome run(FakeProvider provider, List<TranslationRequest> requests) throws InterruptedException {
            this.requests = requests;
            return provider.translateBatch(requests, (index, result) ->
                    deliveries.add(new Delivery(index, result, clock.nanoTime())));
        }

        List<Integer> indexes() {
            return deliveries.stream().map(Delivery::index).toList();
        }
    }

    @Test
    void batchesByDefaultSixteenSegmentsAndFourThousandTokens() {
        assertEquals(Optional.of(new BatchLimits(16, 4_000)), FakeProvider.builder().build().batchLimits());
        assertEquals(Optional.of(new BatchLimits(4, 500)),
                FakeProvider.builder().batchMaxSegments(4).batchMaxTokens(500).build().batchLimits());
    }

    @Test
    void batchingOffHasNoLimitsAndRefusesBatches() {
        for (FakeProvider provider : List.of(instant().noBatching().build(), instant().batchMaxSegments(1).build())) {
            assertEquals(Optional.empty(), provider.batchLimits());
            assertThrows(UnsupportedOperationException.class,
                    () -> provider.translateBatch(hellos(2), (index, result) -> { }));
            assertEquals(0, provider.stats().calls());
        }
    }

    @Test
    void batchOutsideItsLimitsIsRejectedWithoutACall() {
        FakeProvider provider = instant().batchMaxSegments(4).batchMaxTokens(200).build();
        var one = assertThrows(IllegalArgumentException.class,
                () -> provider.translateBatch(hellos(1), (index, result) -> { }));
        assertTrue(one.getMessage().contains("2 to 4"), one.getMessage());
        assertThrows(IllegalArgumentException.class, () -> provider.translateBatch(hellos(5), (index, result) -> { }));
        var tokens = assertThrows(IllegalArgumentException.class,
                () -> provider.translateBatch(hellos(4), (index, result) -> { }));
        assertTrue(tokens.getMessage().contains("at most 200 estimated tokens") && tokens.getMessage().contains("240"),
                tokens.getMessage());
        assertEquals(0, provider.stats().calls());
    }

    @Test
    void eachSegmentIsTranslatedAsASingleCallWouldTranslateIt() throws InterruptedException {
        FakeProvider provider = instant().model("fake-batch").build();
        Recorder recorder = new Recorder();
        BatchOutcome outcome = recorder.run(provider, MIXED);
        assertEquals(IntStream.range(0, MIXED.size()).boxed().toList(), recorder.indexes());
        FakeProvider single = instant().build();
        for (Delivery delivery : recorder.deliveries) {
            TranslationResult alone = single.translate(MIXED.get(delivery.index()));
            assertEquals(alone.text(), delivery.result().text());
            assertEquals(alone.usage().completionTokens(), delivery.result().usage().completionTokens());
            assertEquals("fake-batch", delivery.result().model());
            assertEquals(FinishReason.STOP, delivery.result().finishReason());
        }
        assertEquals(List.of(), outcome.problems());
        assertEquals("fake-batch", outcome.model());
    }

    @Test
    void usagesAreSharesThatSumToTheCallsUsage() throws InterruptedException {
        FakeProvider provider = instant().build();
        Recorder recorder = new Recorder();
        BatchOutcome outcome = recorder.run(provider, MIXED);
        int n = MIXED.size();
        int textTokens = MIXED.stream().mapToInt(r -> FakeProvider.textTokens(r.text().length())).sum();
        // The system prompt is sent once for the whole call.
        assertEquals(FakeProvider.PROMPT_OVERHEAD_TOKENS + textTokens, outcome.usage().promptTokens());
        assertEquals(outcome.usage().promptTokens() + outcome.usage().completionTokens(), outcome.usage().totalTokens());
        int prompt = 0;
        int completion = 0;
        for (Delivery delivery : recorder.deliveries) {
            var usage = delivery.result().usage();
            int overheadShare = usage.promptTokens() - FakeProvider.textTokens(MIXED.get(delivery.index()).text().length());
            // 30 tokens over 7 segments: 5 for the first two, 4 for the others.
            assertEquals(delivery.index() < FakeProvider.PROMPT_OVERHEAD_TOKENS % n ? 5 : 4, overheadShare);
            assertEquals(usage.promptTokens() + usage.completionTokens(), usage.totalTokens());
            prompt += usage.promptTokens();
            completion += usage.completionTokens();
        }
        assertEquals(outcome.usage().promptTokens(), prompt);
        assertEquals(outcome.usage().completionTokens(), completion);
        assertEquals(outcome.usage().promptTokens(), provider.stats().promptTokens());
        assertEquals(outcome.usage().completionTokens(), provider.stats().completionTokens());
    }

    @Test
    void segmentsArriveAsTheAnswerStreamsInOrder() throws InterruptedException {
        FakeProvider provider = timed().build();
        Recorder recorder = new Recorder();
        clock.advance(Duration.ofSeconds(3));
        long start = clock.nanoTime();
        BatchOutcome outcome = recorder.run(provider, MIXED);
        long written = Duration.ofMillis(200).toNanos();
        long previous = start;
        for (Delivery delivery : recorder.deliveries) {
            written += Duration.ofMillis(2).toNanos() * delivery.result().usage().completionTokens();
            assertEquals(Duration.ofNanos(written), delivery.result().providerLatency(), "segment " + delivery.index());
            assertEquals(start + written, delivery.at(), "segment " + delivery.index() + " handed over when written");
            assertTrue(delivery.at() > previous, "segment " + delivery.index() + " after the one before");
            previous = delivery.at();
        }
        assertEquals(Duration.ofNanos(written), outcome.providerLatency());
        assertEquals(Duration.ofMillis(200 + 2L * outcome.usage().completionTokens()), outcome.providerLatency());
    }

    @Test
    void jitterIsSpentOnceBeforeTheFirstSegment() throws InterruptedException {
        FakeProvider provider = timed().latencyJitter(Duration.ofMillis(30)).seed(5).unlimited().build();
        for (int call = 0; call < 20; call++) {
            Recorder recorder = new Recorder();
            BatchOutcome outcome = recorder.run(provider, MIXED);
            Delivery first = recorder.deliveries.getFirst();
            long jitter = first.result().providerLatency().toNanos() - Duration.ofMillis(200).toNanos()
                    - Duration.ofMillis(2).toNanos() * first.result().usage().completionTokens();
            assertTrue(jitter > 0, "jitter " + jitter);
            for (int i = 1; i < recorder.deliveries.size(); i++) {
                Delivery delivery = recorder.deliveries.get(i);
                assertEquals(Duration.ofMillis(2).toNanos() * delivery.result().usage().completionTokens(),
                        delivery.at() - recorder.deliveries.get(i - 1).at());
            }
            assertEquals(Duration.ofMillis(200 + 2L * outcome.usage().completionTokens()).toNanos() + jitter,
                    outcome.providerLatency().toNanos());
        }
    }

    @Test
    void aBatchIsOneRequestWithAllItsTokens() throws InterruptedException {
        FakeProvider provider = instant().requestsPerMinute(2).tokensPerMinute(100_000).build();
        BatchOutcome outcome = new Recorder().run(provider, MIXED);
        assertEquals(OptionalLong.of(1), outcome.rateLimit().requestsRemaining());
        assertEquals(OptionalLong.of(100_000 - outcome.usage().totalTokens()), outcome.rateLimit().tokensRemaining());
        Recorder recorder = new Recorder();
        recorder.run(provider, hellos(3));
        assertEquals(OptionalLong.of(0), recorder.deliveries.getFirst().result().rateLimit().requestsRemaining());
    }

    @Test
    void batchOverTheTokenLimitGetsOne429ForTheWholeCall() throws InterruptedException {
        int tokens = new Recorder().run(instant().unlimited().build(), MIXED).usage().totalTokens();
        FakeProvider provider = instant().requestsPerMinute(0).tokensPerMinute(tokens * 3L / 2).build();
        new Recorder().run(provider, MIXED);
        clock.advance(Duration.ofSeconds(20));

        Recorder refused = new Recorder();
        RateLimitedException e = assertThrows(RateLimitedException.class, () -> refused.run(provider, MIXED));
        assertEquals(List.of(), refused.deliveries);
        assertEquals(Optional.of(Duration.ofSeconds(40)), e.retryAfter());
        assertEquals(OptionalLong.of(tokens * 3L / 2), e.feedback().tokenLimit());
        assertEquals(OptionalLong.of(tokens * 3L / 2 - tokens), e.feedback().tokensRemaining());
        assertEquals(Optional.of(Duration.ofSeconds(40)), e.feedback().tokensReset());
        assertTrue(e.getMessage().contains("429"), e.getMessage());
        assertEquals(1, provider.stats().rateLimited());
        assertEquals(2, provider.stats().calls());

        clock.advance(Duration.ofSeconds(40));
        assertEquals(List.of(), new Recorder().run(provider, MIXED).problems());
    }

    @Test
    void batchLargerThanTheTokenLimitIsABadRequest() {
        FakeProvider provider = instant().requestsPerMinute(0).tokensPerMinute(120).build();
        Recorder recorder = new Recorder();
        PermanentProviderException e = assertThrows(PermanentProviderException.class,
                () -> recorder.run(provider, MIXED));
        assertEquals(PermanentProviderException.Kind.BAD_REQUEST, e.kind());
        assertTrue(e.getMessage().contains("too large") && e.getMessage().contains("batch of 7"), e.getMessage());
        assertEquals(List.of(), recorder.deliveries);
    }

    @Test
    void markerInOneSegmentRefusesTheWholeCall() {
        FakeProvider provider = instant().build();
        List<TranslationRequest> requests = List.of(MIXED.get(0),
                request("s-9", "please fail " + FakeProvider.BAD_REQUEST_MARKER, "en", "fr"));
        Recorder recorder = new Recorder();
        PermanentProviderException e = assertThrows(PermanentProviderException.class,
                () -> recorder.run(provider, requests));
        assertEquals(PermanentProviderException.Kind.BAD_REQUEST, e.kind());
        assertTrue(e.getMessage().contains("segment 1"), e.getMessage());
        assertEquals(List.of(), recorder.deliveries);
        assertEquals(1, provider.stats().badRequests());
    }

    @Test
    void injectedFaultsFailTheWholeCall() throws InterruptedException {
        Recorder recorder = new Recorder();
        FakeProvider limited = timed().rate429(1).faultRetryAfter(Duration.ofSeconds(2)).build();
        RateLimitedException e429 = assertThrows(RateLimitedException.class, () -> recorder.run(limited, MIXED));
        assertEquals(Optional.of(Duration.ofSeconds(2)), e429.retryAfter());
        assertEquals(0, clock.nanoTime());

        FakeProvider failing = timed().rate5xx(1).build();
        var e5xx = assertThrows(TransientProviderException.class, () -> recorder.run(failing, MIXED));
        assertTrue(e5xx.getMessage().contains("HTTP 503"), e5xx.getMessage());
        assertEquals(Duration.ofMillis(200).toNanos(), clock.nanoTime());

        FakeProvider hanging = timed().rateTimeout(1).timeout(Duration.ofSeconds(7)).build();
        long before = clock.nanoTime();
        var eTimeout = assertThrows(TransientProviderException.class, () -> recorder.run(hanging, MIXED));
        assertTrue(eTimeout.getMessage().contains("no response within 7s"), eTimeout.getMessage());
        assertEquals(Duration.ofSeconds(7).toNanos(), clock.nanoTime() - before);

        int completion = new Recorder().run(instant().unlimited().build(), MIXED).usage().completionTokens();
        FakeProvider garbled = timed().rateGarbage(1).build();
        before = clock.nanoTime();
        var eGarbage = assertThrows(TransientProviderException.class, () -> recorder.run(garbled, MIXED));
        assertTrue(eGarbage.getMessage().startsWith("fake provider returned a malformed response body"),
                eGarbage.getMessage());
        assertEquals(Duration.ofMillis(200 + 2L * completion).toNanos(), clock.nanoTime() - before);

        assertEquals(List.of(), recorder.deliveries);
        assertEquals(1, limited.stats().injected429());
        assertEquals(1, failing.stats().injected5xx());
        assertEquals(1, hanging.stats().injectedTimeouts());
        assertEquals(1, garbled.stats().injectedGarbage());
    }

    @Test
    void latencyPastTheTimeoutHandsOverTheSegmentsWrittenBeforeIt() throws InterruptedException {
        List<TranslationRequest> requests = hellos(4);
        // The four texts are alike: each part takes the same time to write.
        long part = Duration.ofMillis(10).toNanos() * completion(requests.subList(0, 1));
        long base = Duration.ofMillis(100).toNanos();
        Duration timeout = Duration.ofNanos(base + 2 * part + part / 2);
        FakeProvider provider = FakeProvider.builder().clock(clock).sleeper(clock::sleep)
                .latencyBase(Duration.ofMillis(100)).latencyPerToken(Duration.ofMillis(10))
                .latencyJitter(Duration.ZERO).timeout(timeout).build();
        Recorder recorder = new Recorder();
        var e = assertThrows(TransientProviderException.class, () -> recorder.run(provider, requests));
        assertTrue(e.getMessage().contains("no response within") && e.getMessage().contains("2 of 4"),
                e.getMessage());
        assertEquals(List.of(0, 1), recorder.indexes());
        assertEquals(List.of(base + part, base + 2 * part), recorder.deliveries.stream().map(Delivery::at).toList());
        assertEquals(timeout.toNanos(), clock.nanoTime());
        assertEquals(1, provider.stats().injectedTimeouts());
        assertEquals(0, provider.stats().succeeded());
    }

    @Test
    void misnumberedSegmentIsLeftOutAndReported() throws InterruptedException {
        FakeProvider provider = timed().batchMisnumberRate(1).seed(3).build();
        int unknown = 0;
        int repeated = 0;
        for (int call = 0; call < 50; call++) {
            Recorder recorder = new Recorder();
            BatchOutcome outcome = recorder.run(provider, MIXED);
            List<Integer> indexes = recorder.indexes();
            assertEquals(MIXED.size() - 1, indexes.size(), "one segment left out");
            int missing = IntStream.range(0, MIXED.size()).filter(i -> !indexes.contains(i)).findFirst().orElseThrow();
            assertEquals(2, outcome.problems().size(), outcome.problems().toString());
            String wrongId = outcome.problems().get(0);
            if (wrongId.startsWith("unknown id")) {
                unknown++;
            } else {
                assertTrue(wrongId.matches("id \\d+ answered twice.*"), wrongId);
                repeated++;
            }
            assertEquals("no answer for id " + (missing + 1) + " (segment " + missing + ")", outcome.problems().get(1));
            assertOwnTexts(recorder);
            // The misnumbered part was written all the same: the call's usage and latency count it.
            assertEquals(completion(MIXED), outcome.usage().completionTokens());
        }
        assertTrue(unknown > 0 && repeated > 0, "unknown " + unknown + ", repeated " + repeated);
        assertEquals(50, provider.stats().batchSegmentsLeftOut());
        assertEquals(50, provider.stats().succeeded());
    }

    @Test
    void droppedSegmentIsLeftOutAndReported() throws InterruptedException {
        FakeProvider provider = timed().batchDropRate(1).seed(4).build();
        Recorder recorder = new Recorder();
        BatchOutcome outcome = recorder.run(provider, MIXED);
        List<Integer> indexes = recorder.indexes();
        assertEquals(MIXED.size() - 1, indexes.size());
        int missing = IntStream.range(0, MIXED.size()).filter(i -> !indexes.contains(i)).findFirst().orElseThrow();
        assertEquals(List.of("no answer for id " + (missing + 1) + " (segment " + missing + ")"), outcome.problems());
        assertOwnTexts(recorder);
        // The model did not write the missing part: the call's completion and latency leave it out.
        int completion = recorder.deliveries.stream().mapToInt(d -> d.result().usage().completionTokens()).sum();
        assertEquals(completion, outcome.usage().completionTokens());
        assertEquals(Duration.ofMillis(200 + 2L * completion), outcome.providerLatency());
        assertEquals(1, provider.stats().batchSegmentsLeftOut());
    }

    @Test
    void answersAreReproducibleBySeedAndFollowTheirRates() throws InterruptedException {
        List<List<String>> first = problems(21, 1000);
        assertEquals(first, problems(21, 1000));
        assertNotEquals(first, problems(22, 1000));
        long misnumbered = first.stream().filter(p -> p.stream().anyMatch(l -> !l.startsWith("no answer"))).count();
        long dropped = first.stream().filter(p -> p.size() == 1 || p.size() == 3).count();
        assertTrue(misnumbered > 240 && misnumbered < 360, misnumbered + " misnumbered in 1000 at rate 0.3");
        assertTrue(dropped > 140 && dropped < 260, dropped + " dropped in 1000 at rate 0.2");
    }

    private List<List<String>> problems(long seed, int calls) throws InterruptedException {
        ManualClock own = ManualClock.create();
        FakeProvider provider = FakeProvider.builder().clock(own).sleeper(own::sleep).seed(seed).unlimited()
                .batchMisnumberRate(0.3).batchDropRate(0.2).build();
        List<List<String>> problems = new ArrayList<>();
        for (int i = 0; i < calls; i++) {
            Recorder recorder = new Recorder();
            BatchOutcome outcome = recorder.run(provider, MIXED);
            assertEquals(MIXED.size() - recorder.deliveries.size(),
                    outcome.problems().stream().filter(l -> l.startsWith("no answer")).count());
            assertOwnTexts(recorder);
            problems.add(outcome.problems());
        }
        return problems;
    }

    @Test
    void twoSegmentBatchWithBothDefectsNeverHandsOverAnothersText() throws InterruptedException {
        FakeProvider provider = instant().batchMisnumberRate(1).batchDropRate(1).seed(8).build();
        List<TranslationRequest> requests = List.of(MIXED.get(0), MIXED.get(1));
        for (int call = 0; call < 200; call++) {
            Recorder recorder = new Recorder();
            BatchOutcome outcome = recorder.run(provider, requests);
            assertOwnTexts(recorder);
            assertEquals(2 - recorder.deliveries.size(),
                    outcome.problems().stream().filter(l -> l.startsWith("no answer")).count(), outcome.problems().toString());
        }
    }

    /** The completion tokens of the requests, each translated on its own. */
    private static int completion(List<TranslationRequest> requests) throws InterruptedException {
        FakeProvider single = FakeProvider.builder().zeroLatency().unlimited().build();
        int sum = 0;
        for (TranslationRequest request : requests) {
            sum += single.translate(request).usage().completionTokens();
        }
        return sum;
    }

    /** Every segment handed over got its own translation, never another segment's. */
    private static void assertOwnTexts(Recorder recorder) throws InterruptedException {
        FakeProvider single = FakeProvider.builder().zeroLatency().unlimited().build();
        List<TranslationRequest> requests = recorder.requests;
        for (Delivery delivery : recorder.deliveries) {
            assertEquals(single.translate(requests.get(delivery.index())).text(), delivery.result().text(),
                    "segment " + delivery.index());
        }
    }

    @Test
    void pendingInterruptAbandonsTheBatchBeforeItStarts() {
        FakeProvider provider = instant().build();
        Recorder recorder = new Recorder();
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, () -> recorder.run(provider, MIXED));
        assertFalse(Thread.currentThread().isInterrupted());
        assertEquals(1, provider.stats().interrupted());
    }

    @Test
    void statsCountBatchCallsAndTheirSegments() throws InterruptedException {
        FakeProvider provider = instant().build();
        provider.translate(MIXED.get(0));
        new Recorder().run(provider, MIXED);
        new Recorder().run(provider, hellos(3));
        FakeProviderStats stats = provider.stats();
        assertEquals(3, stats.calls());
        assertEquals(3, stats.succeeded());
        assertEquals(2, stats.batchCalls());
        assertEquals(MIXED.size() + 3, stats.batchSegments());
        assertEquals(0, stats.batchSegmentsLeftOut());
    }

    @Test
    void builderRejectsBadBatchValuesNamingTheField() {
        for (int bad : new int[] {0, FakeProvider.BATCH_MAX_SEGMENTS_LIMIT + 1}) {
            var e = assertThrows(IllegalArgumentException.class, () -> FakeProvider.builder().batchMaxSegments(bad));
            assertTrue(e.getMessage().startsWith("batchMaxSegments"), e.getMessage());
        }
        var tokens = assertThrows(IllegalArgumentException.class, () -> FakeProvider.builder().batchMaxTokens(0));
        assertTrue(tokens.getMessage().startsWith("batchMaxTokens"), tokens.getMessage());
        var misnumber = assertThrows(IllegalArgumentException.class, () -> FakeProvider.builder().batchMisnumberRate(1.5));
        assertTrue(misnumber.getMessage().startsWith("batchMisnumberRate"), misnumber.getMessage());
        var drop = assertThrows(IllegalArgumentException.class, () -> FakeProvider.builder().batchDropRate(-0.1));
        assertTrue(drop.getMessage().startsWith("batchDropRate"), drop.getMessage());
    }
}
