package dev.fairway.app.overload;

import dev.fairway.api.spi.Admission;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The rules that turn saturation signals into admission: thresholds, hysteresis, windows, messages. */
class OverloadMonitorTest {

    private static final Duration RETRY = Duration.ofSeconds(5);

    private static long ms(long millis) {
        return Duration.ofMillis(millis).toNanos();
    }

    @Test
    void aQuietNodeAdmits() {
        OverloadMonitor monitor = new OverloadMonitor(new OverloadSettings(Duration.ofMillis(250),
                Duration.ofSeconds(1), 90, RETRY));
        monitor.evaluate();
        assertTrue(monitor.check().isEmpty());
        assertEquals(false, monitor.status().get("saturated"));
    }

    @Test
    void schedulingLagIsTheMedianOfTheLastSecondSoOnePauseDoesNotRefuse() {
        OverloadMonitor monitor = new OverloadMonitor(new OverloadSettings(Duration.ofMillis(250), Duration.ZERO,
                0, RETRY));
        for (int i = 0; i < OverloadMonitor.LAG_SAMPLES - 1; i++) {
            monitor.schedulingLag(ms(1));
        }
        monitor.schedulingLag(ms(2_000));
        monitor.evaluate();
        assertTrue(monitor.check().isEmpty(), "one 2 s pause among nine quiet probes");

        for (int i = 0; i < OverloadMonitor.LAG_SAMPLES / 2 + 1; i++) {
            monitor.schedulingLag(ms(400));
        }
        monitor.evaluate();
        Admission.Refusal refusal = monitor.check().orElseThrow();
        assertEquals(OverloadMonitor.REASON, refusal.reason());
        assertEquals(RETRY, refusal.retryAfter());
        assertTrue(refusal.message().contains("scheduling lag 400 ms over 250 ms"), refusal.message());
    }

    @Test
    void aSaturatedSignalClearsOnlyBelowEightyPercentOfItsThreshold() {
        OverloadMonitor monitor = new OverloadMonitor(new OverloadSettings(Duration.ofMillis(100), Duration.ZERO,
                0, RETRY));
        lag(monitor, 150);
        assertTrue(monitor.check().isPresent());
        lag(monitor, 90);
        assertTrue(monitor.check().isPresent(), "90 ms is under the threshold but above 80 ms: still refusing");
        lag(monitor, 79);
        assertTrue(monitor.check().isEmpty());
        lag(monitor, 90);
        assertTrue(monitor.check().isEmpty(), "not saturated again until over the threshold");
    }

    private static void lag(OverloadMonitor monitor, long millis) {
        for (int i = 0; i < OverloadMonitor.LAG_SAMPLES; i++) {
            monitor.schedulingLag(ms(millis));
        }
        monitor.evaluate();
    }

    @Test
    void queueWaitIsTheP95OfTheLastFiveSecondsWithEnoughSamples() {
        OverloadMonitor monitor = new OverloadMonitor(new OverloadSettings(Duration.ZERO, Duration.ofSeconds(1),
                0, RETRY));
        for (int i = 0; i < OverloadMonitor.QUEUE_WAIT_MIN_SAMPLES - 1; i++) {
            monitor.queueWait(ms(5_000));
        }
        monitor.rollQueueWaits();
        monitor.evaluate();
        assertTrue(monitor.check().isEmpty(), "too few translations to say anything");

        monitor.queueWait(ms(5_000));
        monitor.rollQueueWaits();
        monitor.evaluate();
        assertTrue(monitor.check().orElseThrow().message().contains("queue wait p95"));
        assertEquals(20L, ((Map<?, ?>) monitor.status().get("queueWaitP95")).get("samples"));

        // Quick translations in the next seconds, then the slow ones leave the window.
        for (int second = 0; second < OverloadMonitor.QUEUE_WAIT_INTERVALS - 1; second++) {
            for (int i = 0; i < 300; i++) {
                monitor.queueWait(ms(10));
            }
            monitor.rollQueueWaits();
        }
        monitor.evaluate();
        assertTrue(monitor.check().isEmpty(), "p95 of 600 quick and 20 slow waits is quick");
        for (int i = 0; i < OverloadMonitor.QUEUE_WAIT_INTERVALS; i++) {
            monitor.rollQueueWaits();
        }
        monitor.evaluate();
        assertEquals(0, monitor.signals().queueSamples(), "three empty seconds: nothing left in the window");
    }

    @Test
    void heapIsTheLowestOfTheLastCollections() {
        OverloadMonitor monitor = new OverloadMonitor(new OverloadSettings(Duration.ZERO, Duration.ZERO, 90, RETRY));
        for (int i = 0; i < OverloadMonitor.HEAP_SAMPLES - 1; i++) {
            monitor.heapAfterGc(95, 100);
        }
        monitor.heapAfterGc(40, 100);
        monitor.evaluate();
        assertTrue(monitor.check().isEmpty(), "one collection freed the heap: the rest was garbage not yet collected");
        for (int i = 0; i < OverloadMonitor.HEAP_SAMPLES - 1; i++) {
            monitor.heapAfterGc(95, 100);
            monitor.evaluate();
            assertTrue(monitor.check().isEmpty(), "the 40% collection is still among the last five");
        }
        monitor.heapAfterGc(95, 100);
        monitor.evaluate();
        assertEquals("this node is saturated (heap after GC 95% over 90%): try again later or another node",
                monitor.check().orElseThrow().message());
        for (int i = 0; i < OverloadMonitor.HEAP_SAMPLES; i++) {
            monitor.heapAfterGc(86, 100);
        }
        monitor.evaluate();
        assertTrue(monitor.check().isPresent(), "86% is within 5 points of 90%: still refusing");
        monitor.heapAfterGc(84, 100);
        monitor.evaluate();
        assertTrue(monitor.check().isEmpty());
    }

    @Test
    void everySaturatedSignalIsNamed() {
        OverloadMonitor monitor = new OverloadMonitor(new OverloadSettings(Duration.ofMillis(100),
                Duration.ofMillis(100), 50, RETRY));
        lag(monitor, 300);
        for (int i = 0; i < 50; i++) {
            monitor.queueWait(ms(700));
        }
        monitor.rollQueueWaits();
        monitor.heapAfterGc(60, 100);
        monitor.evaluate();
        String message = monitor.check().orElseThrow().message();
        assertTrue(message.contains("scheduling lag 300 ms over 100 ms"), message);
        assertTrue(message.contains("queue wait p95 70"), message);
        assertTrue(message.contains("heap after GC 60% over 50%"), message);
        assertEquals(true, monitor.status().get("saturated"));
        assertEquals(message, monitor.status().get("refusing"));
    }

    @Test
    void afterSaturationTheDoorOpensGraduallyLikeSlowStart() {
        OverloadMonitor monitor = new OverloadMonitor(new OverloadSettings(Duration.ofMillis(100), Duration.ZERO,
                0, RETRY));
        lag(monitor, 300);
        assertTrue(monitor.check().isPresent());

        for (int tick = 0; tick < OverloadMonitor.RECOVERY_TICKS; tick++) {
            lag(monitor, 1);
            assertTrue(monitor.recovering());
            assertEquals(true, monitor.status().get("recovering"));
            long admitted = 0;
            while (monitor.admit().isEmpty()) {
                admitted++;
            }
            assertEquals(1L << tick, admitted, "probe interval " + tick);
            Admission.Refusal refusal = monitor.admit().orElseThrow();
            assertEquals(OverloadMonitor.REASON, refusal.reason());
            assertTrue(refusal.message().contains("recovering"), refusal.message());
        }
        lag(monitor, 1);
        assertFalse(monitor.recovering());
        for (int i = 0; i < 1_000_000; i++) {
            assertTrue(monitor.admit().isEmpty(), "open again");
        }
    }

    @Test
    void askingWhetherTheDoorIsOpenTakesNoPlace() {
        OverloadMonitor monitor = new OverloadMonitor(new OverloadSettings(Duration.ofMillis(100), Duration.ZERO,
                0, RETRY));
        lag(monitor, 300);
        lag(monitor, 1);
        for (int i = 0; i < 100; i++) {
            assertTrue(monitor.check().isEmpty(), "a load balancer polling /ready");
        }
        assertTrue(monitor.admit().isEmpty(), "the one place of the first interval is still there");
        assertTrue(monitor.check().orElseThrow().message().contains("recovering"));
        assertTrue(monitor.admit().isPresent());
    }

    @Test
    void saturationDuringRecoveryStartsItOver() {
        OverloadMonitor monitor = new OverloadMonitor(new OverloadSettings(Duration.ofMillis(100), Duration.ZERO,
                0, RETRY));
        lag(monitor, 300);
        for (int tick = 0; tick < 5; tick++) {
            lag(monitor, 1);
        }
        lag(monitor, 300);
        assertTrue(monitor.check().orElseThrow().message().contains("scheduling lag"));
        lag(monitor, 1);
        assertTrue(monitor.admit().isEmpty());
        assertTrue(monitor.admit().isPresent(), "one session in the first interval again");
    }

    @Test
    void aNodeThatWasNeverSaturatedHasNoRampToClimb() {
        OverloadMonitor monitor = new OverloadMonitor(new OverloadSettings(Duration.ofMillis(100), Duration.ZERO,
                0, RETRY));
        lag(monitor, 1);
        assertFalse(monitor.recovering());
        for (int i = 0; i < 10_000; i++) {
            assertTrue(monitor.admit().isEmpty());
        }
    }

    @Test
    void signalsAtZeroAreOff() {
        OverloadMonitor monitor = new OverloadMonitor(OverloadSettings.OFF);
        assertFalse(OverloadSettings.OFF.enabled());
        lag(monitor, 60_000);
        for (int i = 0; i < 100; i++) {
            monitor.queueWait(ms(60_000));
        }
        monitor.rollQueueWaits();
        monitor.heapAfterGc(100, 100);
        monitor.evaluate();
        assertTrue(monitor.check().isEmpty());
    }
}
