package dev.fairway.provider.support;

import dev.fairway.api.spi.ProviderContext;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One provider's JDK {@link HttpClient} and the glue around it: requests that carry the timeout and the
 * {@code User-Agent}, a blocking send that an interrupt or the request timeout cancels, and an idempotent
 * close. Connections are kept alive and shared by every call (HTTP/2 streams over one connection where
 * the server offers HTTP/2, a pool of HTTP/1.1 connections otherwise).
 *
 * <p>The client follows no redirect, goes through the application's proxy selector (the JDK's client
 * reads no {@code HTTPS_PROXY} itself), and runs its own tasks on virtual threads started on demand, so
 * it keeps no pool of platform threads.
 */
public final class ProviderHttp implements AutoCloseable {

    private final HttpProviderSettings settings;
    private final ExchangeFailures failures;
    /** {@code fairway/0.1.0 (provider-openai)}: which Fairway, for the provider's logs and support. */
    private final String userAgent;
    private final HttpClient client;
    private final AtomicBoolean closed = new AtomicBoolean();

    private ProviderHttp(HttpProviderSettings settings, ProviderContext context, ExchangeFailures failures) {
        this.settings = settings;
        this.failures = failures;
        this.userAgent = "fairway/" + context.fairwayVersion() + " (provider-" + settings.name() + ")";
        String threadName = "fairway-" + settings.name() + "-http";
        Executor virtualThreads = task -> Thread.ofVirtual().name(threadName).start(task);
        this.client = HttpClient.newBuilder()
                .version(settings.httpVersion().version(settings.baseUrl()))
                .connectTimeout(settings.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .proxy(context.proxySelector())
                .executor(virtualThreads)
                .build();
    }

    /**
     * Builds the client.
     *
     * @param settings the provider's checked settings
     * @param context the application's proxy selector and version
     * @param failures how the provider words a failed or timed-out exchange
     * @return the client
     */
    public static ProviderHttp create(HttpProviderSettings settings, ProviderContext context,
            ExchangeFailures failures) {
        return new ProviderHttp(Objects.requireNonNull(settings, "settings"),
                Objects.requireNonNull(context, "context"), Objects.requireNonNull(failures, "failures"));
    }

    /**
     * A request to a URI with the request timeout and the {@code User-Agent}.
     *
     * @param uri where it goes
     * @return a builder to add the provider's headers and body to
     */
    public HttpRequest.Builder request(URI uri) {
        return HttpRequest.newBuilder(uri).timeout(settings.requestTimeout()).header("User-Agent", userAgent);
    }

    /**
     * Sends and waits for the answer.
     *
     * @param request the request
     * @param body how to read the body
     * @param <T> the body's type
     * @return the response
     * @throws dev.fairway.api.TransientProviderException when the exchange failed or timed out
     * @throws InterruptedException when interrupted; the exchange is cancelled
     */
    public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> body)
            throws InterruptedException {
        return await(sendAsync(request, body));
    }

    /**
     * Sends without waiting, for answers read as they come (streams) and for warm-up requests.
     *
     * @param request the request
     * @param body how to read the body
     * @param <T> the body's type
     * @return the response once its head (or whole body) arrived
     */
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> body) {
        return client.sendAsync(request, body);
    }

    /**
     * Waits up to the request timeout; an interrupt or the timeout cancels the exchange.
     *
     * @param future the exchange
     * @param <T> its result
     * @return the result
     * @throws dev.fairway.api.TransientProviderException when the exchange failed or timed out
     * @throws InterruptedException when interrupted
     */
    public <T> T await(CompletableFuture<T> future) throws InterruptedException {
        try {
            return future.get(settings.requestTimeout().toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            future.cancel(true);
            throw e;
        } catch (TimeoutException e) {
            future.cancel(true);
            throw failures.timedOut(null);
        } catch (ExecutionException e) {
            throw failures.forIo(unwrap(e.getCause()));
        }
    }

    /**
     * The failure inside the wrappers of asynchronous completion.
     *
     * @param failure a failure, perhaps wrapped
     * @return the innermost cause that is not a {@link CompletionException} or {@link ExecutionException}
     */
    public static Throwable unwrap(Throwable failure) {
        Throwable t = failure;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /**
     * Throws when {@link #close()} has been called.
     *
     * @throws IllegalStateException naming the provider
     */
    public void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("the " + settings.name() + " provider is closed");
        }
    }

    /** Stops taking calls; calls in flight finish, then the client closes its connections. Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            client.shutdown();
        }
    }
}
