package dev.fairway.provider.support;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class RateLimitHeaderValuesTest {

    private static final Instant NOW = Instant.parse("2026-10-21T07:28:00Z");

    private static HttpHeaders headers(Map<String, String> values) {
        return HttpHeaders.of(values.entrySet().stream().collect(Collectors.toMap(
                Map.Entry::getKey, e -> List.of(e.getValue()))), (a, b) -> true);
    }

    @Test
    void retryAfterMsWinsOverRetryAfter() {
        assertEquals(Optional.of(Duration.ofMillis(1250)),
                RateLimitHeaderValues.retryAfter(headers(Map.of("retry-after-ms", "1250", "retry-after", "9")), NOW));
    }

    @Test
    void retryAfterInSecondsWithAFraction() {
        assertEquals(Optional.of(Duration.ofMillis(2500)), RateLimitHeaderValues.retryAfter(headers(Map.of("retry-after", "2.5")), NOW));
    }

    @Test
    void retryAfterAsAnHttpDate() {
        assertEquals(Optional.of(Duration.ofSeconds(90)),
                RateLimitHeaderValues.retryAfter(headers(Map.of("retry-after", "Wed, 21 Oct 2026 07:29:30 GMT")), NOW));
    }

    @Test
    void retryAfterDateInThePastIsNoWait() {
        assertEquals(Optional.of(Duration.ZERO),
                RateLimitHeaderValues.retryAfter(headers(Map.of("retry-after", "Wed, 21 Oct 2026 07:00:00 GMT")), NOW));
    }

    @Test
    void countsAreWholeNumbersCappedAndUnreadableOnesLeftOut() {
        HttpHeaders h = headers(Map.of("a", "42", "b", "1.9", "c", "99999999999999999999999", "d", "-1", "e", "x"));
        assertEquals(OptionalLong.of(42), RateLimitHeaderValues.count(h, "a"));
        assertEquals(OptionalLong.of(1), RateLimitHeaderValues.count(h, "b"));
        assertEquals(OptionalLong.of(Long.MAX_VALUE), RateLimitHeaderValues.count(h, "c"));
        assertEquals(OptionalLong.empty(), RateLimitHeaderValues.count(h, "d"));
        assertEquals(OptionalLong.empty(), RateLimitHeaderValues.count(h, "e"));
        assertEquals(OptionalLong.empty(), RateLimitHeaderValues.count(h, "missing"));
    }

    @Test
    void unreadableRetryAfterIsLeftOut() {
        assertEquals(Optional.empty(), RateLimitHeaderValues.retryAfter(headers(Map.of("retry-after", "soon")), NOW));
        assertEquals(Optional.empty(), RateLimitHeaderValues.retryAfter(headers(Map.of()), NOW));
    }
}
