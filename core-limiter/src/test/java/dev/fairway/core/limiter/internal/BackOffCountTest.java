package dev.fairway.core.limiter.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BackOffCountTest {

    @Test
    void rateLimitedAnswersCountUpInARow() {
        BackOffCount count = new BackOffCount();
        assertFalse(count.backingOff());
        assertEquals(1, count.record(true));
        assertEquals(2, count.record(true));
        assertTrue(count.backingOff());
    }

    @Test
    void anotherAnswerOrASuccessStartsAgain() {
        BackOffCount count = new BackOffCount();
        count.record(true);
        assertEquals(0, count.record(false));
        assertFalse(count.backingOff());
        count.record(true);
        count.reset();
        assertFalse(count.backingOff());
        assertEquals(1, count.record(true));
    }

    @Test
    void countStopsAtItsMaximum() {
        BackOffCount count = new BackOffCount();
        for (int i = 0; i < 100; i++) {
            count.record(true);
        }
        assertEquals(BackOffCount.MAX, count.record(true));
    }
}
