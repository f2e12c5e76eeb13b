package dev.fairway.provider.anthropic;

import dev.fairway.api.RateLimitFeedback;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.OptionalLong;

import static dev.fairway.provider.support.RateLimitHeaderValues.count;
import static dev.fairway.provider.support.RateLimitHeaderValues.retryAfter;
import static dev.fairway.provider.support.RateLimitHeaderValues.until;

/**
 * Reads Anthropic's rate-limit headers into {@link RateLimitFeedback}.
 *
 * <ul>
 *   <li>Requests: {@code anthropic-ratelimit-requests-limit}, {@code -requests-remaining},
 *       {@code -requests-reset}.</li>
 *   <li>Input tokens: {@code anthropic-ratelimit-input-tokens-limit}, {@code -remaining}, {@code -reset}
 *       into the feedback's {@code inputToken*} fields.</li>
 *   <li>Output tokens: {@code anthropic-ratelimit-output-tokens-*} into the {@code outputToken*} fields.</li>
 *   <li>Combined tokens: {@code anthropic-ratelimit-tokens-*} into the {@code token*} fields, but only
 *       when the response has no input-token or output-token header: Anthropic sends the combined triple
 *       for the most restrictive token limit in effect, which, where input and output are limited apart,
 *       is one of those two again (80,000 output tokens left of a 1,800,000 budget), and the limiter
 *       would believe almost the whole combined budget spent. Nothing else fills the combined fields.</li>
 *   <li>Resets are RFC 3339 timestamps ({@code 2026-10-21T07:28:30Z}), turned into the time from now
 *       until then (zero when already past).</li>
 *   <li>The wait of a refusal: {@link dev.fairway.provider.support.RateLimitHeaderValues#retryAfter}.</li>
 * </ul>
 * A value that cannot be read is left out: the feedback is advice, and a malformed header must not
 * fail a translation that succeeded.
 */
final class RateLimitHeaders {

    static final String PREFIX = "anthropic-ratelimit-";

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
        Triple input = triple(headers, "input-tokens", now);
        input.limit().ifPresent(b::inputTokenLimit);
        input.remaining().ifPresent(b::inputTokensRemaining);
        input.reset().ifPresent(b::inputTokensReset);
        Triple output = triple(headers, "output-tokens", now);
        output.limit().ifPresent(b::outputTokenLimit);
        output.remaining().ifPresent(b::outputTokensRemaining);
        output.reset().ifPresent(b::outputTokensReset);
        if (!input.isPresent() && !output.isPresent()) {
            Triple tokens = triple(headers, "tokens", now);
            tokens.limit().ifPresent(b::tokenLimit);
            tokens.remaining().ifPresent(b::tokensRemaining);
            tokens.reset().ifPresent(b::tokensReset);
        }
        retryAfter(headers, now).ifPresent(b::retryAfter);
        return b.build();
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

    private static Triple triple(HttpHeaders headers, String kind, Instant now) {
        return new Triple(count(headers, PREFIX + kind + "-limit"), count(headers, PREFIX + kind + "-remaining"),
                headers.firstValue(PREFIX + kind + "-reset").flatMap(v -> reset(v, now)));
    }
}
