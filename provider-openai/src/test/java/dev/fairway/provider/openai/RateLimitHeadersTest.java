package dev.fairway.provider.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.fairway.api.RateLimitFeedback;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RateLimitHeadersTest {

    private static final Instant NOW = Instant.parse("2026-10-21T07:28:00Z");

    private static HttpHeaders headers(Map<String, String> values) {
        return HttpHeaders.of(values.entrySet().stream().collect(java.util.stream.Collectors.toMap(
                Map.Entry::getKey, e -> List.of(e.getValue()))), (a, b) -> true);
    }

    @ParameterizedTest
    @CsvSource({
            "6m0s, 360000",
            "1s, 1000",
            "20ms, 20",
            "250ms, 250",
            "1m30.5s, 90500",
            "1h2m3s, 3723000",
            "0s, 0",
            "30, 30000",
            "0.5, 500",
            "1.5s, 1500",
            "500us, 0.5",
            "2d, 172800000"})
    void durationsInOpenAisSyntaxAndPlainSeconds(String text, double millis) {
        assertEquals(Optional.of(Duration.ofNanos(Math.round(millis * 1_000_000))), RateLimitHeaders.parseDuration(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "soon", "1x", "-1s", "1s garbage", "m1", "1.s"})
    void unreadableDurationsAreLeftOut(String text) {
        assertEquals(Optional.empty(), RateLimitHeaders.parseDuration(text));
    }

    @Test
    void everyRateLimitHeaderIsRead() {
        RateLimitFeedback f = RateLimitHeaders.parse(headers(Map.of(
                "x-ratelimit-limit-requests", "5000",
                "x-ratelimit-limit-tokens", "2000000",
                "x-ratelimit-remaining-requests", "4999",
                "x-ratelimit-remaining-tokens", "1999000",
                "x-ratelimit-reset-requests", "12ms",
                "x-ratelimit-reset-tokens", "6m0s")), NOW);

        assertEquals(RateLimitFeedback.builder().requestLimit(5000).tokenLimit(2_000_000).requestsRemaining(4999)
                .tokensRemaining(1_999_000).requestsReset(Duration.ofMillis(12)).tokensReset(Duration.ofMinutes(6))
                .build(), f);
    }

    @Test
    void malformedOrNegativeHeadersAreLeftOutNotFatal() {
        RateLimitFeedback f = RateLimitHeaders.parse(headers(Map.of(
                "x-ratelimit-limit-requests", "lots",
                "x-ratelimit-remaining-requests", "-3",
                "x-ratelimit-remaining-tokens", "99999999999999999999999",
                "x-ratelimit-reset-tokens", "whenever",
                "retry-after", "later")), NOW);

        assertEquals(OptionalLong.empty(), f.requestLimit());
        assertEquals(OptionalLong.empty(), f.requestsRemaining());
        assertEquals(OptionalLong.of(Long.MAX_VALUE), f.tokensRemaining());
        assertEquals(Optional.empty(), f.tokensReset());
        assertEquals(Optional.empty(), f.retryAfter());
    }

    @Test
    void noHeadersSayNothing() {
        assertEquals(RateLimitFeedback.NONE, RateLimitHeaders.parse(headers(Map.of()), NOW));
    }
}
