package dev.fairway.benchmarks.gate;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One benchmark's primary score in one JMH result file ({@code -rf json}).
 *
 * @param benchmark the benchmark's name without {@value #PACKAGE}, e.g. {@code FairwayLimiterBenchmark.acquire_1t}
 * @param params its JMH parameters ({@code sessions=100}), empty for a benchmark without any
 * @param score the median of the measured iterations of all forks (JMH's own score, their mean, when the file
 *     has no iterations): a neighbour's burst that slows one or two iterations moves a mean, hardly a median
 * @param unit the score's unit, e.g. {@code ns/op}
 */
record JmhScore(String benchmark, Map<String, String> params, double score, String unit) {

    /** The package every benchmark's name starts with in JMH's output; left out of names here. */
    static final String PACKAGE = "dev.fairway.benchmarks.";

    JmhScore {
        if (benchmark == null || benchmark.isBlank()) {
            throw new IllegalArgumentException("benchmark must be a name, was " + benchmark);
        }
        params = Map.copyOf(params);
        if (!(score > 0) || Double.isInfinite(score)) {
            throw new IllegalArgumentException("score of " + benchmark + " must be a positive number, was " + score);
        }
    }

    /**
     * Reads the primary scores of a JMH JSON result file.
     *
     * @param file written by JMH with {@code -rf json -rff file}
     * @return one score per benchmark and parameter set, in the file's order
     * @throws IOException when the file cannot be read
     * @throws IllegalArgumentException when it is not a JMH JSON result
     */
    static List<JmhScore> read(Path file) throws IOException {
        Object root;
        try {
            root = Json.parse(Files.readString(file));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
        if (!(root instanceof List<?> runs)) {
            throw new IllegalArgumentException(file + ": not a JMH JSON result (a list of benchmark runs expected)");
        }
        List<JmhScore> scores = new ArrayList<>();
        for (Object run : runs) {
            if (!(run instanceof Map<?, ?> r) || !(r.get("benchmark") instanceof String name)
                    || !(r.get("primaryMetric") instanceof Map<?, ?> primary)
                    || !(primary.get("score") instanceof Double score)) {
                throw new IllegalArgumentException(file + ": a benchmark run without a name or a primary score");
            }
            Map<String, String> params = new LinkedHashMap<>();
            if (r.get("params") instanceof Map<?, ?> p) {
                p.forEach((k, v) -> params.put(String.valueOf(k), String.valueOf(v)));
            }
            List<Double> iterations = new ArrayList<>();
            if (primary.get("rawData") instanceof List<?> forks) {
                for (Object fork : forks) {
                    if (fork instanceof List<?> values) {
                        values.stream().filter(Double.class::isInstance).map(Double.class::cast).forEach(iterations::add);
                    }
                }
            }
            String shortName = name.startsWith(PACKAGE) ? name.substring(PACKAGE.length()) : name;
            scores.add(new JmhScore(shortName, params, iterations.isEmpty() ? score : Gate.median(iterations),
                    String.valueOf(primary.get("scoreUnit"))));
        }
        return scores;
    }
}
