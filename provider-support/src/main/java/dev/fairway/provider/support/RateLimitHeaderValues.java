package dev.fairway.provider.support;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * Reads the values of rate-limit headers that providers write alike: counts, {@code retry-after-ms}
 * and {@code Retry-After}. A provider maps its own header names onto
 * {@link dev.fairway.api.RateLimitFeedback} with these. A value that cannot be read is left out: the
 * feedback is advice, and a malformed header must not fail a translation that succeeded.
 */
public final class RateLimitHeaderValues {

    private static final Pattern DECIMAL = Pattern.compile("\\d+(?:\\.\\d+)?");

    private RateLimitHeaderValues() {
    }

    /**
     * A count header such as {@code x-ratelimit-remaining-tokens}; a decimal is cut to a whole number,
     * a huge one to {@link Long#MAX_VALUE}.
     *
     * @param headers the response headers
     * @param name the header
     * @return the count, when present and a non-negative number
     */
    public static OptionalLong count(HttpHeaders headers, String name) {
        Optional<String> value = headers.firstValue(name).map(String::trim);
        if (value.isEmpty() || !isDecimal(value.get())) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(new BigDecimal(value.get()).min(BigDecimal.valueOf(Long.MAX_VALUE)).longValue());
        } catch (NumberFormatException | ArithmeticException e) {
            return OptionalLong.empty();
        }
    }

    /**
     * The wait a response asks for: {@code retry-after-ms} (milliseconds, as OpenAI's and Anthropic's SDKs
     * read it) first, then {@code Retry-After} in seconds, or an HTTP date measured from {@code now} (a
     * past date is zero). The cap on a long wait is the limiter's business, not the provider's.
     *
     * @param headers the response headers
     * @param now the wall-clock time
     * @return the wait when a header said one
     */
    public static Optional<Duration> retryAfter(HttpHeaders headers, Instant now) {
        Optional<String> millis = headers.firstValue("retry-after-ms").map(String::trim);
        if (millis.isPresent() && isDecimal(millis.get())) {
            return Optional.of(fromDecimal(millis.get(), 1_000_000L));
        }
        Optional<String> value = headers.firstValue("retry-after").map(String::trim);
        if (value.isEmpty()) {
            return Optional.empty();
        }
        if (isDecimal(value.get())) {
            return Optional.of(fromDecimal(value.get(), 1_000_000_000L));
        }
        try {
            Instant at = ZonedDateTime.parse(value.get(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            return Optional.of(until(now, at));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /**
     * Whether a text is a non-negative decimal number without sign or exponent.
     *
     * @param text the text
     * @return true for {@code 30} or {@code 0.5}
     */
    public static boolean isDecimal(String text) {
        return DECIMAL.matcher(text).matches();
    }

    /**
     * A decimal amount of a unit as a duration, rounded to the nanosecond and capped.
     *
     * @param amount a text that {@link #isDecimal} accepts
     * @param nanosPerUnit nanoseconds in the unit
     * @return the duration
     */
    public static Duration fromDecimal(String amount, long nanosPerUnit) {
        BigDecimal nanos = new BigDecimal(amount).multiply(BigDecimal.valueOf(nanosPerUnit));
        BigDecimal capped = nanos.min(BigDecimal.valueOf(Long.MAX_VALUE));
        return Duration.ofNanos(capped.setScale(0, RoundingMode.HALF_UP).longValueExact());
    }

    /**
     * The time from {@code now} until {@code at}.
     *
     * @param now the wall-clock time
     * @param at a time
     * @return the wait, zero when {@code at} is past
     */
    public static Duration until(Instant now, Instant at) {
        Duration wait = Duration.between(now, at);
        return wait.isNegative() ? Duration.ZERO : wait;
    }
}
