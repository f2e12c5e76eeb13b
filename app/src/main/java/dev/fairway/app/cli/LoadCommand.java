package dev.fairway.app.cli;

import dev.fairway.api.spi.PluginConfig.DurationText;
import dev.fairway.api.spi.Transport;
import dev.fairway.app.config.StartupException;
import dev.fairway.app.load.LoadAssertion;
import dev.fairway.app.load.LoadPlan;
import dev.fairway.app.load.LoadRun;
import dev.fairway.app.wiring.Plugins;
import dev.fairway.app.wiring.Wiring;
import dev.fairway.core.queue.BatchMode;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code fairway load}: many concurrent speaking sessions over real WebSockets, against a running
 * server or an embedded one on the configured provider, and the per-session latency table.
 */
@Command(name = "load",
        description = "Drive N concurrent translation sessions over real WebSockets with a speech-like pattern "
                + "(partials growing word by word, a final every K partials) and print per-session latency "
                + "percentiles, shares, Jain's fairness index and lost finals (must be 0).")
final class LoadCommand implements Callable<Integer> {

    @ParentCommand
    private FairwayCommand parent;

    @Option(names = "--url", paramLabel = "WS_URL",
            description = "Session endpoint of a running server, e.g. ws://127.0.0.1:8080/v1/session.")
    private URI url;

    @Option(names = "--embedded",
            description = "Start an in-process server (configured provider, fake by default) on a free loopback port.")
    private boolean embedded;

    @Option(names = "--sessions", paramLabel = "N[,N...]", split = ",", defaultValue = "1,2,3,4,5",
            description = "Concurrent sessions; several counts run one scenario each (default: ${DEFAULT-VALUE}, "
                    + "the original's table).")
    private List<Integer> sessions = new ArrayList<>();

    @Option(names = "--duration", paramLabel = "DURATION", defaultValue = "10s", converter = DurationConverter.class,
            description = "How long each scenario speaks (default: ${DEFAULT-VALUE}).")
    private Duration duration;

    @Option(names = "--partial-interval", paramLabel = "DURATION", defaultValue = "400ms",
            converter = DurationConverter.class,
            description = "Time between two partials of a session (default: ${DEFAULT-VALUE}: one word per partial at 150 words a minute).")
    private Duration partialInterval;

    @Option(names = "--words-per-partial", defaultValue = "1",
            description = "Words each partial adds (default: ${DEFAULT-VALUE}).")
    private int wordsPerPartial;

    @Option(names = "--partials-per-final", defaultValue = "8",
            description = "A final after this many partials (default: ${DEFAULT-VALUE}).")
    private int partialsPerFinal;

    @Option(names = "--ramp-up", paramLabel = "DURATION", defaultValue = "1s", converter = DurationConverter.class,
            description = "Start the sessions spread over this time (default: ${DEFAULT-VALUE}).")
    private Duration rampUp;

    @Option(names = "--drain-timeout", paramLabel = "DURATION", defaultValue = "60s",
            converter = DurationConverter.class,
            description = "After speaking, wait this long at most for accepted finals (default: ${DEFAULT-VALUE}).")
    private Duration drainTimeout;

    @Option(names = "--from", paramLabel = "LANG", defaultValue = "en", description = "Spoken language.")
    private String from;

    @Option(names = "--to", paramLabel = "LANG", defaultValue = "es", description = "Wanted language.")
    private String to;

    @Option(names = "--token", paramLabel = "TOKEN", description = "API token, when the server requires one.")
    private String token;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the words spoken (default: ${DEFAULT-VALUE}).")
    private long seed;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the full report as JSON to FILE.")
    private Path json;

    @Option(names = "--idle-readers", paramLabel = "N", defaultValue = "0",
            description = "Also open N connections that start a session, send a ping with the largest id every "
                    + "--idle-reader-interval and never read (what the server keeps for them; default: ${DEFAULT-VALUE}).")
    private int idleReaders;

    @Option(names = "--idle-reader-interval", paramLabel = "DURATION", defaultValue = "100ms",
            converter = DurationConverter.class,
            description = "Time between two pings of an idle reader (default: ${DEFAULT-VALUE}).")
    private Duration idleReaderInterval;

    @Option(names = "--idle-reader-id-bytes", paramLabel = "N", defaultValue = "128",
            description = "Bytes of an idle reader's ping id as JSON (default: ${DEFAULT-VALUE}, the most the server"
                    + " accepts; a larger one is answered bad_value).")
    private int idleReaderIdBytes;

    @Option(names = "--reconnect",
            description = "Speak protocol version 2: each session keeps its resume token and, when its connection drops"
                    + " (closed by the server, an I/O error, a refused connect while the server restarts), connects"
                    + " again and resumes, retrying with a back-off from 100 ms to 2 s; finals sent and not accepted"
                    + " are sent again after the resume. The report adds reconnects, refused resumes and the time"
                    + " without service.")
    private boolean reconnect;

    @Option(names = "--reconnect-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "With --reconnect: how long a session tries to resume after a drop before it fails"
                    + " (default: 60s).")
    private Duration reconnectTimeout;

    @Option(names = "--batching", paramLabel = "MODE[,MODE...]", split = ",",
            description = "With --embedded: run the scenarios once per fairway.queue.batching mode (off,"
                    + " when-limited, always), each on a new server, and compare them in one table.")
    private List<String> batchingModes = new ArrayList<>();

    @Option(names = "--assert", paramLabel = "CONDITION",
            description = "A condition every scenario must meet, checked after the run, e.g. 'finals.lost == 0',"
                    + " 'partial.p95.added <= 50ms', 'jain >= 0.99', 'partials.answered >= 90%%'; repeatable. One line"
                    + " per condition and scenario; exit code 1 when one fails. QUANTITY OPERATOR VALUE: the"
                    + " operators are == != <= < >= >, times take ms or s; the quantities are listed below.")
    private List<String> assertConditions = new ArrayList<>();

    @Option(names = "--no-progress", description = "No live progress line.")
    private boolean noProgress;

    /**
     * The help's footer: every quantity {@code --assert} knows, from {@link LoadAssertion}, the one place that
     * defines them.
     *
     * @return the footer's lines
     */
    static String[] assertFooter() {
        List<String> lines = new ArrayList<>();
        lines.add("");
        lines.add("--assert quantities, per scenario:");
        // picocli formats the footer: a % of ours must be %%.
        LoadAssertion.vocabulary().lines().map(l -> "  " + l.replace("%", "%%")).forEach(lines::add);
        return lines.toArray(String[]::new);
    }

    private List<LoadAssertion> assertions = List.of();

    @Override
    public Integer call() throws InterruptedException, IOException {
        Launch launch = parent.launch();
        if (embedded == (url != null)) {
            throw new StartupException("load: give exactly one of --url WS_URL or --embedded");
        }
        if (reconnectTimeout != null && !reconnect) {
            throw new StartupException("load: --reconnect-timeout needs --reconnect");
        }
        try {
            // Parsed before anything starts: a typo in a condition must not cost a whole run.
            assertions = assertConditions.stream().map(LoadAssertion::parse).toList();
        } catch (IllegalArgumentException e) {
            throw new StartupException("load: " + e.getMessage());
        }
        PrintWriter out = launch.out();
        PrintWriter progress = noProgress ? null : launch.err();
        if (!embedded) {
            if (!batchingModes.isEmpty()) {
                throw new StartupException("load: --batching needs --embedded (it restarts the server per mode)");
            }
            return finish(run(url, out, progress, false), null);
        }
        try {
            if (batchingModes.isEmpty()) {
                return finish(embedded(null, out, progress), null);
            }
            List<LoadRun.Outcome> outcomes = new ArrayList<>();
            for (String mode : batchingModes) {
                try {
                    BatchMode.ofConfigName(mode);
                } catch (IllegalArgumentException e) {
                    throw new StartupException("load: --batching: " + e.getMessage());
                }
            }
            for (String mode : batchingModes) {
                out.println();
                out.println("==== fairway.queue.batching = " + mode);
                outcomes.add(embedded(mode, out, progress));
            }
            out.printf("%n== batching compared (client-side latency, ms; partials%%: partials answered)%n");
            out.printf("%-13s %s%n", "batching", LoadRun.SUMMARY_HEADER);
            for (int i = 0; i < outcomes.size(); i++) {
                for (String row : outcomes.get(i).summaryRows()) {
                    out.printf("%-13s %s%n", batchingModes.get(i), row);
                }
            }
            for (int i = 0; i < outcomes.size(); i++) {
                out.printf("served       %s: up to %d sessions with final p95 <= 1.5 s, Jain >= 0.99 and no final lost%n",
                        batchingModes.get(i), outcomes.get(i).servedSessions());
            }
            out.flush();
            int code = ExitCodes.OK;
            for (int i = 0; i < outcomes.size(); i++) {
                code = Math.max(code, finish(outcomes.get(i), batchingModes.get(i)));
            }
            return code;
        } finally {
            launch.shutdown().stopped();
        }
    }

    /** Runs the scenarios against a new in-process server, with {@code fairway.queue.batching = mode} unless null. */
    private LoadRun.Outcome embedded(String mode, PrintWriter out, PrintWriter progress)
            throws InterruptedException, IOException {
        Map<String, String> extra = new LinkedHashMap<>();
        if (mode != null) {
            extra.put("fairway.queue.batching", mode);
        }
        // The embedded server listens on a free loopback port; everything else comes from the configuration.
        extra.put("fairway.transport.websocket.host", "127.0.0.1");
        extra.put("fairway.transport.websocket.port", "0");
        try (Wiring wiring = parent.startWiring(extra)) {
            Server server = Server.create(wiring, wiring.bean(Plugins.class));
            try (Transport transport = server.transport()) {
                transport.start();
                out.println("fairway: embedded server on " + transport.address() + " (provider "
                        + server.providerName() + ")");
                out.flush();
                LoadRun.Outcome outcome = run(transport.address(), out, progress, true);
                transport.shutdown(Duration.ofSeconds(5));
                server.scheduler().shutdown();
                server.scheduler().awaitTermination(Duration.ofSeconds(5));
                return outcome;
            }
        }
    }

    private LoadRun.Outcome run(URI target, PrintWriter out, PrintWriter progress, boolean serverInProcess)
            throws InterruptedException, IOException {
        LoadPlan plan;
        try {
            plan = new LoadPlan(target, sessions, duration, partialInterval, wordsPerPartial, partialsPerFinal,
                    rampUp, drainTimeout, from, to, Optional.ofNullable(token), seed, idleReaders, idleReaderInterval,
                    idleReaderIdBytes, reconnect, reconnectTimeout == null ? Duration.ofSeconds(60) : reconnectTimeout);
        } catch (IllegalArgumentException e) {
            throw new StartupException("load: " + e.getMessage());
        }
        return new LoadRun(plan, out, progress, serverInProcess).run(Optional.ofNullable(json), assertions);
    }

    /**
     * Prints the verdicts of the conditions and what went wrong, and chooses the exit code.
     *
     * @param outcome the run's
     * @param batching the {@code --batching} mode it ran with, or null
     */
    private Integer finish(LoadRun.Outcome outcome, String batching) {
        PrintWriter err = parent.launch().err();
        int code = ExitCodes.OK;
        if (!outcome.verdicts().isEmpty()) {
            PrintWriter out = parent.launch().out();
            // Scenarios are named only when there are several: the lines of a single run stay short.
            boolean name = sessions.size() > 1 || batching != null;
            long failed = 0;
            for (LoadAssertion.Verdict v : outcome.verdicts()) {
                String scenario = !name ? "" : (batching == null ? "" : "batching " + batching + ", ")
                        + v.sessions() + (v.sessions() == 1 ? " session" : " sessions");
                out.println(v.line(scenario));
                failed += v.passed() ? 0 : 1;
            }
            out.flush();
            if (failed > 0) {
                err.println("fairway load: " + failed + " of " + outcome.verdicts().size() + " --assert check(s) failed");
                code = ExitCodes.FAILURE;
            }
        }
        if (outcome.sessionsFailed() > 0) {
            // A run whose sessions could not speak measured nothing: a regression check must not pass.
            err.println("fairway load: " + outcome.sessionsFailed() + " of " + outcome.sessions()
                    + " session(s) failed, the first: " + outcome.firstFailure());
            code = ExitCodes.FAILURE;
        }
        if (outcome.sessionsRefused() > 0) {
            // Shedding at the door is the server doing its job; the sessions it took are measured as usual.
            err.println("fairway load: " + outcome.sessionsRefused() + " of " + outcome.sessions()
                    + " session(s) refused at the door (HTTP 503), not counted as served");
        }
        if (outcome.finalsLost() > 0) {
            err.println("fairway load: " + outcome.finalsLost() + " accepted final(s) were lost");
            code = ExitCodes.FAILURE;
        }
        if (outcome.finalsUnconfirmed() > 0) {
            // Sent again after every resume, yet never accepted: not lost by the server, but not served either.
            err.println("fairway load: " + outcome.finalsUnconfirmed() + " final(s) sent were never accepted nor"
                    + " answered");
            code = ExitCodes.FAILURE;
        }
        return code;
    }

    /** Parses {@code 250ms}, {@code 20s}, {@code 1m} for picocli. */
    static final class DurationConverter implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            Duration d = DurationText.parse(value);
            if (d == null) {
                throw new IllegalArgumentException("'" + value + "' is not a duration such as 250ms, 20s or 1m");
            }
            return d;
        }
    }
}
