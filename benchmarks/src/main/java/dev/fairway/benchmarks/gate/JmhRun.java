package dev.fairway.benchmarks.gate;

import java.util.Arrays;
import java.util.Collection;

import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatFactory;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.NoBenchmarksException;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;

/**
 * JMH's command line ({@code org.openjdk.jmh.Main}) for {@code benchmarks/run}, which also writes the results as
 * CSV: {@code JmhRun --csv FILE [JMH arguments]}. JMH writes one result format per run; the script's summary
 * reads the CSV, while the JSON ({@code -rf json -rff FILE} among the JMH arguments) keeps every fork's
 * iterations for tools. Both come from JMH's own writers, from one run.
 */
public final class JmhRun {

    private JmhRun() {
    }

    /**
     * Runs the benchmarks and writes the CSV.
     *
     * @param args {@code --csv FILE} then JMH's arguments
     */
    public static void main(String[] args) {
        if (args.length < 2 || !args[0].equals("--csv")) {
            System.err.println("usage: JmhRun --csv FILE [JMH arguments]");
            System.exit(2);
        }
        try {
            CommandLineOptions options = new CommandLineOptions(Arrays.copyOfRange(args, 2, args.length));
            Collection<RunResult> results = new Runner(options).run();
            ResultFormatFactory.getInstance(ResultFormatType.CSV, args[1]).writeOut(results);
        } catch (CommandLineOptionException e) {
            System.err.println("Error parsing command line: " + e.getMessage());
            System.exit(1);
        } catch (NoBenchmarksException e) {
            System.err.println("No matching benchmarks. Miss-spelled regexp?");
            System.exit(1);
        } catch (RunnerException e) {
            System.err.println("ERROR: " + e.getMessage());
            e.printStackTrace(System.err);
            System.exit(1);
        }
    }
}
