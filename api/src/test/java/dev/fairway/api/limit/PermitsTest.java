package dev.fairway.api.limit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class PermitsTest {

    @Test
    void nonNegativeValuesAreGrantedPermitsWithoutWait() {
        assertTrue(Permits.isGranted(0));
        assertTrue(Permits.isGranted(Long.MAX_VALUE));
        assertEquals(0, Permits.waitNanos(42));
    }

    @Test
    void refusalCarriesItsWait() {
        long refusal = Permits.refusal(1_500_000_000L);
        assertFalse(Permits.isGranted(refusal));
        assertEquals(1_500_000_000L, Permits.waitNanos(refusal));
        assertEquals(Duration.ofMillis(1500), Permits.waitTime(refusal));
    }

    @Test
    void refusalWaitsAtLeastOneNanosecond() {
        assertEquals(1, Permits.waitNanos(Permits.refusal(0)));
        assertEquals(1, Permits.waitNanos(Permits.refusal(-5)));
    }

    @Test
    void longestRefusalStaysNegative() {
        long refusal = Permits.refusal(Long.MAX_VALUE);
        assertFalse(Permits.isGranted(refusal));
        assertEquals(Long.MAX_VALUE, Permits.waitNanos(refusal));
    }
}
