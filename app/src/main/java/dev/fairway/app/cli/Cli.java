package dev.fairway.app.cli;

import picocli.CommandLine;

import java.io.PrintWriter;

/** Runs the {@code fairway} command line. */
public final class Cli {

    private Cli() {
    }

    /**
     * Sets up console logging; call once per process, before anything logs.
     */
    public static void initLogging() {
        Logging.init();
    }

    /**
     * Runs one command.
     *
     * @param args the arguments
     * @param launch the surroundings
     * @return the exit code: 0 done, 1 failed while running, 2 bad usage or configuration
     */
    public static int run(String[] args, Launch launch) {
        PrintWriter err = launch.err();
        CommandLine commandLine = new CommandLine(new FairwayCommand(launch));
        commandLine.setOut(launch.out());
        commandLine.setErr(err);
        // The --assert vocabulary comes from LoadAssertion, the one place that defines it.
        commandLine.getSubcommands().get("load").getCommandSpec().usageMessage().footer(LoadCommand.assertFooter());
        commandLine.setExecutionExceptionHandler((e, command, parseResult) -> ExitCodes.report(e, err));
        commandLine.setParameterExceptionHandler((e, arguments) -> {
            err.println("fairway: " + e.getMessage());
            err.println("Try '" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help' for more.");
            return ExitCodes.CONFIGURATION;
        });
        try {
            return commandLine.execute(args);
        } finally {
            launch.out().flush();
            err.flush();
        }
    }
}
