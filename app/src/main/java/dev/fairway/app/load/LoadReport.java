package dev.fairway.app.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.HdrHistogram.AbstractHistogram;
import org.HdrHistogram.Histogram;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The outcome of one scenario (N concurrent sessions): per-session rows and totals, as a table for
 * people and as JSON for regression runs.
 *
 * @param sessions how many sessions ran
 * @param seconds how long they spoke
 * @param rows one snapshot per session
 * @param server the server's {@code /status} document at the end, or null when it could not be read
 * @param memory heap and idle readers, or null when not measured
 * @param reconnect whether the sessions resumed after drops ({@code --reconnect}): then the report adds what they did
 */
record LoadReport(int sessions, double seconds, List<SessionStats.Snapshot> rows, JsonNode server, Memory memory,
        boolean reconnect) {

    LoadReport(int sessions, double seconds, List<SessionStats.Snapshot> rows, JsonNode server, Memory memory) {
        this(sessions, seconds, rows, server, memory, false);
    }

    /**
     * What the server kept in memory, when it ran in this JVM, and what the idle readers did.
     *
     * @param idleHeapBytes heap used after a full GC before the run, -1 when not measured
     * @param endHeapBytes heap used after a full GC at the end of the scenario (idle readers still connected), -1
     *        when not measured
     * @param idleReaders what the idle readers did, null when there were none
     */
    record Memory(long idleHeapBytes, long endHeapBytes, IdleReaders.Summary idleReaders) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_ROWS = 20;

    /**
     * Jain's fairness index of the translations each session received: 1 when all received the same,
     * 1/n when one received everything.
     *
     * @return the index over the sessions served (not those refused at the door), 1 for an empty run
     */
    double jainIndex() {
        double sum = 0;
        double squares = 0;
        int served = 0;
        for (SessionStats.Snapshot row : rows) {
            if (row.refusal() != null) {
                continue; // refused at the door: not served, so not part of how the served ones share
            }
            double x = row.requests();
            sum += x;
            squares += x * x;
            served++;
        }
        return squares == 0 ? 1 : sum * sum / (served * squares);
    }

    Histogram allPartials() {
        Histogram h = new Histogram(600_000_000L, 3);
        rows.forEach(r -> h.add(r.partialLatency()));
        return h;
    }

    Histogram allProviderTimes() {
        Histogram h = new Histogram(600_000_000L, 3);
        rows.forEach(r -> h.add(r.providerTime()));
        return h;
    }

    Histogram allFinals() {
        Histogram h = new Histogram(600_000_000L, 3);
        rows.forEach(r -> h.add(r.finalLatency()));
        return h;
    }

    long total(java.util.function.ToLongFunction<SessionStats.Snapshot> f) {
        return rows.stream().mapToLong(f).sum();
    }

    Map<String, Long> errors() {
        Map<String, Long> all = new TreeMap<>();
        rows.forEach(r -> r.errors().forEach((k, v) -> all.merge(k, v, Long::sum)));
        return all;
    }

    Map<String, Long> resumesRefused() {
        Map<String, Long> all = new TreeMap<>();
        rows.forEach(r -> r.reconnection().resumesRefused().forEach((k, v) -> all.merge(k, v, Long::sum)));
        return all;
    }

    /**
     * Each served session's time without service (ms), sorted: sessions refused at the door are left out.
     *
     * @return ascending
     */
    double[] withoutService() {
        return rows.stream().filter(r -> r.refusal() == null)
                .mapToDouble(r -> r.reconnection().withoutServiceMs()).sorted().toArray();
    }

    /** Nearest-rank percentile of ascending values, 0 for none. */
    static double percentile(double[] ascending, double p) {
        if (ascending.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(p / 100.0 * ascending.length);
        return ascending[Math.max(0, Math.min(ascending.length - 1, rank - 1))];
    }

    /** A number from the server's status document, found by the first path that exists, or -1. */
    long serverNumber(String... paths) {
        if (server == null) {
            return -1;
        }
        for (String path : paths) {
            JsonNode node = server.at(path);
            if (node.isNumber()) {
                return node.asLong();
            }
        }
        return -1;
    }

    void print(PrintWriter out) {
        out.printf(Locale.ROOT, "%n== %d session%s, %.0f s%n", sessions, sessions == 1 ? "" : "s", seconds);
        out.printf(Locale.ROOT, "%-10s %25s %25s %8s %9s %7s %s%n", "session", "partial ms p50/p95/p99",
                "final ms p50/p95/p99", "requests", "tokens", "share", " server mean ms queue/limiter/provider");
        long requests = Math.max(1, total(SessionStats.Snapshot::requests));
        int shown = 0;
        for (SessionStats.Snapshot row : rows) {
            if (shown++ == MAX_ROWS && rows.size() > MAX_ROWS) {
                out.printf(Locale.ROOT, "... %d more sessions (all of them are in --json)%n", rows.size() - MAX_ROWS);
                break;
            }
            out.printf(Locale.ROOT, "%-10s %25s %25s %8d %9d %6.1f%%  %.1f/%.1f/%.1f%s%n", row.label(),
                    percentiles(row.partialLatency()), percentiles(row.finalLatency()), row.requests(), row.tokens(),
                    100.0 * row.requests() / requests, row.meanQueueMs(), row.meanLimiterMs(), row.meanProviderMs(),
                    row.failure() != null ? "  FAILED: " + row.failure()
                            : row.refusal() != null ? "  REFUSED: " + row.refusal() : "");
        }
        out.printf(Locale.ROOT, "%-10s %25s %25s %8d %9d%n", "all", percentiles(allPartials()),
                percentiles(allFinals()), total(SessionStats.Snapshot::requests), total(SessionStats.Snapshot::tokens));
        out.printf(Locale.ROOT, "provider   time per call p50/p95/p99 %s ms (as the server measured it: the floor of the"
                + " latencies above)%n", percentiles(allProviderTimes()));
        out.printf(Locale.ROOT, "fairness   Jain's index %.4f over translations per session%n", jainIndex());
        out.printf(Locale.ROOT, "partials   sent %d, translated %d, superseded or stale (never answered) %d%n",
                total(SessionStats.Snapshot::partialsSent), allPartials().getTotalCount(),
                total(SessionStats.Snapshot::partialsSent) - allPartials().getTotalCount());
        out.printf(Locale.ROOT, "finals     sent %d, translated %d, reported failed %d, refused and re-sent %d, LOST %d%n",
                total(SessionStats.Snapshot::finalsSent), allFinals().getTotalCount(),
                total(SessionStats.Snapshot::finalsFailed), total(SessionStats.Snapshot::finalsRefused),
                total(SessionStats.Snapshot::finalsLost));
        long stale = serverNumber("/queue/droppedStale", "/queue/stale");
        long superseded = serverNumber("/queue/superseded");
        long rateLimited = serverNumber("/queue/rateLimitedResponses");
        out.printf(Locale.ROOT, "server     dropped stale %s, superseded %s, 429s from the provider %s%n",
                known(stale), known(superseded), known(rateLimited));
        JsonNode batches = server == null ? null : server.at("/queue/batches");
        if (batches != null && batches.path("mode").isTextual() && !"off".equals(batches.path("mode").asText())) {
            out.printf(Locale.ROOT, "batches    %s: %d call(s) carried %d segment(s), mean %.2f a call; %d left out of an"
                    + " answer and sent alone (server totals)%n", batches.path("mode").asText(),
                    batches.path("calls").asLong(), batches.path("segments").asLong(),
                    batches.path("meanSize").asDouble(), batches.path("fallbacks").asLong());
        }
        if (total(SessionStats.Snapshot::finalsLost) > 0) {
            // Where the lost finals are: still queued or at the provider when the drain ended (the node took more
            // than it could serve in time), or nowhere (dropped).
            out.printf(Locale.ROOT, "lost at   the end of the drain the server still had %s segment(s) queued and %s call(s)"
                    + " in flight%n", known(serverNumber("/queue/queueLength")),
                    known(serverNumber("/queue/activeRequests")));
        }
        if (reconnect) {
            double[] gaps = withoutService();
            long dropped = rows.stream().filter(r -> r.reconnection().reconnects() > 0).count();
            Map<String, Long> refusedResumes = resumesRefused();
            out.printf(Locale.ROOT, "reconnect  reconnects %d, resumes refused %s, accepted finals unanswered at a resume %d,"
                    + " finals re-sent after a resume %d, duplicates (same seq again, not counted) %d, sent and never"
                    + " accepted %d%n",
                    total(r -> r.reconnection().reconnects()), refusedResumes.isEmpty() ? "none" : refusedResumes,
                    total(r -> r.reconnection().finalsAcrossDrops()), total(r -> r.reconnection().finalsResent()),
                    total(r -> r.reconnection().duplicates()), total(r -> r.reconnection().finalsUnconfirmed()));
            out.printf(Locale.ROOT, "no service time without service per session (drops to resumed) p50/p95/max %.0f/%.0f/%.0f"
                    + " ms over %d sessions (%d reconnected at least once)%n", percentile(gaps, 50),
                    percentile(gaps, 95), percentile(gaps, 100), gaps.length, dropped);
        }
        Map<String, Long> errors = errors();
        long failed = rows.stream().filter(r -> r.failure() != null).count();
        long refused = rows.stream().filter(r -> r.refusal() != null).count();
        out.printf(Locale.ROOT, "errors     %s, back-pressure frames %d, sessions failed %d%s%n",
                errors.isEmpty() ? "none" : errors, total(SessionStats.Snapshot::backpressure), failed,
                refused == 0 ? "" : ", sessions refused at the door " + refused);
        if (memory != null && memory.idleReaders() != null) {
            IdleReaders.Summary r = memory.idleReaders();
            out.printf(Locale.ROOT, "idle rdrs  %d connected (%d failed to connect), %d pings sent and never read, %d cut by"
                    + " the server; server closed over budget %s (own) / %s (shared), outbound bytes held %s%n",
                    r.opened(), r.failedToOpen(), r.pings(), r.cutByServer(),
                    known(serverNumber("/websocket/closedOverBudget")),
                    known(serverNumber("/websocket/closedOverSharedBudget")),
                    known(serverNumber("/websocket/outboundBytes")));
        }
        if (memory != null && memory.endHeapBytes() >= 0) {
            out.printf(Locale.ROOT, "heap       used after a full GC (server and load tool, one JVM): %.1f MiB before the"
                    + " run, %.1f MiB at the end%s (%+.1f MiB)%n", mib(memory.idleHeapBytes()), mib(memory.endHeapBytes()),
                    memory.idleReaders() == null ? "" : " with the idle readers connected",
                    mib(memory.endHeapBytes() - memory.idleHeapBytes()));
        }
        out.flush();
    }

    private static double mib(long bytes) {
        return bytes / (1024.0 * 1024.0);
    }

    private static String known(long n) {
        return n < 0 ? "n/a" : Long.toString(n);
    }

    static String percentiles(AbstractHistogram h) {
        if (h.getTotalCount() == 0) {
            return "-";
        }
        return String.format(Locale.ROOT, "%.0f/%.0f/%.0f", h.getValueAtPercentile(50) / 1000.0,
                h.getValueAtPercentile(95) / 1000.0, h.getValueAtPercentile(99) / 1000.0);
    }

    ObjectNode toJson() {
        ObjectNode node = JSON.createObjectNode();
        node.put("sessions", sessions);
        node.put("seconds", seconds);
        node.put("jainIndex", jainIndex());
        node.set("partialLatencyMs", latencyJson(allPartials()));
        node.set("finalLatencyMs", latencyJson(allFinals()));
        node.set("providerTimeMs", latencyJson(allProviderTimes()));
        node.put("requests", total(SessionStats.Snapshot::requests));
        node.put("tokens", total(SessionStats.Snapshot::tokens));
        node.put("partialsSent", total(SessionStats.Snapshot::partialsSent));
        node.put("finalsSent", total(SessionStats.Snapshot::finalsSent));
        node.put("finalsTranslated", allFinals().getTotalCount());
        node.put("finalsFailed", total(SessionStats.Snapshot::finalsFailed));
        node.put("finalsRefused", total(SessionStats.Snapshot::finalsRefused));
        node.put("finalsLost", total(SessionStats.Snapshot::finalsLost));
        node.put("backpressure", total(SessionStats.Snapshot::backpressure));
        ObjectNode errors = node.putObject("errors");
        errors().forEach(errors::put);
        if (reconnect) {
            ObjectNode r = node.putObject("reconnect");
            r.put("reconnects", total(row -> row.reconnection().reconnects()));
            ObjectNode refusedResumes = r.putObject("resumesRefused");
            resumesRefused().forEach(refusedResumes::put);
            r.put("duplicates", total(row -> row.reconnection().duplicates()));
            r.put("finalsResent", total(row -> row.reconnection().finalsResent()));
            r.put("finalsAcrossDrops", total(row -> row.reconnection().finalsAcrossDrops()));
            r.put("finalsUnconfirmed", total(row -> row.reconnection().finalsUnconfirmed()));
            double[] gaps = withoutService();
            ObjectNode w = r.putObject("withoutServiceMs");
            w.put("p50", percentile(gaps, 50));
            w.put("p95", percentile(gaps, 95));
            w.put("max", percentile(gaps, 100));
        }
        ArrayNode perSession = node.putArray("perSession");
        for (SessionStats.Snapshot row : rows) {
            ObjectNode r = perSession.addObject();
            r.put("session", row.label());
            r.set("partialLatencyMs", latencyJson(row.partialLatency()));
            r.set("finalLatencyMs", latencyJson(row.finalLatency()));
            r.put("requests", row.requests());
            r.put("tokens", row.tokens());
            r.put("meanQueueMs", row.meanQueueMs());
            r.put("meanLimiterMs", row.meanLimiterMs());
            r.put("meanProviderMs", row.meanProviderMs());
            r.put("finalsLost", row.finalsLost());
            if (reconnect) {
                r.put("reconnects", row.reconnection().reconnects());
                r.put("withoutServiceMs", row.reconnection().withoutServiceMs());
            }
            if (row.failure() != null) {
                r.put("failure", row.failure());
            }
            if (row.refusal() != null) {
                r.put("refused", row.refusal());
            }
        }
        if (memory != null) {
            if (memory.endHeapBytes() >= 0) {
                node.put("heapAfterFullGcBeforeBytes", memory.idleHeapBytes());
                node.put("heapAfterFullGcEndBytes", memory.endHeapBytes());
            }
            if (memory.idleReaders() != null) {
                ObjectNode r = node.putObject("idleReaders");
                r.put("opened", memory.idleReaders().opened());
                r.put("failedToOpen", memory.idleReaders().failedToOpen());
                r.put("pings", memory.idleReaders().pings());
                r.put("cutByServer", memory.idleReaders().cutByServer());
            }
        }
        if (server != null) {
            node.set("server", server);
        }
        return node;
    }

    private static ObjectNode latencyJson(AbstractHistogram h) {
        ObjectNode n = JSON.createObjectNode();
        n.put("count", h.getTotalCount());
        if (h.getTotalCount() > 0) {
            n.put("p50", h.getValueAtPercentile(50) / 1000.0);
            n.put("p95", h.getValueAtPercentile(95) / 1000.0);
            n.put("p99", h.getValueAtPercentile(99) / 1000.0);
            n.put("max", h.getMaxValue() / 1000.0);
        }
        return n;
    }
}
