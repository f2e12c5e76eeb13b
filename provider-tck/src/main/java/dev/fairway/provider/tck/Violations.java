package dev.fairway.provider.tck;

import dev.fairway.api.PermanentProviderException;
import dev.fairway.api.RateLimitedException;
import dev.fairway.api.spi.PluginConfig;

import java.time.Duration;

/**
 * The failure messages of the kit. Every one names the rule broken, what the rule asks, and what
 * happened instead: {@code contract rule 'x': <requirement>, but <what happened>}.
 */
final class Violations {

    /** Longest excerpt of a provider's text quoted in a message. */
    private static final int EXCERPT = 300;

    private Violations() {
    }

    /**
     * A broken rule.
     *
     * @param rule the rule's name, for example {@code rate-limit-retry-after}
     * @param requirement what the rule asks
     * @param actual what happened instead
     * @return the error to throw
     */
    static AssertionError broken(String rule, String requirement, String actual) {
        return new AssertionError(message(rule, requirement, actual));
    }

    /**
     * A broken rule, with the provider's exception as the cause.
     *
     * @param rule the rule's name
     * @param requirement what the rule asks
     * @param actual what happened instead
     * @param cause what the provider threw, or null
     * @return the error to throw
     */
    static AssertionError broken(String rule, String requirement, String actual, Throwable cause) {
        return new AssertionError(message(rule, requirement, actual), cause);
    }

    static String message(String rule, String requirement, String actual) {
        return "contract rule '" + rule + "': " + requirement + ", but " + actual;
    }

    /**
     * An exception as a message quotes it: its type (with the kind or the wait when it has one) and
     * its message.
     *
     * @param t the exception
     * @return for example {@code PermanentProviderException(BAD_REQUEST): HTTP 400 ...}
     */
    static String describe(Throwable t) {
        String type = t.getClass().getSimpleName();
        if (t instanceof PermanentProviderException p) {
            type += "(" + p.kind() + ")";
        } else if (t instanceof RateLimitedException r) {
            type += "(retryAfter " + r.retryAfter().map(Violations::format).orElse("absent") + ")";
        }
        return t.getMessage() == null ? type : type + ": " + excerpt(t.getMessage());
    }

    static String excerpt(String text) {
        String t = text.replaceAll("[\\s\\p{Cntrl}]+", " ").strip();
        return t.length() <= EXCERPT ? t : t.substring(0, EXCERPT) + "...";
    }

    static String format(Duration d) {
        return PluginConfig.DurationText.format(d);
    }
}
