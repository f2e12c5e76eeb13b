package dev.fairway.provider.openai;

import java.net.http.HttpHeaders;
import java.net.http.HttpResponse;
import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Hands a response to the calling thread line by line: the HTTP client's threads put the status,
 * the headers and each line of the body into a queue, and the caller takes them with a deadline. So
 * the caller (not a client thread) runs the {@code onText} callback, a wait can time out between two
 * chunks of a stream, and an interrupt of the caller ends the wait at once.
 */
final class LineStream implements HttpResponse.BodyHandler<Void>, Flow.Subscriber<String> {

    /** What the queue carries. */
    sealed interface Item permits Head, Line, End, Failed {
    }

    /**
     * The status line and headers.
     *
     * @param status the HTTP status
     * @param headers the headers
     */
    record Head(int status, HttpHeaders headers) implements Item {
    }

    /**
     * One line of the body, without its line break.
     *
     * @param text the line
     */
    record Line(String text) implements Item {
    }

    /** The body ended. */
    record End() implements Item {
    }

    /**
     * The exchange failed.
     *
     * @param error why
     */
    record Failed(Throwable error) implements Item {
    }

    private static final End END = new End();

    private final BlockingQueue<Item> queue = new LinkedBlockingQueue<>();
    private final AtomicReference<Flow.Subscription> subscription = new AtomicReference<>();
    private volatile boolean cancelled;

    @Override
    public HttpResponse.BodySubscriber<Void> apply(HttpResponse.ResponseInfo info) {
        queue.add(new Head(info.statusCode(), info.headers()));
        return HttpResponse.BodySubscribers.fromLineSubscriber(this, s -> null, charset(info.headers()), null);
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        if (!subscription.compareAndSet(null, s) || cancelled) {
            s.cancel();
            return;
        }
        // Answers are bounded by max_tokens: taking all lines as they come is safe.
        s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(String line) {
        queue.add(new Line(line));
    }

    @Override
    public void onError(Throwable error) {
        queue.add(new Failed(error));
    }

    @Override
    public void onComplete() {
        queue.add(END);
    }

    /**
     * Records that the exchange failed before or outside the body (connect errors, timeouts).
     *
     * @param error why
     */
    void fail(Throwable error) {
        queue.add(new Failed(error));
    }

    /** Stops taking lines; the caller abandons the exchange. */
    void cancel() {
        cancelled = true;
        Flow.Subscription s = subscription.get();
        if (s != null) {
            s.cancel();
        }
    }

    /**
     * Takes the next item.
     *
     * @param timeoutNanos the longest wait
     * @return the item, or null when the wait timed out
     * @throws InterruptedException when the caller is interrupted
     */
    Item next(long timeoutNanos) throws InterruptedException {
        return queue.poll(timeoutNanos, TimeUnit.NANOSECONDS);
    }

    private static Charset charset(HttpHeaders headers) {
        String type = headers.firstValue("content-type").orElse("").toLowerCase(Locale.ROOT);
        int at = type.indexOf("charset=");
        if (at < 0) {
            return StandardCharsets.UTF_8;
        }
        String name = type.substring(at + "charset=".length()).split("[;\\s]", 2)[0].replace("\"", "");
        try {
            return Charset.forName(name);
        } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
            return StandardCharsets.UTF_8;
        }
    }
}
