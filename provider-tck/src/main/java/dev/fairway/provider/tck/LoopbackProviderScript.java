package dev.fairway.provider.tck;

import dev.fairway.api.PermanentProviderException;
import dev.fairway.provider.tck.LoopbackServer.Reply;
import dev.fairway.provider.tck.LoopbackServer.Request;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/**
 * A {@link ProviderScript} for an HTTP provider: a {@link LoopbackServer} whose scenarios a subclass
 * fills in by saying what the API answers in each. Holding, releasing and counting held requests
 * are done here.
 *
 * <pre>{@code
 * final class AcmeScript extends LoopbackProviderScript {
 *     public PluginConfig config(String credential) {
 *         return PluginConfig.of("fairway.provider.acme", Map.of("base-url", uri().toString(), "api-key", credential));
 *     }
 *     protected Reply normal(Request request) {
 *         return Reply.json(200, "{\"text\":\"[fr] " + sourceText(request) + "\",\"usage\":{\"in\":12,\"out\":5}}")
 *                 .withHeader("x-ratelimit-remaining-requests", "99");
 *     }
 *     protected Reply rateLimited(Request request, Duration retryAfter) {
 *         return Reply.json(429, "{\"error\":\"rate_limit\"}").withHeader("retry-after", "" + retryAfter.toSeconds());
 *     }
 *     protected Reply transientFailure(Request request) { return Reply.json(503, "{\"error\":\"overloaded\"}"); }
 *     protected Reply permanentFailure(Request request, PermanentProviderException.Kind kind) { ... }
 * }
 * }</pre>
 *
 * <p>Batch calls: a subclass that answers them says so ({@link #answersBatches()}), finds the segments in a request
 * ({@link #batchSegments}) and wraps an answer in the API's format ({@link #batchReply}); spoiling the answer as the
 * kit asks and recording {@link #lastBatch()} are done here.
 *
 * <p>The server starts on first use (the first scenario or {@link #uri()}) and stops in {@link #close()}.
 */
public abstract class LoopbackProviderScript implements ProviderScript {

    private LoopbackServer server;
    private volatile List<String> lastBatch = List.of();

    /** For subclasses. */
    protected LoopbackProviderScript() {
    }

    /**
     * The server the provider should be pointed at, started on first use.
     *
     * @return the running server
     */
    protected final LoopbackServer server() {
        if (server == null) {
            server = LoopbackServer.start(this::normal);
        }
        return server;
    }

    /**
     * Where the server listens; the provider's base URL is built from it.
     *
     * @return for example {@code http://127.0.0.1:41234}
     */
    public final URI uri() {
        return server().uri();
    }

    /**
     * The answer of a normal, successful call: a translation that keeps the source's numbers (an
     * echo of the source text does), usage, and rate-limit headers (see {@link ProviderScript#answerNormally()}).
     *
     * @param request the request received
     * @return the reply
     */
    protected abstract Reply normal(Request request);

    /**
     * The answer of a rate-limit refusal, usually HTTP 429 with a {@code retry-after} header.
     *
     * @param request the request received
     * @param retryAfter the wait to announce
     * @return the reply
     */
    protected abstract Reply rateLimited(Request request, Duration retryAfter);

    /**
     * The answer of a transient failure, such as HTTP 503 or the API's "overloaded" error.
     *
     * @param request the request received
     * @return the reply
     */
    protected abstract Reply transientFailure(Request request);

    /**
     * The answer of a permanent refusal of one kind (one of {@link #permanentKinds()}).
     *
     * @param request the request received; an {@code AUTHENTICATION} answer may quote its credential
     * @param kind the kind of refusal
     * @return the reply
     */
    protected abstract Reply permanentFailure(Request request, PermanentProviderException.Kind kind);

    /**
     * Whether this script answers batch calls: a subclass that does returns true and implements
     * {@link #batchSegments} and {@link #batchReply}. Without, the batch rules are skipped.
     *
     * @return false by default
     */
    protected boolean answersBatches() {
        return false;
    }

    /**
     * The segments of a batch request, as the API carries them: their ids and source texts, in order.
     *
     * @param request the request received
     * @return the segments, or empty when the request is not a batch (it is then answered normally)
     */
    protected Optional<List<BatchAnswers.Part>> batchSegments(Request request) {
        return Optional.empty();
    }

    /**
     * The answer to a batch request in the API's format: the answer's JSON ({@link BatchAnswers.Answer#json()})
     * where the API puts it, with usage and rate-limit headers; a cut answer ({@link BatchAnswers.Answer#isCut()})
     * with the API's reason for stopping at the completion cap.
     *
     * @param request the request received
     * @param answer the parts to answer, perhaps spoiled
     * @return the reply
     */
    protected Reply batchReply(Request request, BatchAnswers.Answer answer) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " does not answer batch calls");
    }

    @Override
    public void answerBatch(BatchAnswer answer, int spoiled) {
        Objects.requireNonNull(answer, "answer");
        if (!answersBatches()) {
            Assumptions.abort(getClass().getSimpleName() + " does not answer batch calls (answersBatches() is false)");
        }
        server().respond(request -> batchSegments(request).map(segments -> {
            lastBatch = segments.stream().map(BatchAnswers.Part::text).toList();
            return batchReply(request, BatchAnswers.of(segments, answer, spoiled));
        }).orElseGet(() -> normal(request)));
    }

    @Override
    public List<String> lastBatch() {
        return lastBatch;
    }

    @Override
    public void answerNormally() {
        server().respond(this::normal);
    }

    @Override
    public void rateLimit(Duration retryAfter) {
        Objects.requireNonNull(retryAfter, "retryAfter");
        server().respond(request -> rateLimited(request, retryAfter));
    }

    @Override
    public void failTransiently() {
        server().respond(this::transientFailure);
    }

    @Override
    public void failPermanently(PermanentProviderException.Kind kind) {
        Objects.requireNonNull(kind, "kind");
        server().respond(request -> permanentFailure(request, kind));
    }

    @Override
    public void hang() {
        server().hold();
    }

    @Override
    public boolean awaitHeld(int requests, Duration timeout) throws InterruptedException {
        return server().awaitHeld(requests, timeout);
    }

    @Override
    public void release() {
        if (server != null) {
            server.respond(this::normal);
            server.release();
        }
    }

    /** Stops the server, dropping held requests. */
    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + (server == null ? "not started" : server.uri()) + "]";
    }
}
