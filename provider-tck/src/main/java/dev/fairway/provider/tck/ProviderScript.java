package dev.fairway.provider.tck;

import dev.fairway.api.PermanentProviderException;
import dev.fairway.api.spi.PluginConfig;
import dev.fairway.api.spi.ProviderContext;
import dev.fairway.api.spi.TranslationProvider;
import dev.fairway.api.spi.TranslationProviderFactory;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;

/**
 * What the contract kit tells the provider's counterpart to do: the scripted server (or the
 * in-process simulation) that answers the provider's requests. A provider's author implements it
 * once; {@link TranslationProviderContract} drives it through every scenario.
 *
 * <p>For an HTTP provider the script is usually a loopback server that answers as the real API does
 * ({@link LoopbackProviderScript} does the plumbing); for an in-process provider it can bake each
 * scenario into the configuration and, through {@link #create}, into the provider it builds.
 *
 * <p>Order of calls. For each scenario the kit first calls the scenario method
 * ({@link #answerNormally()}, {@link #rateLimit}, {@link #failTransiently()}, {@link #failPermanently},
 * {@link #hang()}), then {@link #config} and {@link #create} to build a fresh provider, then calls it.
 * Only around the interruption rules does the scenario change under a provider that already exists:
 * after {@link #hang()} the kit interrupts the held call, then calls {@link #release()} and
 * {@link #answerNormally()} and expects the same provider to answer normally again. The kit calls
 * every method from the test's own thread, one at a time; answers are given on whatever threads
 * the script uses. One script serves one test and is {@linkplain #close() closed} after it.
 *
 * <p>A script that cannot produce a scenario (a real endpoint cannot be told to rate-limit or to
 * hang) calls {@code org.junit.jupiter.api.Assumptions.abort("...")} in that scenario's method: the
 * rules that need it are reported as skipped, and the {@code no-credential-leak} rule leaves the
 * scenario out.
 *
 * <p>Batch calls. For a provider whose {@link TranslationProvider#batchLimits()} is present, the batch rules
 * call {@link #answerBatch} (or a failure scenario) and then {@code translateBatch}; a script that does not
 * override {@link #answerBatch} has them skipped.
 */
public interface ProviderScript extends AutoCloseable {

    /**
     * The provider's configuration for the current scenario, as the application would hand it to the
     * factory: the address of this script (for an HTTP provider) and the credential.
     *
     * @param credential a canary secret the kit made up; configure it as the provider's API key (or
     *     other credential) so that the kit can check it never shows in a log line, an exception
     *     message or a {@code toString}. A provider without credentials may ignore it.
     * @return the configuration, for example {@code base-url = http://127.0.0.1:PORT} and
     *     {@code api-key = credential} under {@code fairway.provider.NAME}
     */
    PluginConfig config(String credential);

    /**
     * Builds the provider under test. The default calls the factory, as the application does;
     * override it only to hand an in-process provider something configuration cannot carry (a
     * sleeper the script controls, for example).
     *
     * @param factory the factory under test ({@link TranslationProviderContract#factory()})
     * @param context the configuration from {@link #config}, a no-op OpenTelemetry and the kit's clock
     * @return the provider
     */
    default TranslationProvider create(TranslationProviderFactory factory, ProviderContext context) {
        return factory.create(context);
    }

    /**
     * From now on, answer every request with a successful translation that
     * <ul>
     *   <li>contains the numbers of the source text (an answer that echoes the source text, perhaps
     *       with a prefix such as {@code "[fr] "}, does): the kit checks that each caller got the
     *       translation of its own request;</li>
     *   <li>reports usage with input and output tokens above zero;</li>
     *   <li>carries rate-limit information (headers such as {@code x-ratelimit-remaining-requests})
     *       unless {@link #reportsRateLimits()} says the API has none.</li>
     * </ul>
     * This is the state a fresh script starts in.
     */
    void answerNormally();

    /**
     * From now on, refuse every request for a rate limit (HTTP 429 with the API's rate-limit error),
     * asking the caller to wait {@code retryAfter} (for example {@code retry-after: 2}).
     *
     * @param retryAfter the wait to announce; the kit uses whole seconds
     */
    void rateLimit(Duration retryAfter);

    /**
     * From now on, fail every request in a way that may pass if sent again: HTTP 500/503, the API's
     * "overloaded" error, or whatever the API documents as retryable.
     */
    void failTransiently();

    /**
     * From now on, refuse every request for good, with the API's answer for this kind: a malformed
     * request (HTTP 400) for {@code BAD_REQUEST}, a rejected credential (HTTP 401/403) for
     * {@code AUTHENTICATION}, an exhausted credit or quota for {@code QUOTA_EXHAUSTED}. A real server
     * often quotes the credential it rejected: an {@code AUTHENTICATION} answer that echoes the
     * credential it received checks that the provider keeps it out of its messages.
     *
     * @param kind one of {@link #permanentKinds()}
     */
    void failPermanently(PermanentProviderException.Kind kind);

    /**
     * The kinds of permanent refusal this script (and the API it imitates) can produce; the kit
     * skips the rules of the others.
     *
     * @return by default {@code BAD_REQUEST} and {@code AUTHENTICATION}
     */
    default Set<PermanentProviderException.Kind> permanentKinds() {
        return EnumSet.of(PermanentProviderException.Kind.BAD_REQUEST, PermanentProviderException.Kind.AUTHENTICATION);
    }

    /**
     * From now on, hold every request without answering (a slow server) until {@link #release()}.
     * Held requests must count for {@link #awaitHeld}.
     */
    void hang();

    /**
     * Waits until at least {@code requests} requests are held at once since the last {@link #hang()}.
     *
     * @param requests how many, >= 1
     * @param timeout the longest wait
     * @return whether that many arrived in time
     * @throws InterruptedException when the waiting thread is interrupted
     */
    boolean awaitHeld(int requests, Duration timeout) throws InterruptedException;

    /**
     * Ends {@link #hang()}: held requests go on and are answered normally, and so are later ones.
     * Does nothing when nothing is held. The kit also calls it after every test, to free a call a
     * broken provider failed to abandon.
     */
    void release();

    /**
     * Whether a normal answer carries rate-limit information the provider should pass on in
     * {@link dev.fairway.api.TranslationResult#rateLimit()}.
     *
     * @return by default true; false for an API that sends none
     */
    default boolean reportsRateLimits() {
        return true;
    }

    /**
     * How a batch answer ({@link TranslationProvider#translateBatch}) is spoiled, for the batch rules. The script
     * finds the segments and their ids in the request as its API carries them, answers each segment with a
     * translation that keeps its source's numbers ({@link BatchAnswers#translation}), and spoils the part of one
     * segment as said here; {@link BatchAnswers#of} does this for a script.
     */
    enum BatchAnswer {
        /** Every segment answered once, in order, under its own id. */
        VALID,
        /** The spoiled segment's part carries an id the request did not give. */
        UNKNOWN_ID,
        /** The spoiled segment's part carries the id of the segment before it, which was answered already. */
        DUPLICATE_ID,
        /** The spoiled segment's part is left out. */
        MISSING,
        /** The spoiled segment's part has an empty text. */
        EMPTY_TEXT,
        /**
         * The answer stops in the middle of the spoiled segment's text, its JSON unfinished, as an answer cut at the
         * completion cap is (with the API's "stopped at the cap" reason and its usage).
         */
        CUT
    }

    /**
     * From now on, answer every batch call with this answer, spoiling the part of the segment at position
     * {@code spoiled} (the kit uses 1, so that a segment comes before it and one after); answer other calls
     * normally. The answer reports usage and, unless {@link #reportsRateLimits()} is false, rate-limit information.
     * The default aborts: a script that cannot answer batches has the batch rules skipped.
     *
     * @param answer how the answer is spoiled
     * @param spoiled the position of the spoiled segment, >= 1
     */
    default void answerBatch(BatchAnswer answer, int spoiled) {
        Assumptions.abort(getClass().getSimpleName() + " does not answer batch calls (answerBatch)");
    }

    /**
     * The source texts of the segments the script found in the last batch call it received, in the order the
     * request gave them: the {@code batch-request} rule checks that the provider sent every segment once, in order.
     *
     * @return the texts; empty when no request was a batch the script could read
     */
    default List<String> lastBatch() {
        return List.of();
    }

    /**
     * Whether the script's batch answers report their usage only after the segments (a stream whose last event has
     * the usage, as OpenAI's does): a provider then delivers each segment with a share of an estimate, and the
     * {@code batch-usage} rule checks only that every share is above zero, not that they add up to the reported usage.
     *
     * @return by default false: the usage is known before any segment is delivered
     */
    default boolean batchUsageComesLast() {
        return false;
    }

    /**
     * Stops the script: closes its server, releases anything still held. The default does nothing.
     *
     * @throws Exception when it cannot
     */
    @Override
    default void close() throws Exception {
    }
}
