package dev.fairway.core.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RecentLatenciesTest {

    @Test
    void emptyBeforeTheFirst() {
        assertTrue(new RecentLatencies().p95().isEmpty());
    }

    @Test
    void p95IsTheNearestRankOfWhatIsRemembered() {
        RecentLatencies l = new RecentLatencies();
        l.record(7);
        assertEquals(Optional.of(Duration.ofNanos(7)), l.p95(), "one value is every percentile");
        RecentLatencies twenty = new RecentLatencies();
        for (int i = 20; i >= 1; i--) {
            twenty.record(i);
        }
        assertEquals(Duration.ofNanos(19), twenty.p95().orElseThrow(), "rank ceil(0.95 * 20) = 19");
    }

    @Test
    void onlyTheLastSixtyFourCount() {
        RecentLatencies l = new RecentLatencies();
        for (int i = 0; i < 1000; i++) {
            l.record(1_000_000);                     // an old slow spell
        }
        for (int i = 0; i < RecentLatencies.SIZE; i++) {
            l.record(i < 60 ? 10 : 20);
        }
        assertEquals(Duration.ofNanos(20), l.p95().orElseThrow(), "the slow spell is forgotten");
        l.record(-5);
        assertEquals(Duration.ofNanos(20), l.p95().orElseThrow(), "a negative value counts as 0");
    }
}
