package dev.fairway.transport.websocket;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@code GET /ready} answers: every check in order with its state, {@code 200} when all are ready and
 * {@code 503} otherwise. The document:
 * {@code {"status":"READY"|"NOT_READY", "reason":..., "message":..., "checks":[{"name":..., "status":...,
 * "reason":..., "message":...}, ...]}}, where {@code reason} and {@code message} are present for a check that
 * is not ready and, at the top, are those of the first such check.
 */
final class ReadyReport {

    /**
     * One check's state.
     *
     * @param name the check's name
     * @param reason a short stable token when not ready ({@code shutting-down}, {@code max-connections}, an
     *     admission reason, or the name of an application check), null when ready
     * @param message a sentence when not ready, null when ready
     */
    record Check(String name, String reason, String message) {

        Check {
            Objects.requireNonNull(name, "name");
            if ((reason == null) != (message == null)) {
                throw new IllegalArgumentException("reason and message go together, were " + reason + ", " + message);
            }
        }

        static Check ready(String name) {
            return new Check(name, null, null);
        }

        boolean isReady() {
            return reason == null;
        }
    }

    private final List<Check> checks = new ArrayList<>();
    private Duration retryAfter;

    /** Adds a check's state, in the order the document lists them. */
    ReadyReport add(Check check) {
        checks.add(Objects.requireNonNull(check, "check"));
        return this;
    }

    /** A {@code Retry-After} for the answer (an admission refusal's); the longest one given wins. */
    ReadyReport retryAfter(Duration wait) {
        if (retryAfter == null || wait.compareTo(retryAfter) > 0) {
            retryAfter = wait;
        }
        return this;
    }

    Optional<Duration> retryAfter() {
        return ready() ? Optional.empty() : Optional.ofNullable(retryAfter);
    }

    boolean ready() {
        return checks.stream().allMatch(Check::isReady);
    }

    int httpStatus() {
        return ready() ? 200 : 503;
    }

    Map<String, Object> document() {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("status", ready() ? "READY" : "NOT_READY");
        checks.stream().filter(c -> !c.isReady()).findFirst().ifPresent(first -> {
            doc.put("reason", first.reason());
            doc.put("message", first.message());
        });
        List<Map<String, Object>> list = new ArrayList<>();
        for (Check check : checks) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("name", check.name());
            row.put("status", check.isReady() ? "READY" : "NOT_READY");
            if (!check.isReady()) {
                row.put("reason", check.reason());
                row.put("message", check.message());
            }
            list.add(row);
        }
        doc.put("checks", list);
        return doc;
    }
}
