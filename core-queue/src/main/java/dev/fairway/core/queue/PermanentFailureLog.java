package dev.fairway.core.queue;

import dev.fairway.api.NanoClock;
import dev.fairway.api.PermanentProviderException;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Logs permanent provider failures (a rejected key, an exhausted quota, an unknown model) at
 * {@code WARNING} for the operator, who otherwise only hears of them from the sessions that were
 * refused: one line per distinct cause per {@link #INTERVAL_NANOS}, and the next line of that cause
 * counts the repeats left out since. A bad key fails every call, so without the limit the log would
 * carry one line per call.
 *
 * <p>A cause is the provider, the kind and the message without its request id ({@code [request ...]},
 * which differs for every call). Messages come from providers, which keep credentials out of them
 * (the provider contract kit checks it), so no key is logged here either. At most
 * {@value #MAX_CAUSES} causes are tracked; past that, causes share one entry, so a provider whose
 * messages all differ cannot grow the map or flood the log.
 */
final class PermanentFailureLog {

    /** One minute between two lines of the same cause. */
    static final long INTERVAL_NANOS = 60_000_000_000L;
    /** Distinct causes tracked at once. */
    static final int MAX_CAUSES = 64;

    private static final Pattern REQUEST_ID = Pattern.compile("\\s*\\[request [^\\]]*\\]");
    private static final String OTHER_CAUSES = "(other causes)";

    private final System.Logger log;
    private final NanoClock clock;
    private final Map<String, Window> causes = new ConcurrentHashMap<>();

    /** A cause's current window: when its last line was written, and the repeats left out since. */
    private record Window(long loggedAt, long suppressed, boolean logNow) {
    }

    PermanentFailureLog(System.Logger log, NanoClock clock) {
        this.log = log;
        this.clock = clock;
    }

    /**
     * Notes one permanent failure, and logs it unless its cause was logged less than a minute ago.
     *
     * @param provider the provider's name
     * @param failure what it threw
     */
    void record(String provider, PermanentProviderException failure) {
        String message = failure.getMessage() == null ? "" : REQUEST_ID.matcher(failure.getMessage()).replaceAll("");
        String cause = provider + "\u0000" + failure.kind() + "\u0000" + message;
        long now = clock.nanoTime();
        if (!causes.containsKey(cause) && causes.size() >= MAX_CAUSES) {
            causes.values().removeIf(w -> now - w.loggedAt() >= INTERVAL_NANOS);
            if (causes.size() >= MAX_CAUSES) {
                cause = OTHER_CAUSES;
            }
        }
        Window window = causes.compute(cause, (key, w) -> w == null || now - w.loggedAt() >= INTERVAL_NANOS
                ? new Window(now, w == null ? 0 : w.suppressed(), true)
                : new Window(w.loggedAt(), w.suppressed() + 1, false));
        if (!window.logNow()) {
            return;
        }
        long suppressed = window.suppressed();
        if (suppressed > 0) {
            // The count goes into this line; the window starts again from zero.
            causes.computeIfPresent(cause, (key, w) -> new Window(w.loggedAt(), w.suppressed() - suppressed, false));
        }
        String line = "provider " + provider + " failed permanently (" + failure.kind() + "), the session is told"
                + " and the call is not retried: " + message
                + (suppressed > 0 ? " (" + suppressed + (suppressed == 1 ? " more time" : " more times")
                        + " since the last line about this)" : "")
                + (cause.equals(OTHER_CAUSES) ? " (too many distinct causes to count each)" : "");
        log.log(System.Logger.Level.WARNING, line);
    }
}
