package dev.fairway.app;

import dev.fairway.app.cli.Cli;
import dev.fairway.app.cli.Launch;

import java.io.PrintWriter;

/** The {@code fairway} launcher's entry point: {@code java -p app/target/modules -m dev.fairway.app/dev.fairway.app.Main}. */
public final class Main {

    private Main() {
    }

    /**
     * Runs the command line and exits with its code.
     *
     * @param args the arguments
     */
    public static void main(String[] args) {
        Cli.initLogging();
        int code;
        try {
            code = Cli.run(args, Launch.system());
        } catch (RuntimeException e) {
            // Setting up the launch failed before the command line could report it.
            PrintWriter err = new PrintWriter(System.err, true);
            err.println("fairway: " + e.getMessage());
            code = 2;
        }
        System.exit(code);
    }
}
