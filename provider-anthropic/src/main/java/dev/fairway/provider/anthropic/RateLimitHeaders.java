package dev.fairway.provider.anthropic;

import dev.fairway.api.RateLimitFeedback;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * Reads Anthropic's rate-limit headers into {@link RateLimitFeedback}.
 *
 * <ul>
 *   <li>Requests: {@code anthropic-ratelimit-requests-limit}, {@code -requests-remaining},
 *       {@code -requests-reset}.</li>
 *   <li>Tokens: {@code anthropic-ratelimit-tokens-limit}, {@code -tokens-remaining}, {@code -tokens-reset},
 *       which Anthropic sends for the most restrictive token limit in effect. Without them, the
 *       input-token ({@code anthropic-ratelimit-input-tokens-*}) or output-token
 *       ({@code anthropic-ratelimit-output-tokens-*}) triple whose remaining count is lower, so that the
 *       limiter calibrates on the tighter of the two.</li>
 *   <li>Resets are RFC 3339 timestamps ({@code 2026-10-21T07:28:30Z}), turned into the time from now
 *       until then (zero when already past).</li>
 *   <li>{@code retry-after}: seconds (or an HTTP date).</li>
 * </ul>
 * A value that cannot be read is left out: the feedback is advice, and a malformed header must not
 * fail a translation that succeeded.
 */
final class RateLimitHeaders {

    static final String PREFIX = "anthropic-ratelimit-";
    private static final Pattern DECIMAL = Pattern.compile("\\d+(?:\\.\\d+)?");

    private RateLimitHeaders() {
    }

    /** One limit's three headers. */
    private record Triple(OptionalLong limit, OptionalLong remaining, Optional<Duration> reset) {
        boolean isPresent() {
            return limit.isPresent() || remaining.isPresent() || reset.isPresent();
        }
    }

    /**
     * Reads every rate-limit header present.
     *
     * @param headers the response headers
     * @param now the wall-clock time, to turn reset timestamps and an HTTP-date {@code retry-after} into waits
     * @return the feedback; {@link RateLimitFeedback#NONE} when no header was usable
     */
    static RateLimitFeedback parse(HttpHeaders headers, Instant now) {
        RateLimitFeedback.Builder b = RateLimitFeedback.builder();
        Triple requests = triple(headers, "requests", now);
        requests.limit().ifPresent(b::requestLimit);
        requests.remaining().ifPresent(b::requestsRemaining);
        requests.reset().ifPresent(b::requestsReset);
        Triple tokens = tokens(headers, now);
        tokens.limit().ifPresent(b::tokenLimit);
        tokens.remaining().ifPresent(b::tokensRemaining);
        tokens.reset().ifPresent(b::tokensReset);
        retryAfter(headers, now).ifPresent(b::retryAfter);
        return b.build();
    }

    /**
     * The wait a response asks for: {@code retry-after} in seconds, or an HTTP date measured from
     * {@code now} (a past date is zero).
     *
     * @param headers the response headers
     * @param now the wall-clock time
     * @return the wait when the header said one
     */
    static Optional<Duration> retryAfter(HttpHeaders headers, Instant now) {
        Optional<String> value = headers.firstValue("retry-after").map(String::trim);
        if (value.isEmpty()) {
            return Optional.empty();
        }
        if (DECIMAL.matcher(value.get()).matches()) {
            return Optional.of(seconds(value.get()));
        }
        try {
            Instant at = ZonedDateTime.parse(value.get(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            return Optional.of(until(now, at));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /**
     * The time from {@code now} until an RFC 3339 timestamp.
     *
     * @param text for example {@code 2026-10-21T07:28:30Z} or {@code 2026-10-21T09:28:30.5+02:00}
     * @param now the wall-clock time
     * @return the wait, zero when the time is past; empty when the text is not a timestamp
     */
    static Optional<Duration> reset(String text, Instant now) {
        try {
            return Optional.of(until(now, OffsetDateTime.parse(text.trim(), DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant()));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    private static Triple tokens(HttpHeaders headers, Instant now) {
        Triple combined = triple(headers, "tokens", now);
        if (combined.isPresent()) {
            return combined;
        }
        Triple tightest = new Triple(OptionalLong.empty(), OptionalLong.empty(), Optional.empty());
        for (String kind : List.of("input-tokens", "output-tokens")) {
            Triple t = triple(headers, kind, now);
            if (!t.isPresent()) {
                continue;
            }
            if (!tightest.isPresent() || remainingOrMax(t) < remainingOrMax(tightest)) {
                tightest = t;
            }
        }
        return tightest;
    }

    private static long remainingOrMax(Triple t) {
        return t.remaining().orElse(Long.MAX_VALUE);
    }

    private static Triple triple(HttpHeaders headers, String kind, Instant now) {
        return new Triple(count(headers, PREFIX + kind + "-limit"), count(headers, PREFIX + kind + "-remaining"),
                headers.firstValue(PREFIX + kind + "-reset").flatMap(v -> reset(v, now)));
    }

    private static OptionalLong count(HttpHeaders headers, String name) {
        Optional<String> value = headers.firstValue(name).map(String::trim);
        if (value.isEmpty() || !DECIMAL.matcher(value.get()).matches()) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(new BigDecimal(value.get()).min(BigDecimal.valueOf(Long.MAX_VALUE)).longValue());
    }

    private static Duration seconds(String amount) {
        BigDecimal nanos = new BigDecimal(amount).multiply(BigDecimal.valueOf(1_000_000_000L));
        BigDecimal capped = nanos.min(BigDecimal.valueOf(Long.MAX_VALUE));
        return Duration.ofNanos(capped.setScale(0, RoundingMode.HALF_UP).longValueExact());
    }

    private static Duration until(Instant now, Instant at) {
        Duration wait = Duration.between(now, at);
        return wait.isNegative() ? Duration.ZERO : wait;
    }
}
