package dev.fairway.provider.tck;

import dev.fairway.api.PermanentProviderException;
import dev.fairway.provider.tck.LoopbackServer.Reply;
import dev.fairway.provider.tck.LoopbackServer.Request;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

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
 * <p>The server starts on first use (the first scenario or {@link #uri()}) and stops in {@link #close()}.
 */
public abstract class LoopbackProviderScript implements ProviderScript {

    private LoopbackServer server;

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
