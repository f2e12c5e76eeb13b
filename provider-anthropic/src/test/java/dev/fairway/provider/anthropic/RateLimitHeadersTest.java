package dev.fairway.provider.anthropic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.fairway.api.RateLimitFeedback;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class RateLimitHeadersTest {

    private static final Instant NOW = Instant.parse("2026-10-21T07:28:00Z");

    private static HttpHeaders headers(Map<String, String> values) {
        return HttpHeaders.of(values.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey,
                e -> List.of(e.getValue()))), (name, value) -> true);
    }

    private static RateLimitFeedback parse(Map<String, String> values) {
        return RateLimitHeaders.parse(headers(values), NOW);
    }

    @Test
    void requestAndTokenTriplesAreRead() {
        RateLimitFeedback f = parse(Map.of(
                "anthropic-ratelimit-requests-limit", "4000",
                "anthropic-ratelimit-requests-remaining", "3999",
                "anthropic-ratelimit-requests-reset", "2026-10-21T07:28:00.015Z",
                "anthropic-ratelimit-tokens-limit", "400000",
                "anthropic-ratelimit-tokens-remaining", "399000",
                "anthropic-ratelimit-tokens-reset", "2026-10-21T07:29:30Z"));

        assertEquals(OptionalLong.of(4000), f.requestLimit());
        assertEquals(OptionalLong.of(3999), f.requestsRemaining());
        assertEquals(Optional.of(Duration.ofMillis(15)), f.requestsReset());
        assertEquals(OptionalLong.of(400_000), f.tokenLimit());
        assertEquals(OptionalLong.of(399_000), f.tokensRemaining());
        assertEquals(Optional.of(Duration.ofSeconds(90)), f.tokensReset());
        assertEquals(Optional.empty(), f.retryAfter());
    }

    @Test
    void resetWithAnOffsetIsTheSameInstant() {
        assertEquals(Optional.of(Duration.ofSeconds(30)),
                RateLimitHeaders.reset("2026-10-21T09:28:30+02:00", NOW));
    }

    @Test
    void resetInThePastIsZero() {
        assertEquals(Optional.of(Duration.ZERO), RateLimitHeaders.reset("2026-10-21T07:27:00Z", NOW));
    }

    @Test
    void inputAndOutputTokenHeadersFillTheirOwnWindowsNeverTheCombinedOne() {
        // Anthropic's per-minute token limits, input and output apart: 80,000 output tokens left must
        // not become "80,000 tokens left" of the combined budget (the limiter would see ~95% spent).
        RateLimitFeedback f = parse(Map.of(
                "anthropic-ratelimit-input-tokens-limit", "400000",
                "anthropic-ratelimit-input-tokens-remaining", "350000",
                "anthropic-ratelimit-input-tokens-reset", "2026-10-21T07:28:10Z",
                "anthropic-ratelimit-output-tokens-limit", "90000",
                "anthropic-ratelimit-output-tokens-remaining", "80000",
                "anthropic-ratelimit-output-tokens-reset", "2026-10-21T07:28:45Z"));

        assertEquals(OptionalLong.of(400_000), f.inputTokenLimit());
        assertEquals(OptionalLong.of(350_000), f.inputTokensRemaining());
        assertEquals(Optional.of(Duration.ofSeconds(10)), f.inputTokensReset());
        assertEquals(OptionalLong.of(90_000), f.outputTokenLimit());
        assertEquals(OptionalLong.of(80_000), f.outputTokensRemaining());
        assertEquals(Optional.of(Duration.ofSeconds(45)), f.outputTokensReset());
        assertEquals(OptionalLong.empty(), f.tokenLimit());
        assertEquals(OptionalLong.empty(), f.tokensRemaining());
        assertEquals(Optional.empty(), f.tokensReset());
    }

    @Test
    void combinedTokenHeadersFillOnlyTheCombinedWindow() {
        RateLimitFeedback f = parse(Map.of(
                "anthropic-ratelimit-tokens-limit", "490000",
                "anthropic-ratelimit-tokens-remaining", "5000"));

        assertEquals(OptionalLong.of(490_000), f.tokenLimit());
        assertEquals(OptionalLong.of(5_000), f.tokensRemaining());
        assertEquals(OptionalLong.empty(), f.outputTokensRemaining());
        assertEquals(OptionalLong.empty(), f.inputTokensRemaining());
    }

    @Test
    void combinedTokenHeadersBesideInputAndOutputOnesAreTheirMostRestrictiveNotACombinedBudget() {
        // Anthropic sends tokens-* for the most restrictive limit in effect: here the output one.
        RateLimitFeedback f = parse(Map.of(
                "anthropic-ratelimit-tokens-limit", "90000",
                "anthropic-ratelimit-tokens-remaining", "80000",
                "anthropic-ratelimit-input-tokens-remaining", "350000",
                "anthropic-ratelimit-output-tokens-limit", "90000",
                "anthropic-ratelimit-output-tokens-remaining", "80000"));

        assertEquals(OptionalLong.empty(), f.tokenLimit());
        assertEquals(OptionalLong.empty(), f.tokensRemaining());
        assertEquals(OptionalLong.of(80_000), f.outputTokensRemaining());
        assertEquals(OptionalLong.of(350_000), f.inputTokensRemaining());
    }

    @Test
    void retryAfterMsWinsOverRetryAfter() {
        assertEquals(Optional.of(Duration.ofMillis(1250)),
                parse(Map.of("retry-after-ms", "1250", "retry-after", "2")).retryAfter());
        assertEquals(Optional.of(Duration.ofNanos(2_500_000)), parse(Map.of("retry-after-ms", "2.5")).retryAfter());
        assertEquals(Optional.of(Duration.ofSeconds(2)),
                parse(Map.of("retry-after-ms", "soon", "retry-after", "2")).retryAfter(),
                "an unreadable retry-after-ms falls back to retry-after");
    }

    @Test
    void retryAfterInSecondsOrAsAnHttpDate() {
        assertEquals(Optional.of(Duration.ofSeconds(7)), parse(Map.of("retry-after", "7")).retryAfter());
        assertEquals(Optional.of(Duration.ofMillis(1500)), parse(Map.of("retry-after", "1.5")).retryAfter());
        assertEquals(Optional.of(Duration.ofSeconds(20)),
                parse(Map.of("retry-after", "Wed, 21 Oct 2026 07:28:20 GMT")).retryAfter());
    }

    @Test
    void unreadableValuesAreLeftOutNotFatal() {
        RateLimitFeedback f = parse(Map.of(
                "anthropic-ratelimit-requests-limit", "lots",
                "anthropic-ratelimit-requests-remaining", "-1",
                "anthropic-ratelimit-requests-reset", "soon",
                "retry-after", "later"));

        assertFalse(f.isPresent(), f.toString());
    }

    @Test
    void noHeadersIsNone() {
        assertEquals(RateLimitFeedback.NONE, parse(Map.of("content-type", "application/json")));
    }
}
