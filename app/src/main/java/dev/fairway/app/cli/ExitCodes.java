package dev.fairway.app.cli;

import dev.fairway.api.FairwayException;
import dev.fairway.api.InvalidConfigurationException;
import dev.fairway.app.config.StartupException;

import java.io.PrintWriter;

/** The exit codes of {@code fairway}, and how a failure becomes one line and a code. */
final class ExitCodes {

    /** Done. */
    static final int OK = 0;
    /** A failure while running, such as a provider error. */
    static final int FAILURE = 1;
    /** Bad usage or configuration: nothing was done. */
    static final int CONFIGURATION = 2;
    /** Interrupted (as a shell reports SIGINT). */
    static final int INTERRUPTED = 130;

    private ExitCodes() {
    }

    /**
     * Prints a failure and chooses the exit code. Failures Fairway understands take one line; an
     * unexpected one also prints its stack trace, which is then worth a bug report.
     *
     * @param failure what was thrown
     * @param err where to print
     * @return the exit code
     */
    static int report(Throwable failure, PrintWriter err) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof InvalidConfigurationException || t instanceof StartupException) {
                err.println("fairway: " + t.getMessage());
                return CONFIGURATION;
            }
            if (t instanceof FairwayException) {
                err.println("fairway: " + t.getMessage());
                return FAILURE;
            }
            if (t instanceof InterruptedException) {
                Thread.currentThread().interrupt();
                err.println("fairway: interrupted");
                return INTERRUPTED;
            }
        }
        err.println("fairway: unexpected failure: " + failure);
        failure.printStackTrace(err);
        return FAILURE;
    }
}
