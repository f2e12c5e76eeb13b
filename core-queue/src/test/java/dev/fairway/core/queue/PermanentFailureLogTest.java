package dev.fairway.core.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fairway.api.PermanentProviderException;
import dev.fairway.api.PermanentProviderException.Kind;
import dev.fairway.test.support.ManualClock;

import java.time.Duration;
import java.util.List;
import java.util.ResourceBundle;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class PermanentFailureLogTest {

    /** A System.Logger that keeps each line with its level. */
    static final class Lines implements System.Logger {
        final List<String> lines = new CopyOnWriteArrayList<>();

        @Override
        public String getName() {
            return "test";
        }

        @Override
        public boolean isLoggable(Level level) {
            return true;
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
            lines.add(level + " " + msg);
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String format, Object... params) {
            lines.add(level + " " + format);
        }

        @Override
        public void log(Level level, Supplier<String> msgSupplier) {
            lines.add(level + " " + msgSupplier.get());
        }
    }

    private static PermanentProviderException auth(String requestId) {
        return new PermanentProviderException(Kind.AUTHENTICATION, "api.openai.com rejected the API key (HTTP 401,"
                + " invalid_api_key); check OPENAI_API_KEY or fairway.provider.openai.api-key [request " + requestId + "]");
    }

    @Test
    void oneLinePerCausePerMinuteThenTheCountOfRepeatsLeftOut() {
        ManualClock clock = ManualClock.create();
        Lines log = new Lines();
        PermanentFailureLog failures = new PermanentFailureLog(log, clock);

        for (int i = 0; i < 500; i++) {
            failures.record("openai", auth("req_" + i));
            clock.advance(Duration.ofMillis(100));
        }

        // 500 calls over 50 s: one line, each call's request id stripped from the cause.
        assertEquals(List.of("WARNING provider openai failed permanently (AUTHENTICATION), the session is told and the"
                + " call is not retried: api.openai.com rejected the API key (HTTP 401, invalid_api_key); check"
                + " OPENAI_API_KEY or fairway.provider.openai.api-key"), log.lines);

        clock.advance(Duration.ofSeconds(10));
        failures.record("openai", auth("req_x"));
        failures.record("openai", auth("req_y"));

        assertEquals(2, log.lines.size());
        assertTrue(log.lines.get(1).endsWith("api-key (499 more times since the last line about this)"),
                log.lines.get(1));

        clock.advance(Duration.ofMinutes(1));
        failures.record("openai", auth("req_z"));
        assertTrue(log.lines.get(2).endsWith("api-key (1 more time since the last line about this)"), log.lines.get(2));
    }

    @Test
    void distinctCausesEachGetTheirLine() {
        ManualClock clock = ManualClock.create();
        Lines log = new Lines();
        PermanentFailureLog failures = new PermanentFailureLog(log, clock);

        failures.record("openai", auth("a"));
        failures.record("openai", new PermanentProviderException(Kind.QUOTA_EXHAUSTED, "quota is exhausted"));
        failures.record("openai", new PermanentProviderException(Kind.BAD_REQUEST, "model 'gpt-9' was not found"));
        failures.record("anthropic", auth("b"));
        failures.record("openai", new PermanentProviderException(Kind.BAD_REQUEST, "model 'gpt-9' was not found"));

        assertEquals(4, log.lines.size(), log.lines.toString());
    }

    @Test
    void causesBeyondTheBoundShareOneLineAMinute() {
        ManualClock clock = ManualClock.create();
        Lines log = new Lines();
        PermanentFailureLog failures = new PermanentFailureLog(log, clock);

        for (int i = 0; i < 10_000; i++) {
            failures.record("odd", new PermanentProviderException(Kind.OTHER, "refused, trace " + i));
        }

        assertEquals(PermanentFailureLog.MAX_CAUSES + 1, log.lines.size());
        assertTrue(log.lines.getLast().endsWith("(too many distinct causes to count each)"), log.lines.getLast());
    }

    @Test
    void schedulerLogsAPermanentFailureOnceForManySessions() {
        Lines log = new Lines();
        PermanentProviderException[] refusals = new PermanentProviderException[20];
        for (int i = 0; i < refusals.length; i++) {
            refusals[i] = auth("req_" + i);
        }
        ScriptedProvider provider = new ScriptedProvider().thenThrow(refusals);
        try (Harness h = new Harness(provider, Runnable::run, b -> b.permanentFailureLogger(log))) {
            for (int i = 0; i < 20; i++) {
                h.open("s" + i).fin(1, "hello " + i);
            }
            h.runUntilIdle();

            assertEquals(20, provider.calls.size());
            assertEquals(1, log.lines.size(), log.lines.toString());
            assertTrue(log.lines.get(0).startsWith("WARNING provider scripted failed permanently (AUTHENTICATION)"),
                    log.lines.get(0));
            assertTrue(!log.lines.get(0).contains("[request"), log.lines.get(0));
        }
    }
}
