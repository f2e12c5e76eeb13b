package dev.fairway.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class SessionOptionsTest {

    @Test
    void ofGivesWeightOne() {
        assertEquals(1, SessionOptions.of("en", "fr").weight());
    }

    @Test
    void weightOutOfRangeIsRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> new SessionOptions("en", "fr", 0, ""));
        assertEquals("weight must be 1 to 1000, was 0", e.getMessage());
    }

    @Test
    void acceptedIsNotARefusal() {
        assertThrows(IllegalArgumentException.class,
                () -> SubmitOutcome.refused(SubmitOutcome.Status.ACCEPTED, "x"));
    }
}
