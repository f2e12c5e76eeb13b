package dev.fairway.app.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Runs a {@link LoadPlan}: each scenario's sessions on virtual threads against the target, a live
 * progress line on standard error, then the report.
 */
public final class LoadRun {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final LoadPlan plan;
    private final PrintWriter out;
    private final PrintWriter progress;
    private final boolean serverInProcess;
    private long idleHeap = -1;

    /**
     * @param plan what to run
     * @param out where the report goes
     * @param progress where the live progress line goes (standard error), or null for none
     */
    public LoadRun(LoadPlan plan, PrintWriter out, PrintWriter progress) {
        this(plan, out, progress, false);
    }

    /**
     * @param plan what to run
     * @param out where the report goes
     * @param progress where the live progress line goes (standard error), or null for none
     * @param serverInProcess whether the server runs in this JVM ({@code --embedded}): then the report gives the
     *        heap used after a full GC, before the run and at the end of each scenario
     */
    public LoadRun(LoadPlan plan, PrintWriter out, PrintWriter progress, boolean serverInProcess) {
        this.plan = plan;
        this.out = out;
        this.progress = progress;
        this.serverInProcess = serverInProcess;
    }

    /**
     * Heap used after a full collection. {@code System.gc()} is a full collection with the JVM's default G1
     * (no {@code -XX:+ExplicitGCInvokesConcurrent}); twice, so that objects freed by the first one's cleaners go too.
     */
    static long heapAfterFullGc() {
        Runtime runtime = Runtime.getRuntime();
        System.gc();
        System.gc();
        return runtime.totalMemory() - runtime.freeMemory();
    }

    /**
     * Runs every scenario and prints the reports and, for several scenarios, a summary.
     *
     * @param jsonFile where to write the JSON report, if anywhere
     * @return the finals lost and the sessions that failed, over all scenarios (0 and 0 are the only
     *     good answer)
     * @throws InterruptedException when interrupted
     * @throws IOException when the JSON file cannot be written
     */
    public Outcome run(Optional<Path> jsonFile) throws InterruptedException, IOException {
        return run(jsonFile, List.of());
    }

    /**
     * Runs every scenario, prints the reports and, for several scenarios, a summary, and checks each condition
     * against each scenario.
     *
     * @param jsonFile where to write the JSON report, if anywhere
     * @param assertions conditions to check against every scenario ({@code --assert}); their verdicts are in the
     *     outcome and, per scenario, in the JSON report
     * @return the finals lost, the sessions that failed and the verdicts, over all scenarios
     * @throws InterruptedException when interrupted
     * @throws IOException when the JSON file cannot be written
     */
    public Outcome run(Optional<Path> jsonFile, List<LoadAssertion> assertions) throws InterruptedException, IOException {
        List<LoadReport> reports = new ArrayList<>();
        if (serverInProcess) {
            idleHeap = heapAfterFullGc();
        }
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        try {
            for (int sessions : plan.sessionCounts()) {
                LoadReport report = scenario(client, sessions);
                report.print(out);
                reports.add(report);
            }
        } finally {
            client.close();
        }
        if (reports.size() > 1) {
            printSummary(reports);
        }
        List<LoadAssertion.Verdict> verdicts = new ArrayList<>();
        List<List<LoadAssertion.Verdict>> perScenario = new ArrayList<>();
        for (LoadReport report : reports) {
            List<LoadAssertion.Verdict> checked = assertions.stream().map(a -> a.check(report)).toList();
            perScenario.add(checked);
            verdicts.addAll(checked);
        }
        if (jsonFile.isPresent()) {
            ObjectNode root = JSON.createObjectNode();
            root.put("target", plan.target().toString());
            root.put("durationSeconds", plan.duration().toMillis() / 1000.0);
            root.put("partialIntervalMs", plan.partialInterval().toMillis());
            root.put("partialsPerFinal", plan.partialsPerFinal());
            root.put("idleReaders", plan.idleReaders());
            root.put("reconnect", plan.reconnect());
            ArrayNode scenarios = root.putArray("scenarios");
            for (int i = 0; i < reports.size(); i++) {
                ObjectNode scenario = reports.get(i).toJson();
                if (!assertions.isEmpty()) {
                    ArrayNode checked = scenario.putArray("assertions");
                    for (LoadAssertion.Verdict v : perScenario.get(i)) {
                        ObjectNode a = checked.addObject();
                        a.put("condition", v.assertion().toString());
                        a.put("value", v.shown());
                        a.put("passed", v.passed());
                    }
                }
                scenarios.add(scenario);
            }
            Files.writeString(jsonFile.get(), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root));
            out.println("JSON report written to " + jsonFile.get());
        }
        long lost = reports.stream().mapToLong(r -> r.total(SessionStats.Snapshot::finalsLost)).sum();
        List<String> failures = reports.stream().flatMap(r -> r.rows().stream())
                .map(SessionStats.Snapshot::failure).filter(f -> f != null).toList();
        long sessions = reports.stream().mapToLong(LoadReport::sessions).sum();
        long refused = reports.stream().flatMap(r -> r.rows().stream()).filter(r -> r.refusal() != null).count();
        long unconfirmed = reports.stream()
                .mapToLong(r -> r.total(row -> row.reconnection().finalsUnconfirmed())).sum();
        int served = 0;
        for (LoadReport r : reports) {
            if (r.allFinals().getTotalCount() > 0 && r.allFinals().getValueAtPercentile(95) <= SERVED_FINAL_P95_MICROS
                    && r.jainIndex() >= SERVED_JAIN && r.total(SessionStats.Snapshot::finalsLost) == 0) {
                served = Math.max(served, r.sessions());
            }
        }
        return new Outcome(lost, unconfirmed, failures.size(), refused, sessions,
                failures.isEmpty() ? null : failures.get(0), reports.stream().map(LoadRun::summaryRow).toList(), served,
                verdicts);
    }

    /** A scenario counts as served when its final p95 is at most this (client side)... */
    static final long SERVED_FINAL_P95_MICROS = 1_500_000;
    /** ...and Jain's index over its sessions at least this, with no final lost. */
    static final double SERVED_JAIN = 0.99;

    /** The summary table's header; {@link #summaryRow} its rows. */
    public static final String SUMMARY_HEADER = String.format(Locale.ROOT, "%8s %22s %22s %22s %10s %8s %9s %11s",
            "sessions", "partial p50/p95/p99", "final p50/p95/p99", "provider p50/p95/p99", "requests", "Jain",
            "partials%", "finals lost");

    private static String summaryRow(LoadReport r) {
        long sent = r.total(SessionStats.Snapshot::partialsSent);
        double answered = sent == 0 ? 0 : 100.0 * r.allPartials().getTotalCount() / sent;
        return String.format(Locale.ROOT, "%8d %22s %22s %22s %10d %8.4f %8.1f%% %11d", r.sessions(),
                LoadReport.percentiles(r.allPartials()), LoadReport.percentiles(r.allFinals()),
                LoadReport.percentiles(r.allProviderTimes()), r.total(SessionStats.Snapshot::requests), r.jainIndex(),
                answered, r.total(SessionStats.Snapshot::finalsLost));
    }

    /**
     * What a run says about its sessions.
     *
     * @param finalsLost finals accepted and never answered
     * @param finalsUnconfirmed with {@code --reconnect}: finals sent, never accepted and never answered
     * @param sessionsFailed sessions that stopped early (could not connect, or were dropped)
     * @param sessionsRefused sessions the server refused at the handshake (HTTP 503: full or shutting down)
     * @param sessions sessions run over all scenarios
     * @param firstFailure why the first failed session stopped, or null
     * @param summaryRows one row of the summary table per scenario ({@link #SUMMARY_HEADER})
     * @param servedSessions the most sessions of a scenario served with final p95 at most 1.5 s, Jain's index at
     *     least 0.99 and no final lost; 0 when none was
     * @param verdicts each {@code --assert} condition checked against each scenario, scenario by scenario
     */
    public record Outcome(long finalsLost, long finalsUnconfirmed, long sessionsFailed, long sessionsRefused, long sessions,
            String firstFailure, List<String> summaryRows, int servedSessions, List<LoadAssertion.Verdict> verdicts) {

        /** Copies the lists. */
        public Outcome {
            summaryRows = List.copyOf(summaryRows);
            verdicts = List.copyOf(verdicts);
        }
    }

    private LoadReport scenario(HttpClient client, int sessions) throws InterruptedException {
        List<SessionStats> stats = new ArrayList<>(sessions);
        for (int i = 0; i < sessions; i++) {
            stats.add(new SessionStats("s" + (i + 1)));
        }
        IdleReaders readers = plan.idleReaders() == 0 ? null
                : IdleReaders.open(plan.target(), plan.idleReaders(), plan.idleReaderInterval(),
                        plan.idleReaderIdBytes(), plan.token());
        long start = System.nanoTime();
        long speakUntil = start + plan.rampUp().toNanos() + plan.duration().toNanos();
        long rampStep = sessions == 1 ? 0 : plan.rampUp().toNanos() / sessions;
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < sessions; i++) {
                int index = i;
                long startAt = start + index * rampStep;
                threads.execute(() -> {
                    try {
                        long wait = startAt - System.nanoTime();
                        if (wait > 0) {
                            TimeUnit.NANOSECONDS.sleep(wait);
                        }
                        new SessionDriver(index + 1, plan, stats.get(index)).run(client, speakUntil);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } catch (RuntimeException e) {
                        stats.get(index).failed("driver failed: " + e);
                    }
                });
            }
            threads.shutdown();
            long totalSeconds = (speakUntil - start) / 1_000_000_000L;
            while (!threads.awaitTermination(1, TimeUnit.SECONDS)) {
                printProgress(stats, start, totalSeconds);
            }
        }
        if (progress != null) {
            progress.print("\r\033[K");
            progress.flush();
        }
        List<SessionStats.Snapshot> rows = stats.stream().map(SessionStats::snapshot).toList();
        // Measured while the idle readers are still connected: what the server keeps for them.
        JsonNode status = serverStatus(client);
        long heap = serverInProcess ? heapAfterFullGc() : -1;
        LoadReport.Memory memory = new LoadReport.Memory(idleHeap, heap,
                readers == null ? null : readers.summary());
        if (readers != null) {
            readers.close();
        }
        return new LoadReport(sessions, plan.duration().toMillis() / 1000.0, rows, status, memory, plan.reconnect());
    }

    private void printProgress(List<SessionStats> stats, long start, long totalSeconds) {
        if (progress == null) {
            return;
        }
        long elapsed = (System.nanoTime() - start) / 1_000_000_000L;
        List<SessionStats.Snapshot> rows = stats.stream().map(SessionStats::snapshot).toList();
        LoadReport live = new LoadReport(rows.size(), elapsed, rows, null, null, false);
        String phase = elapsed <= totalSeconds ? elapsed + "/" + totalSeconds + " s" : "draining finals";
        progress.printf(Locale.ROOT, "\r\033[K[%s] %d sessions  translations %d  partial p95 %s ms  final p95 %s ms  "
                        + "finals %d/%d  errors %d",
                phase, rows.size(), live.total(SessionStats.Snapshot::requests), p95(live.allPartials()),
                p95(live.allFinals()), live.allFinals().getTotalCount(), live.total(SessionStats.Snapshot::finalsSent),
                live.total(SessionStats.Snapshot::errorCount));
        progress.flush();
    }

    private static String p95(org.HdrHistogram.AbstractHistogram h) {
        return h.getTotalCount() == 0 ? "-" : Long.toString(h.getValueAtPercentile(95) / 1000);
    }

    /** The server's /status document, next to the session endpoint, when it answers. */
    private JsonNode serverStatus(HttpClient client) {
        URI ws = plan.target();
        String scheme = "wss".equals(ws.getScheme()) ? "https" : "http";
        URI status = URI.create(scheme + "://" + ws.getRawAuthority() + "/status");
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(status).timeout(Duration.ofSeconds(5)).GET();
            plan.token().ifPresent(t -> request.header("Authorization", "Bearer " + t));
            HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? JSON.readTree(response.body()) : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private void printSummary(List<LoadReport> reports) {
        out.printf(Locale.ROOT, "%n== summary (client-side latency, ms; partials%%: partials answered)%n");
        out.println(SUMMARY_HEADER);
        for (LoadReport r : reports) {
            out.println(summaryRow(r));
        }
        out.flush();
    }
}
