package dev.fairway.benchmarks.gate;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.stream.Collectors;

/**
 * The committed baseline of the regression gate ({@code benchmarks/baseline.json}): per gated pair, Fairway's
 * score divided by its peer's, both measured in the same run, and how the baseline was measured. Ratios, not
 * times: a slower or busier machine slows both sides of a pair, so the ratio travels between machines far
 * better than nanoseconds do.
 *
 * @param date when the baseline was measured (ISO date)
 * @param command the command that wrote it
 * @param runs how JMH ran (rounds, forks, iterations)
 * @param machine what it ran on, and how busy the machine was
 * @param tolerance how much a ratio may grow before the gate fails, as a fraction (0.25: by 25%)
 * @param jvmArgs JVM options of every gated benchmark's fork ({@code -jvmArgsAppend}), empty for none
 * @param pairs the gated pairs, in the order the gate prints them
 */
record Baseline(String date, String command, String runs, String machine, double tolerance, List<String> jvmArgs,
        List<Pair> pairs) {

    private static final String ABOUT = "Fairway's score divided by its peer's, both measured in the same run:"
            + " benchmarks/run gate compares a new run with these ratios, benchmarks/run gate --update rewrites them."
            + " See benchmarks/README.md (Regression gate).";

    Baseline {
        if (!(tolerance > 0) || Double.isInfinite(tolerance)) {
            throw new IllegalArgumentException("tolerance must be a positive fraction such as 0.25, was " + tolerance);
        }
        jvmArgs = List.copyOf(jvmArgs);
        pairs = List.copyOf(pairs);
        if (pairs.isEmpty()) {
            throw new IllegalArgumentException("pairs must name at least one pair");
        }
        if (pairs.stream().map(Pair::name).distinct().count() != pairs.size()) {
            throw new IllegalArgumentException("pairs must have distinct names, were "
                    + pairs.stream().map(Pair::name).toList());
        }
    }

    /**
     * One gated pair: a Fairway benchmark and the peer it is divided by.
     *
     * @param name a short name, printed in the gate's table
     * @param what what the pair measures, in a sentence
     * @param fairway Fairway's benchmark, e.g. {@code FairwayLimiterBenchmark.acquire_1t}
     * @param peer the peer's benchmark, e.g. {@code BaselineLimiterBenchmark.bucket4jTryConsume_1t}
     * @param params JMH parameters of the pair ({@code sessions=100}); a benchmark without one of them ignores it,
     *     as JMH's {@code -p} does
     * @param ratio fairway / peer in the baseline run (the median of its rounds)
     * @param rounds each round's ratio in the baseline run
     * @param tolerance this pair's own tolerance, when it is not the file's
     */
    record Pair(String name, String what, String fairway, String peer, Map<String, String> params, double ratio,
            List<Double> rounds, OptionalDouble tolerance) {

        Pair {
            for (String[] field : new String[][] {{"name", name}, {"fairway", fairway}, {"peer", peer}}) {
                if (field[1] == null || field[1].isBlank()) {
                    throw new IllegalArgumentException("pair " + name + ": " + field[0] + " must be given, was "
                            + field[1]);
                }
            }
            what = what == null ? "" : what;
            params = Map.copyOf(params);
            rounds = List.copyOf(rounds);
            if (!(ratio > 0) || Double.isInfinite(ratio)) {
                throw new IllegalArgumentException("pair " + name + ": ratio must be a positive number, was " + ratio);
            }
            if (tolerance.isPresent() && !(tolerance.getAsDouble() > 0)) {
                throw new IllegalArgumentException("pair " + name + ": tolerance must be a positive fraction, was "
                        + tolerance.getAsDouble());
            }
        }

        /**
         * Whether a JMH score is one side of this pair.
         *
         * @param benchmark {@link #fairway()} or {@link #peer()}
         * @param score a score of a result file
         * @return true when the names match and every parameter of the pair the score has is the pair's value
         */
        boolean matches(String benchmark, JmhScore score) {
            if (!score.benchmark().equals(benchmark)) {
                return false;
            }
            return params.entrySet().stream()
                    .allMatch(p -> !score.params().containsKey(p.getKey()) || score.params().get(p.getKey()).equals(p.getValue()));
        }

        /**
         * The same pair with a new measurement.
         *
         * @param newRatio the new ratio
         * @param newRounds each round's ratio
         * @return the pair measured again, its name, benchmarks and tolerance kept
         */
        Pair measured(double newRatio, List<Double> newRounds) {
            return new Pair(name, what, fairway, peer, params, newRatio, newRounds, tolerance);
        }
    }

    /**
     * This pair's tolerance: its own, else the file's.
     *
     * @param pair one of {@link #pairs()}
     * @return a fraction
     */
    double toleranceOf(Pair pair) {
        return pair.tolerance().orElse(tolerance);
    }

    /**
     * Reads a baseline file.
     *
     * @param file the file
     * @return the baseline
     * @throws IOException when it cannot be read
     * @throws IllegalArgumentException naming what is wrong with it
     */
    static Baseline read(Path file) throws IOException {
        try {
            return of(Json.parse(Files.readString(file)));
        } catch (IllegalArgumentException | ClassCastException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    private static Baseline of(Object root) {
        if (!(root instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException("a JSON object expected");
        }
        List<Pair> pairs = new ArrayList<>();
        if (!(map.get("pairs") instanceof List<?> list)) {
            throw new IllegalArgumentException("\"pairs\" must be a list");
        }
        for (Object item : list) {
            if (!(item instanceof Map<?, ?> p)) {
                throw new IllegalArgumentException("every pair must be an object");
            }
            Map<String, String> params = new LinkedHashMap<>();
            if (p.get("params") instanceof Map<?, ?> given) {
                given.forEach((k, v) -> params.put(String.valueOf(k), String.valueOf(v)));
            }
            List<Double> rounds = new ArrayList<>();
            if (p.get("rounds") instanceof List<?> r) {
                r.forEach(v -> rounds.add((Double) v));
            }
            pairs.add(new Pair((String) p.get("name"), (String) p.get("what"), (String) p.get("fairway"),
                    (String) p.get("peer"), params, number(p, "ratio"),
                    rounds, p.get("tolerance") == null ? OptionalDouble.empty() : OptionalDouble.of(number(p, "tolerance"))));
        }
        List<String> jvmArgs = new ArrayList<>();
        if (map.get("jvmArgs") instanceof List<?> args) {
            args.forEach(a -> jvmArgs.add((String) a));
        } else if (map.get("jvmArgs") != null) {
            throw new IllegalArgumentException("\"jvmArgs\" must be a list of strings");
        }
        return new Baseline((String) map.get("date"), (String) map.get("command"), (String) map.get("runs"),
                (String) map.get("machine"), number(map, "tolerance"), jvmArgs, pairs);
    }

    private static double number(Map<?, ?> map, String key) {
        if (!(map.get(key) instanceof Double d)) {
            throw new IllegalArgumentException("\"" + key + "\" must be a number, was " + map.get(key));
        }
        return d;
    }

    /**
     * The baseline as the JSON document {@link #read} reads, one pair field per line so that a diff shows
     * which ratio moved.
     *
     * @return the document, ending with a new line
     */
    String toJson() {
        StringBuilder b = new StringBuilder("{\n");
        b.append("  \"about\": ").append(Json.quote(ABOUT)).append(",\n");
        b.append("  \"date\": ").append(Json.quote(String.valueOf(date))).append(",\n");
        b.append("  \"command\": ").append(Json.quote(String.valueOf(command))).append(",\n");
        b.append("  \"runs\": ").append(Json.quote(String.valueOf(runs))).append(",\n");
        b.append("  \"machine\": ").append(Json.quote(String.valueOf(machine))).append(",\n");
        b.append("  \"tolerance\": ").append(decimal(tolerance)).append(",\n");
        b.append("  \"jvmArgs\": [").append(jvmArgs.stream().map(Json::quote).collect(Collectors.joining(", ")))
                .append("],\n");
        b.append("  \"pairs\": [\n");
        for (int i = 0; i < pairs.size(); i++) {
            Pair p = pairs.get(i);
            b.append("    {\n");
            b.append("      \"name\": ").append(Json.quote(p.name())).append(",\n");
            b.append("      \"what\": ").append(Json.quote(p.what())).append(",\n");
            b.append("      \"fairway\": ").append(Json.quote(p.fairway())).append(",\n");
            b.append("      \"peer\": ").append(Json.quote(p.peer())).append(",\n");
            b.append("      \"params\": {").append(p.params().entrySet().stream().sorted(Map.Entry.comparingByKey())
                    .map(e -> Json.quote(e.getKey()) + ": " + Json.quote(e.getValue()))
                    .collect(Collectors.joining(", "))).append("},\n");
            if (p.tolerance().isPresent()) {
                b.append("      \"tolerance\": ").append(decimal(p.tolerance().getAsDouble())).append(",\n");
            }
            b.append("      \"ratio\": ").append(decimal(p.ratio())).append(",\n");
            b.append("      \"rounds\": [").append(p.rounds().stream().map(Baseline::decimal)
                    .collect(Collectors.joining(", "))).append("]\n");
            b.append(i + 1 < pairs.size() ? "    },\n" : "    }\n");
        }
        return b.append("  ]\n}\n").toString();
    }

    /** Three decimals: ratios move by far more than 0.1% between runs. */
    static String decimal(double d) {
        return String.format(Locale.ROOT, "%.3f", d);
    }
}
