package dev.fairway.benchmarks.gate;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The performance regression gate behind {@code benchmarks/run gate}: which benchmarks to run, and whether a run's
 * ratios are within tolerance of the committed baseline. Needs only the JDK: {@code java -cp benchmarks.jar
 * dev.fairway.benchmarks.gate.Gate ...}.
 *
 * <pre>
 * Gate jmh-args BASELINE                   JMH's selection for the baseline's pairs, one argument a line
 * Gate check BASELINE ROUND.json...        the table; exit 1 when a ratio grew beyond its tolerance
 * Gate update BASELINE --runs TEXT --machine TEXT --command TEXT ROUND.json...
 *                                          the table against the old baseline, then the baseline rewritten
 * </pre>
 *
 * <p>Each {@code ROUND.json} is one JMH run ({@code -rf json}) of every gated benchmark. A pair's ratio in a round
 * is its Fairway score over its peer's score in that round; its measured ratio is the median over the rounds. The
 * rounds run one after the other, so both sides of a pair are measured within the same minute or two: a neighbour's
 * build that slows the machine for a while slows both.
 */
public final class Gate {

    /** Every ratio within tolerance. */
    static final int PASSED = 0;
    /** A ratio grew beyond its tolerance. */
    static final int REGRESSION = 1;
    /** Bad usage or input: nothing was judged. */
    static final int USAGE = 2;

    private Gate() {
    }

    /**
     * Runs one command.
     *
     * @param args the command and its arguments (see the class comment)
     */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        try {
            if (args.length < 2) {
                throw new IllegalArgumentException("usage: Gate (jmh-args|check|update) BASELINE [options] [ROUND.json...]");
            }
            Path baselineFile = Path.of(args[1]);
            Baseline baseline = Baseline.read(baselineFile);
            List<String> rest = new ArrayList<>(Arrays.asList(args).subList(2, args.length));
            switch (args[0]) {
                case "jmh-args" -> {
                    jmhArgs(baseline).forEach(out::println);
                    return PASSED;
                }
                case "check" -> {
                    List<Measured> measured = measure(baseline, rounds(rest));
                    return print(baseline, measured, out);
                }
                case "update" -> {
                    String runs = option(rest, "--runs");
                    String machine = option(rest, "--machine");
                    String command = option(rest, "--command");
                    List<Measured> measured = measure(baseline, rounds(rest));
                    if (print(baseline, measured, out) != PASSED) {
                        out.println("gate: (updating: the verdicts above compare with the old baseline, which is replaced)");
                    }
                    Baseline updated = updated(baseline, measured, LocalDate.now().toString(), command, runs, machine);
                    Files.writeString(baselineFile, updated.toJson());
                    out.println("gate: baseline rewritten: " + baselineFile + " (review the diff, then commit it)");
                    return PASSED;
                }
                default -> throw new IllegalArgumentException("unknown command '" + args[0]
                        + "', expected jmh-args, check or update");
            }
        } catch (IllegalArgumentException | IOException e) {
            err.println("gate: " + e.getMessage());
            return USAGE;
        }
    }

    /**
     * JMH's selection for the gated benchmarks: one regular expression that matches exactly them, then a
     * {@code -p name=values} for each parameter the pairs give, then the baseline's JVM options. Pairs that give one parameter different values
     * make JMH run every combination; the gate then reads only the rows it needs.
     *
     * @param baseline the pairs
     * @return JMH arguments, in order
     */
    static List<String> jmhArgs(Baseline baseline) {
        Set<String> names = new LinkedHashSet<>();
        Map<String, Set<String>> params = new TreeMap<>();
        for (Baseline.Pair pair : baseline.pairs()) {
            names.add(pair.fairway());
            names.add(pair.peer());
            pair.params().forEach((k, v) -> params.computeIfAbsent(k, x -> new LinkedHashSet<>()).add(v));
        }
        List<String> args = new ArrayList<>();
        args.add("^" + JmhScore.PACKAGE.replace(".", "\\.") + "("
                + names.stream().map(n -> n.replace(".", "\\.")).collect(Collectors.joining("|")) + ")$");
        params.forEach((k, v) -> {
            args.add("-p");
            args.add(k + "=" + String.join(",", v));
        });
        if (!baseline.jvmArgs().isEmpty()) {
            args.add("-jvmArgsAppend");
            args.add(String.join(" ", baseline.jvmArgs()));
        }
        return args;
    }

    /**
     * One pair as measured now.
     *
     * @param pair the pair and its baseline
     * @param ratio the median of {@code rounds}
     * @param rounds the ratio in each round
     * @param fairway the median of Fairway's score over the rounds
     * @param peer the median of the peer's score over the rounds
     * @param unit the scores' unit
     */
    record Measured(Baseline.Pair pair, double ratio, List<Double> rounds, double fairway, double peer, String unit) {
    }

    /**
     * Each pair's ratio in each round, and their medians.
     *
     * @param baseline the pairs
     * @param rounds each round's scores
     * @return one measurement per pair, in the baseline's order
     * @throws IllegalArgumentException when a round lacks a pair's benchmark or holds it twice
     */
    static List<Measured> measure(Baseline baseline, List<List<JmhScore>> rounds) {
        if (rounds.isEmpty()) {
            throw new IllegalArgumentException("no round to judge: give one or more JMH JSON result files");
        }
        List<Measured> measured = new ArrayList<>();
        for (Baseline.Pair pair : baseline.pairs()) {
            List<Double> ratios = new ArrayList<>();
            List<Double> fairway = new ArrayList<>();
            List<Double> peer = new ArrayList<>();
            String unit = null;
            for (int r = 0; r < rounds.size(); r++) {
                JmhScore f = find(pair, pair.fairway(), rounds.get(r), r + 1);
                JmhScore p = find(pair, pair.peer(), rounds.get(r), r + 1);
                if (!f.unit().equals(p.unit())) {
                    throw new IllegalArgumentException("pair " + pair.name() + ": " + f.unit() + " against " + p.unit()
                            + " in round " + (r + 1) + ": a ratio needs one unit");
                }
                unit = f.unit();
                fairway.add(f.score());
                peer.add(p.score());
                ratios.add(f.score() / p.score());
            }
            measured.add(new Measured(pair, median(ratios), ratios, median(fairway), median(peer), unit));
        }
        return measured;
    }

    private static JmhScore find(Baseline.Pair pair, String benchmark, List<JmhScore> round, int number) {
        List<JmhScore> found = round.stream().filter(s -> pair.matches(benchmark, s)).toList();
        if (found.isEmpty()) {
            throw new IllegalArgumentException("pair " + pair.name() + ": round " + number + " has no result for "
                    + benchmark + " " + pair.params());
        }
        if (found.size() > 1) {
            throw new IllegalArgumentException("pair " + pair.name() + ": round " + number + " has " + found.size()
                    + " results for " + benchmark + " " + pair.params() + " (" + found.stream().map(JmhScore::params)
                    .toList() + "): give the parameter that tells them apart in the pair's \"params\"");
        }
        return found.get(0);
    }

    static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    /**
     * The verdict on one pair.
     *
     * @param baseline the baseline, for the pair's tolerance
     * @param m the pair measured
     * @return {@code ok}, {@code REGRESSION} or {@code better}
     */
    static String verdict(Baseline baseline, Measured m) {
        double change = m.ratio() / m.pair().ratio() - 1;
        double tolerance = baseline.toleranceOf(m.pair());
        if (change > tolerance) {
            return "REGRESSION";
        }
        return change < -tolerance ? "better" : "ok";
    }

    /**
     * Prints the table and the conclusion.
     *
     * @return {@link #PASSED} or {@link #REGRESSION}
     */
    static int print(Baseline baseline, List<Measured> measured, PrintStream out) {
        out.printf(Locale.ROOT, "%nRegression gate: Fairway / peer, measured in the same run; %d round(s), the median"
                + " of the rounds is compared%n", measured.get(0).rounds().size());
        out.printf(Locale.ROOT, "baseline: %s, %s%s; %s%n", baseline.date(), baseline.runs(),
                baseline.jvmArgs().isEmpty() ? "" : " -jvmArgsAppend '" + String.join(" ", baseline.jvmArgs()) + "'",
                baseline.machine());
        out.printf(Locale.ROOT, "%-24s %12s %12s %9s %9s %8s %7s  %-10s  %s%n", "pair", "fairway", "peer",
                "baseline", "measured", "change", "limit", "verdict", "rounds");
        int failed = 0;
        int better = 0;
        for (Measured m : measured) {
            String verdict = verdict(baseline, m);
            if (verdict.equals("REGRESSION")) {
                failed++;
            } else if (verdict.equals("better")) {
                better++;
            }
            String unit = m.unit().endsWith("/op") ? m.unit().substring(0, m.unit().length() - 3) : m.unit();
            out.printf(Locale.ROOT, "%-24s %9.1f %-2s %9.1f %-2s %9.3f %9.3f %+7.1f%% %+6.0f%%  %-10s  %s%n",
                    m.pair().name(), m.fairway(), unit, m.peer(), unit, m.pair().ratio(), m.ratio(),
                    100 * (m.ratio() / m.pair().ratio() - 1), 100 * baseline.toleranceOf(m.pair()), verdict,
                    m.rounds().stream().map(Baseline::decimal).collect(Collectors.joining(" ")));
        }
        if (better > 0) {
            out.printf(Locale.ROOT, "gate: %d pair(s) better than the baseline by more than the tolerance: if the change"
                    + " is meant, benchmarks/run gate --update%n", better);
        }
        if (failed > 0) {
            out.printf(Locale.ROOT, "gate: FAILED: %d of %d pair(s) grew beyond the tolerance (a ratio may grow by its"
                    + " limit at most)%n", failed, measured.size());
            return REGRESSION;
        }
        out.printf(Locale.ROOT, "gate: passed: %d pair(s) within tolerance%n", measured.size());
        return PASSED;
    }

    /**
     * The baseline with this run's ratios, its pairs, names and tolerances kept.
     */
    static Baseline updated(Baseline old, List<Measured> measured, String date, String command, String runs,
            String machine) {
        Map<String, Measured> byName = new LinkedHashMap<>();
        measured.forEach(m -> byName.put(m.pair().name(), m));
        List<Baseline.Pair> pairs = old.pairs().stream()
                .map(p -> p.measured(round(byName.get(p.name()).ratio()), byName.get(p.name()).rounds().stream()
                        .map(Gate::round).toList()))
                .toList();
        return new Baseline(date, command, runs, machine, old.tolerance(), old.jvmArgs(), pairs);
    }

    private static double round(double d) {
        return Math.round(d * 1000) / 1000.0;
    }

    private static List<List<JmhScore>> rounds(List<String> files) throws IOException {
        List<List<JmhScore>> rounds = new ArrayList<>();
        for (String file : files) {
            if (file.startsWith("--")) {
                throw new IllegalArgumentException("unknown option " + file);
            }
            rounds.add(JmhScore.read(Path.of(file)));
        }
        return rounds;
    }

    /** Removes {@code name VALUE} from the arguments and returns the value. */
    private static String option(List<String> args, String name) {
        int i = args.indexOf(name);
        if (i < 0 || i + 1 >= args.size()) {
            throw new IllegalArgumentException("update needs " + name + " TEXT");
        }
        String value = args.get(i + 1);
        args.remove(i + 1);
        args.remove(i);
        return value;
    }
}
