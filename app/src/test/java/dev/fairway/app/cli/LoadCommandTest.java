package dev.fairway.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fairway.app.wiring.Plugins;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fairway load --embedded}, end to end: real WebSocket sessions against the in-process server on
 * the fake provider without latency. It asserts on what the report counts, never on how fast it was.
 */
class LoadCommandTest {

    @TempDir
    Path dir;

    private record Result(int code, String out, String err) {
    }

    private Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        ShutdownSignal signal = new ShutdownSignal() {
            @Override
            public void awaitStopRequest(Duration grace) {
            }

            @Override
            public void stopped() {
            }
        };
        // No scheduling-lag signal: a busy test machine would turn sessions away (OverloadEndToEndTest covers it).
        Map<String, String> env = Map.of("FAIRWAY_PROVIDER_FAKE_LATENCY_BASE", "0",
                "FAIRWAY_PROVIDER_FAKE_LATENCY_PER_TOKEN", "0", "FAIRWAY_PROVIDER_FAKE_LATENCY_JITTER", "0",
                "FAIRWAY_OVERLOAD_SCHEDULING_LAG", "0");
        Launch launch = new Launch(env, Map.of(), Plugins.discover(), new PrintWriter(out, true),
                new PrintWriter(err, true), signal, List.of());
        return new Result(Cli.run(args, launch), out.toString(), err.toString());
    }

    @Test
    void embeddedRunReportsEverySessionAndLosesNoFinal() throws Exception {
        Path json = dir.resolve("report.json");
        Result result = run("load", "--embedded", "--sessions", "1,3", "--duration", "1s", "--partial-interval", "50ms",
                "--partials-per-final", "3", "--ramp-up", "0", "--no-progress", "--json", json.toString());

        assertEquals(0, result.code(), result.out() + result.err());
        assertTrue(result.out().contains("== 3 sessions"), result.out());
        assertTrue(result.out().contains("== summary"), result.out());
        JsonNode report = new ObjectMapper().readTree(Files.readString(json));
        JsonNode three = report.path("scenarios").get(1);
        assertEquals(3, three.path("sessions").asInt());
        assertEquals(3, three.path("perSession").size());
        assertEquals(0, three.path("finalsLost").asLong());
        assertTrue(three.path("finalsTranslated").asLong() >= 3, "every session ends on a final: " + three);
        assertEquals(three.path("finalsSent").asLong() - three.path("finalsRefused").asLong(),
                three.path("finalsTranslated").asLong() + three.path("finalsFailed").asLong(), three.toString());
        assertTrue(three.path("server").path("queue").has("superseded"), "the server's /status is included");
    }

    @Test
    void batchingModesRunOnNewServersAndAreComparedInOneTable() {
        Result result = run("load", "--embedded", "--sessions", "2", "--duration", "1s", "--partial-interval", "50ms",
                "--partials-per-final", "3", "--ramp-up", "0", "--no-progress", "--batching", "off,always");

        assertEquals(0, result.code(), result.out() + result.err());
        assertTrue(result.out().contains("==== fairway.queue.batching = off"), result.out());
        assertTrue(result.out().contains("==== fairway.queue.batching = always"), result.out());
        assertTrue(result.out().contains("== batching compared"), result.out());
        assertEquals(2, result.out().lines().filter(l -> l.matches("(off|always) +2 .*")).count(), result.out());
        assertTrue(result.out().lines().anyMatch(l -> l.startsWith("batches    always: ")),
                "the always run reports its batch calls: " + result.out());
        assertTrue(result.out().contains("served       always: up to "), result.out());
    }

    @Test
    void batchingNeedsAnEmbeddedServerAndKnownModes() {
        Result remote = run("load", "--url", "ws://127.0.0.1:1/v1/session", "--batching", "off", "--no-progress");
        assertEquals(ExitCodes.CONFIGURATION, remote.code());
        assertTrue(remote.err().contains("--batching needs --embedded"), remote.err());
        Result unknown = run("load", "--embedded", "--batching", "sometimes", "--no-progress");
        assertEquals(ExitCodes.CONFIGURATION, unknown.code());
        assertTrue(unknown.err().contains("batching must be off, when-limited or always, was sometimes"), unknown.err());
    }

    @Test
    void sessionsThatCannotConnectFailTheRun() throws Exception {
        int port;
        try (java.net.ServerSocket closed = new java.net.ServerSocket(0)) {
            port = closed.getLocalPort(); // free, and nobody listens once it is closed
        }
        Result result = run("load", "--url", "ws://127.0.0.1:" + port + "/v1/session", "--sessions", "2",
                "--duration", "1s", "--ramp-up", "0", "--no-progress");

        assertEquals(1, result.code(), result.out() + result.err());
        assertTrue(result.out().contains("sessions failed 2"), result.out());
        assertTrue(result.err().contains("fairway load: 2 of 2 session(s) failed, the first: cannot connect"),
                result.err());
    }

    @Test
    void sessionsRefusedAtTheDoorAreReportedApartAndDoNotFailTheRun() throws Exception {
        Result result = run("load", "--embedded", "--sessions", "3", "--duration", "1s", "--partial-interval", "50ms",
                "--ramp-up", "0", "--no-progress", "-D", "fairway.transport.websocket.max-connections=2");

        assertEquals(0, result.code(), result.out() + result.err());
        assertTrue(result.out().contains("REFUSED: HTTP 503, retry after 5 s"), result.out());
        assertTrue(result.out().contains("sessions failed 0, sessions refused at the door 1"), result.out());
        assertTrue(result.out().contains("LOST 0"), result.out());
        assertTrue(result.err().contains("fairway load: 1 of 3 session(s) refused at the door (HTTP 503)"),
                result.err());
    }

    @Test
    void badAssertConditionsAreUsageErrorsBeforeAnythingStarts() {
        Result unknown = run("load", "--embedded", "--no-progress", "--assert", "finals.lost == 0",
                "--assert", "finals.lots == 0");
        assertEquals(ExitCodes.CONFIGURATION, unknown.code(), unknown.out() + unknown.err());
        assertTrue(unknown.err().startsWith("fairway: load: --assert 'finals.lots == 0': unknown quantity 'finals.lots';"
                + " known: finals.lost, "), unknown.err());
        assertTrue(unknown.out().isEmpty(), "no server was started: " + unknown.out());

        Result unitless = run("load", "--embedded", "--no-progress", "--assert", "partial.p95.added <= 50");
        assertEquals(ExitCodes.CONFIGURATION, unitless.code());
        assertTrue(unitless.err().contains("--assert 'partial.p95.added <= 50': partial.p95.added is a time: give the"
                + " bound in ms or s"), unitless.err());
    }

    @Test
    void conditionsThatHoldAreReportedAndPassTheRun() throws Exception {
        Path json = dir.resolve("report.json");
        Result result = run("load", "--embedded", "--sessions", "2", "--duration", "1s", "--partial-interval", "50ms",
                "--partials-per-final", "3", "--ramp-up", "0", "--no-progress", "--json", json.toString(),
                "--assert", "finals.lost == 0", "--assert", "sessions.failed == 0", "--assert", "jain > 0",
                "--assert", "errors >= 0");

        assertEquals(ExitCodes.OK, result.code(), result.out() + result.err());
        assertTrue(result.out().contains("\nassert finals.lost == 0: 0 ok\n"), result.out());
        assertTrue(result.out().contains("\nassert sessions.failed == 0: 0 ok\n"), result.out());
        assertTrue(result.out().lines().anyMatch(l -> l.matches("assert jain > 0: [01]\\.[0-9]{4} ok")), result.out());
        assertTrue(result.out().contains("\nassert errors >= 0: 0 ok\n"), result.out());
        JsonNode checked = new ObjectMapper().readTree(Files.readString(json)).path("scenarios").get(0).path("assertions");
        assertEquals(4, checked.size(), checked.toString());
        assertEquals("finals.lost == 0", checked.get(0).path("condition").asText());
        assertTrue(checked.get(0).path("passed").asBoolean(), checked.toString());
    }

    @Test
    void aFailingConditionFailsTheRunAndNamesItsScenario() {
        Result result = run("load", "--embedded", "--sessions", "1,2", "--duration", "1s", "--partial-interval", "50ms",
                "--partials-per-final", "3", "--ramp-up", "0", "--no-progress",
                "--assert", "finals.lost == 0", "--assert", "finals.lost > 0", "--assert", "jain <= 0");

        assertEquals(ExitCodes.FAILURE, result.code(), result.out() + result.err());
        assertTrue(result.out().contains("\nassert finals.lost == 0 [1 session]: 0 ok\n"), result.out());
        assertTrue(result.out().contains("\nassert finals.lost > 0 [1 session]: FAILED: 0\n"), result.out());
        assertTrue(result.out().contains("\nassert finals.lost > 0 [2 sessions]: FAILED: 0\n"), result.out());
        assertTrue(result.out().lines().anyMatch(l -> l.matches("assert jain <= 0 \\[2 sessions\\]: FAILED: .*")),
                result.out());
        assertTrue(result.err().contains("fairway load: 4 of 6 --assert check(s) failed"), result.err());
        assertTrue(result.out().contains("LOST 0"), "the run itself was good: " + result.out());
    }

    @Test
    void helpListsEveryAssertQuantity() {
        Result result = run("load", "--help");

        assertEquals(ExitCodes.OK, result.code(), result.err());
        assertTrue(result.out().contains("--assert quantities"), result.out());
        assertTrue(result.out().contains(" 0.9 or 90% "), "picocli formats the help: a % must reach it as %%: "
                + result.out());
        assertFalse(result.out().contains("%%"), result.out());
        for (String name : List.of("finals.lost", "partial.p95.added", "final.p99", "jain", "partials.answered",
                "sessions.refused", "errors")) {
            assertTrue(result.out().contains("  " + name + " "), name + " in " + result.out());
        }
    }

    @Test
    void urlAndEmbeddedTogetherIsAUsageError() {
        Result result = run("load", "--embedded", "--url", "ws://127.0.0.1:1/v1/session");
        assertEquals(2, result.code());
        assertEquals("fairway: load: give exactly one of --url WS_URL or --embedded", result.err().strip());
    }
}
