package dev.fairway.provider.openai;

import dev.fairway.api.RateLimitFeedback;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.fairway.provider.support.RateLimitHeaderValues.count;
import static dev.fairway.provider.support.RateLimitHeaderValues.fromDecimal;
import static dev.fairway.provider.support.RateLimitHeaderValues.isDecimal;
import static dev.fairway.provider.support.RateLimitHeaderValues.retryAfter;

/**
 * Reads OpenAI's rate-limit headers into {@link RateLimitFeedback}: {@code x-ratelimit-limit-requests},
 * {@code x-ratelimit-limit-tokens}, {@code x-ratelimit-remaining-requests},
 * {@code x-ratelimit-remaining-tokens}, {@code x-ratelimit-reset-requests},
 * {@code x-ratelimit-reset-tokens} (Go-style durations), and the wait of a refusal
 * ({@link dev.fairway.provider.support.RateLimitHeaderValues#retryAfter}). A value that cannot be read is
 * left out: the feedback is advice, and a malformed header must not fail a translation that succeeded.
 */
final class RateLimitHeaders {

    /** One part of a Go-style duration such as {@code 1m30.5s}; {@code ms} before {@code m} and {@code s}. */
    private static final Pattern DURATION_PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|us|µs|ns|h|m|s|d)");

    private RateLimitHeaders() {
    }

    /**
     * Reads every rate-limit header present.
     *
     * @param headers the response headers
     * @param now the wall-clock time, to turn an HTTP-date {@code Retry-After} into a wait
     * @return the feedback; {@link RateLimitFeedback#NONE} when no header was usable
     */
    static RateLimitFeedback parse(HttpHeaders headers, Instant now) {
        RateLimitFeedback.Builder b = RateLimitFeedback.builder();
        count(headers, "x-ratelimit-limit-requests").ifPresent(b::requestLimit);
        count(headers, "x-ratelimit-remaining-requests").ifPresent(b::requestsRemaining);
        duration(headers, "x-ratelimit-reset-requests").ifPresent(b::requestsReset);
        count(headers, "x-ratelimit-limit-tokens").ifPresent(b::tokenLimit);
        count(headers, "x-ratelimit-remaining-tokens").ifPresent(b::tokensRemaining);
        duration(headers, "x-ratelimit-reset-tokens").ifPresent(b::tokensReset);
        retryAfter(headers, now).ifPresent(b::retryAfter);
        return b.build();
    }

    /**
     * Parses a duration as OpenAI sends it: Go syntax ({@code 6m0s}, {@code 1s}, {@code 20ms},
     * {@code 1m30.5s}, {@code 1h2m}) or plain seconds ({@code 30}, {@code 0.5}).
     *
     * @param text the header value
     * @return the duration, or empty when the text is not one
     */
    static Optional<Duration> parseDuration(String text) {
        String t = text.trim();
        if (t.isEmpty()) {
            return Optional.empty();
        }
        if (isDecimal(t)) {
            return Optional.of(fromDecimal(t, 1_000_000_000L));
        }
        Matcher m = DURATION_PART.matcher(t);
        long nanos = 0;
        int end = 0;
        while (m.find()) {
            if (m.start() != end) {
                return Optional.empty();
            }
            end = m.end();
            long unit = switch (m.group(2)) {
                case "ns" -> 1L;
                case "us", "µs" -> 1_000L;
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                case "h" -> 3_600_000_000_000L;
                default -> 86_400_000_000_000L;
            };
            try {
                nanos = Math.addExact(nanos, fromDecimal(m.group(1), unit).toNanos());
            } catch (ArithmeticException e) {
                return Optional.empty();
            }
        }
        return end == t.length() && end > 0 ? Optional.of(Duration.ofNanos(nanos)) : Optional.empty();
    }

    private static Optional<Duration> duration(HttpHeaders headers, String name) {
        return headers.firstValue(name).flatMap(RateLimitHeaders::parseDuration);
    }
}
