package dev.fairway.api.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fairway.api.Session;
import dev.fairway.api.SessionId;
import dev.fairway.api.SessionListener;
import dev.fairway.api.SessionOptions;
import dev.fairway.api.TranslationScheduler;
import io.opentelemetry.api.OpenTelemetry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ReadinessTest {

    private static TransportContext context() {
        TranslationScheduler scheduler = new TranslationScheduler() {
            @Override
            public Session open(SessionId id, SessionOptions options, SessionListener listener) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void shutdown() {
            }

            @Override
            public boolean awaitTermination(Duration timeout) {
                return true;
            }

            @Override
            public void close() {
            }
        };
        return new TransportContext(PluginConfig.of("fairway.transport.test", Map.of()), scheduler,
                OpenTelemetry.noop(), Map::of);
    }

    @Test
    void aNamedCheckAsksItsSupplier() {
        List<String> reasons = new ArrayList<>();
        Readiness check = Readiness.of("session-store", () -> reasons.isEmpty() ? Optional.empty()
                : Optional.of(reasons.getLast()));
        assertEquals("session-store", check.name());
        assertTrue(check.check().isEmpty());
        reasons.add("unreachable");
        assertEquals(Optional.of("unreachable"), check.check());
    }

    @Test
    void namesAreLowerCaseWordsJoinedByHyphens() {
        for (String bad : List.of("", "Provider", "session store", "-store", "store-", "a--b")) {
            assertThrows(IllegalArgumentException.class, () -> Readiness.of(bad, Optional::empty), bad);
        }
        Readiness.of("limiter-store2", Optional::empty);
    }

    @Test
    void aContextCarriesItsChecksInOrderUnmodifiable() {
        TransportContext context = context();
        assertTrue(context.readiness().isEmpty());
        List<Readiness> checks = List.of(Readiness.of("provider", Optional::empty),
                Readiness.of("limiter-store", Optional::empty));
        TransportContext with = context.withReadiness(checks);
        assertEquals(checks, with.readiness());
        assertThrows(UnsupportedOperationException.class, () -> with.readiness().add(Readiness.of("x", Optional::empty)));
    }

    @Test
    void twoChecksOfOneNameAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> context().withReadiness(
                List.of(Readiness.of("provider", Optional::empty), Readiness.of("provider", Optional::empty))));
        assertEquals("two readiness checks are named 'provider'", e.getMessage());
    }
}
