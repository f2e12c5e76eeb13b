package dev.fairway.benchmarks.gate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gate on hand-written baselines and JMH result files: verdicts, exit codes and the rewritten baseline. */
class GateTest {

    @TempDir
    Path dir;

    private record Result(int code, String out, String err) {
    }

    private Result gate(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Gate.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** A baseline of two pairs: the limiter at 0.8 of Bucket4j (own tolerance 0.5), the scheduler at 2.0 of FIFO. */
    private Path baseline() throws IOException {
        Path file = dir.resolve("baseline.json");
        Files.writeString(file, """
                {
                  "date": "2026-12-08", "command": "by hand", "runs": "1 round", "machine": "test",
                  "tolerance": 0.25, "jvmArgs": ["-Dx=1", "-Dy=2"],
                  "pairs": [
                    {"name": "limiter", "what": "acquire over Bucket4j",
                     "fairway": "FairwayLimiterBenchmark.acquire_1t", "peer": "BaselineLimiterBenchmark.bucket4jTryConsume_1t",
                     "params": {"sessions": "100"}, "tolerance": 0.5, "ratio": 0.8, "rounds": [0.8]},
                    {"name": "scheduler", "what": "batch over FIFO",
                     "fairway": "queue.QueueDispatchBenchmark.fairSchedulerBatch",
                     "peer": "queue.QueueDispatchBenchmark.fifoExecutorBatch",
                     "params": {"sessions": "100"}, "ratio": 2.0, "rounds": [2.0]}
                  ]
                }
                """);
        return file;
    }

    /** A JMH JSON result as {@code -rf json} writes it, with the scores given (the 10,000-session rows disagree). */
    private Path round(String name, double acquire, double bucket4j, double fair, double fifo) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, "[" + String.join(",",
                run("FairwayLimiterBenchmark.acquire_1t", "{\"sessions\": \"100\"}", acquire),
                run("FairwayLimiterBenchmark.acquire_1t", "{\"sessions\": \"10000\"}", 1000 * acquire),
                run("BaselineLimiterBenchmark.bucket4jTryConsume_1t", null, bucket4j),
                run("queue.QueueDispatchBenchmark.fairSchedulerBatch", "{\"batching\": \"off\", \"sessions\": \"100\"}", fair),
                run("queue.QueueDispatchBenchmark.fifoExecutorBatch", "{\"batching\": \"off\", \"sessions\": \"100\"}", fifo))
                + "]");
        return file;
    }

    private static String run(String benchmark, String params, double score) {
        return String.format(Locale.ROOT, """
                {"jmhVersion": "1.37", "benchmark": "dev.fairway.benchmarks.%s", "mode": "avgt", "threads": 1,
                 "forks": 1, "jvmArgs": [], %s
                 "primaryMetric": {"score": %s, "scoreError": "NaN", "scoreConfidence": ["NaN", "NaN"],
                   "scoreUnit": "ns/op", "rawData": [[%s, %s]]},
                 "secondaryMetrics": {}}""", benchmark, params == null ? "" : "\"params\": " + params + ",",
                score, score, score);
    }

    @Test
    void ratiosWithinTolerancePass() throws IOException {
        Result result = gate("check", baseline().toString(), round("r1.json", 40, 50, 1900, 1000).toString());

        assertEquals(Gate.PASSED, result.code(), result.out() + result.err());
        assertTrue(result.out().contains("gate: passed: 2 pair(s) within tolerance"), result.out());
        assertTrue(result.out().lines().anyMatch(l -> l.startsWith("limiter ") && l.contains(" 0.800 ")
                && l.contains(" ok ")), result.out());
    }

    @Test
    void aRatioGrownBeyondItsToleranceFailsTheGate() throws IOException {
        // The scheduler at 2.6x FIFO: +30% over 2.0, beyond 25%; the limiter at 1.1 of Bucket4j: +37.5%, within its 50%.
        Result result = gate("check", baseline().toString(), round("r1.json", 55, 50, 2600, 1000).toString());

        assertEquals(Gate.REGRESSION, result.code(), result.out() + result.err());
        assertTrue(result.out().lines().anyMatch(l -> l.startsWith("scheduler ") && l.contains("+30.0%")
                && l.contains("REGRESSION")), result.out());
        assertTrue(result.out().lines().anyMatch(l -> l.startsWith("limiter ") && l.contains(" ok ")), result.out());
        assertTrue(result.out().contains("gate: FAILED: 1 of 2 pair(s)"), result.out());
    }

    @Test
    void theMedianOfTheRoundsIsJudgedSoOneSlowRoundDoesNotFail() throws IOException {
        Result result = gate("check", baseline().toString(),
                round("r1.json", 40, 50, 2000, 1000).toString(),
                round("r2.json", 40, 50, 9000, 1000).toString(),
                round("r3.json", 40, 50, 2100, 1000).toString());

        assertEquals(Gate.PASSED, result.code(), result.out() + result.err());
        assertTrue(result.out().contains("2.000 2.100 9.000") || result.out().contains("2.000 9.000 2.100"),
                "every round's ratio is shown: " + result.out());
    }

    @Test
    void muchBetterThanTheBaselineStillPassesAndSuggestsAnUpdate() throws IOException {
        Result result = gate("check", baseline().toString(), round("r1.json", 40, 50, 1000, 1000).toString());

        assertEquals(Gate.PASSED, result.code(), result.out() + result.err());
        assertTrue(result.out().contains("better"), result.out());
        assertTrue(result.out().contains("benchmarks/run gate --update"), result.out());
    }

    @Test
    void updateRewritesTheRatiosAndKeepsThePairs() throws IOException {
        Path file = baseline();
        Result result = gate("update", file.toString(), "--runs", "2 rounds", "--machine", "box, load 0.5",
                "--command", "benchmarks/run gate --update",
                round("r1.json", 45, 50, 1800, 1000).toString(), round("r2.json", 35, 50, 1600, 1000).toString());

        assertEquals(Gate.PASSED, result.code(), result.out() + result.err());
        Baseline updated = Baseline.read(file);
        assertEquals("2 rounds", updated.runs());
        assertEquals("box, load 0.5", updated.machine());
        assertEquals(0.25, updated.tolerance());
        assertEquals(List.of("-Dx=1", "-Dy=2"), updated.jvmArgs());
        assertEquals(List.of("limiter", "scheduler"), updated.pairs().stream().map(Baseline.Pair::name).toList());
        Baseline.Pair limiter = updated.pairs().get(0);
        assertEquals(0.8, limiter.ratio(), 1e-9); // the median of 0.9 and 0.7
        assertEquals(List.of(0.9, 0.7), limiter.rounds());
        assertEquals(0.5, limiter.tolerance().orElseThrow(), "a pair's own tolerance is kept");
        assertEquals(Map.of("sessions", "100"), limiter.params());
        assertEquals(1.7, updated.pairs().get(1).ratio(), 1e-9);
        assertTrue(updated.pairs().get(1).tolerance().isEmpty());
    }

    @Test
    void jmhArgsSelectExactlyTheGatedBenchmarks() throws IOException {
        Result result = gate("jmh-args", baseline().toString());

        assertEquals(Gate.PASSED, result.code(), result.err());
        List<String> args = result.out().lines().toList();
        assertEquals(List.of("-p", "sessions=100", "-jvmArgsAppend", "-Dx=1 -Dy=2"), args.subList(1, 5));
        java.util.regex.Pattern include = java.util.regex.Pattern.compile(args.get(0));
        assertTrue(include.matcher("dev.fairway.benchmarks.FairwayLimiterBenchmark.acquire_1t").find());
        assertTrue(include.matcher("dev.fairway.benchmarks.queue.QueueDispatchBenchmark.fifoExecutorBatch").find());
        assertTrue(!include.matcher("dev.fairway.benchmarks.FairwayLimiterBenchmark.acquire_2t").find());
        assertTrue(!include.matcher("dev.fairway.benchmarks.queue.QueueDispatchBenchmark.fairSchedulerBatchX").find());
    }

    @Test
    void aMissingBenchmarkIsAnErrorNotAPass() throws IOException {
        Path partial = dir.resolve("partial.json");
        Files.writeString(partial, "[" + run("FairwayLimiterBenchmark.acquire_1t", "{\"sessions\": \"100\"}", 40) + "]");

        Result result = gate("check", baseline().toString(), partial.toString());

        assertEquals(Gate.USAGE, result.code());
        assertTrue(result.err().contains("pair limiter: round 1 has no result for BaselineLimiterBenchmark.bucket4jTryConsume_1t"),
                result.err());
    }

    @Test
    void eachSideIsTheMedianOfItsIterationsSoOneBurstHardlyMovesIt() throws IOException {
        Path file = dir.resolve("burst.json");
        Files.writeString(file, "[" + run("FairwayLimiterBenchmark.acquire_1t", "{\"sessions\": \"100\"}", 40)
                .replace("\"rawData\": [[40.0, 40.0]]", "\"rawData\": [[40.0, 41.0], [39.0, 400.0, 40.0]]") + "]");

        JmhScore score = JmhScore.read(file).get(0);

        assertEquals(40.0, score.score(), 1e-9, "the median of 40, 41, 39, 400, 40; their mean would be 112");
    }

    @Test
    void noRoundIsAnError() throws IOException {
        Result result = gate("check", baseline().toString());

        assertEquals(Gate.USAGE, result.code());
        assertTrue(result.err().contains("no round to judge"), result.err());
    }

    @Test
    void theCommittedBaselineReadsAndNamesBenchmarksThatExist() throws IOException {
        Baseline committed = Baseline.read(Path.of("baseline.json"));

        assertTrue(committed.pairs().size() >= 3, committed.toString());
        for (Baseline.Pair pair : committed.pairs()) {
            for (String benchmark : List.of(pair.fairway(), pair.peer())) {
                String[] parts = benchmark.split("\\.(?=[^.]+$)");
                Class<?> type;
                try {
                    type = Class.forName(JmhScore.PACKAGE + parts[0]);
                } catch (ClassNotFoundException e) {
                    throw new AssertionError("pair " + pair.name() + ": no class for " + benchmark, e);
                }
                assertTrue(java.util.Arrays.stream(type.getMethods()).anyMatch(m -> m.getName().equals(parts[1])),
                        "pair " + pair.name() + ": no method " + benchmark);
            }
        }
        assertEquals(committed, Baseline.read(writeBack(committed)), "toJson reads back to the same baseline");
    }

    private Path writeBack(Baseline baseline) throws IOException {
        Path file = dir.resolve("written.json");
        Files.writeString(file, baseline.toJson());
        return file;
    }

    @Test
    void jsonReadsWhatJmhWrites() {
        Object value = Json.parse("{\"a\": [1, -2.5e3, \"NaN\", true, null], \"b\": \"x\\\"\\u00e9\\n\", \"c\": {}}");

        Map<?, ?> map = (Map<?, ?>) value;
        assertEquals(java.util.Arrays.asList(1.0, -2500.0, "NaN", true, null), map.get("a"));
        assertEquals("x\"é\n", map.get("b"));
        assertEquals(Map.of(), map.get("c"));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> Json.parse("{\"a\": 1,}"));
        assertTrue(bad.getMessage().contains("offset"), bad.getMessage());
    }
}
