package dev.fairway.app.load;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What one {@code fairway load} run does.
 *
 * @param target the WebSocket session endpoint, for example {@code ws://127.0.0.1:8080/v1/session}
 * @param sessionCounts the scenarios: how many concurrent sessions each runs, one after another
 * @param duration how long each scenario speaks
 * @param partialInterval time between two partials of one session
 * @param wordsPerPartial how many words each partial adds
 * @param partialsPerFinal a final after this many partials
 * @param rampUp sessions start spread over this time, so they do not all speak in step
 * @param drainTimeout after speaking, how long to wait for accepted finals to be answered
 * @param source language spoken
 * @param target2 language wanted
 * @param token API token for the server, when it requires one
 * @param seed seed of the word choice, so runs are comparable
 * @param idleReaders extra connections that start a session, ping and never read, beside each scenario
 * @param idleReaderInterval time between two pings of one idle reader
 * @param idleReaderIdBytes bytes of an idle reader's ping {@code id} as JSON
 * @param reconnect protocol version 2: each session keeps its resume token and resumes when its connection drops
 * @param reconnectTimeout how long a session tries to resume after a drop before it fails
 */
public record LoadPlan(
        URI target,
        List<Integer> sessionCounts,
        Duration duration,
        Duration partialInterval,
        int wordsPerPartial,
        int partialsPerFinal,
        Duration rampUp,
        Duration drainTimeout,
        String source,
        String target2,
        Optional<String> token,
        long seed,
        int idleReaders,
        Duration idleReaderInterval,
        int idleReaderIdBytes,
        boolean reconnect,
        Duration reconnectTimeout) {

    /** Validates the plan; messages name the option. */
    public LoadPlan {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(token, "token");
        sessionCounts = List.copyOf(sessionCounts);
        if (sessionCounts.isEmpty()) {
            throw new IllegalArgumentException("--sessions must name at least one count");
        }
        for (int n : sessionCounts) {
            if (n < 1 || n > 100_000) {
                throw new IllegalArgumentException("--sessions must be 1 to 100000, was " + n);
            }
        }
        positive("--duration", duration);
        positive("--partial-interval", partialInterval);
        if (wordsPerPartial < 1 || wordsPerPartial > 100) {
            throw new IllegalArgumentException("--words-per-partial must be 1 to 100, was " + wordsPerPartial);
        }
        if (partialsPerFinal < 1 || partialsPerFinal > 1000) {
            throw new IllegalArgumentException("--partials-per-final must be 1 to 1000, was " + partialsPerFinal);
        }
        if (idleReaders < 0 || idleReaders > 100_000) {
            throw new IllegalArgumentException("--idle-readers must be 0 to 100000, was " + idleReaders);
        }
        positive("--idle-reader-interval", idleReaderInterval);
        if (idleReaderIdBytes < 2 || idleReaderIdBytes > 65_000) {
            throw new IllegalArgumentException("--idle-reader-id-bytes must be 2 to 65000, was " + idleReaderIdBytes);
        }
        positive("--reconnect-timeout", reconnectTimeout);
        if (rampUp.isNegative() || drainTimeout.isNegative()) {
            throw new IllegalArgumentException("--ramp-up and --drain-timeout must not be negative");
        }
    }

    private static void positive(String option, Duration d) {
        if (d == null || d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(option + " must be > 0, was " + d);
        }
    }
}
