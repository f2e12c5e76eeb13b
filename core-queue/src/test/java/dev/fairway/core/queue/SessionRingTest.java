package dev.fairway.core.queue;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SessionRingTest {

    private final SessionRing ring = new SessionRing(Segments.settings(0));

    @Test
    void readySessionEntersTheRingOnce() {
        SessionQueue a = Segments.ready("a", 0);
        assertTrue(ring.reschedule(a, 0));
        assertFalse(ring.reschedule(a, 0), "already in the ring");
        assertSame(a, ring.poll());
        assertNull(ring.poll());
    }

    @Test
    void sessionWithoutWorkStaysIdle() {
        SessionQueue a = Segments.session("a");
        assertFalse(ring.reschedule(a, 0));
        assertEquals(SessionQueue.IDLE, a.where);
        assertEquals(SessionRing.NEVER, ring.nextDeadline());
    }

    @Test
    void refusedSessionWaitsOnATimerUntilItIsDue() {
        SessionQueue a = Segments.ready("a", 0);
        a.blocked = true;
        a.blockedUntil = 100;
        assertFalse(ring.reschedule(a, 0));
        assertEquals(SessionQueue.TIMER, a.where);
        assertEquals(100, ring.nextDeadline());
        ring.promoteDueTimers(99);
        assertNull(ring.poll());
        ring.promoteDueTimers(100);
        assertSame(a, ring.poll());
        assertEquals(SessionRing.NEVER, ring.nextDeadline());
    }

    @Test
    void stoppedTurnGoesBeforeTheRing() {
        SessionQueue a = inRing("a");
        SessionQueue b = inRing("b");
        SessionQueue first = ring.poll();
        first.where = SessionQueue.DISPATCHING;
        ring.stopTurn(first, SessionRing.NEVER);
        assertSame(a, ring.poll(), "its turn goes on before b's");
        assertSame(b, ring.poll());
    }

    @Test
    void wakeUpsAreOnlyLoweredAndTakenBackByThePassTheyAskedFor() {
        ring.wakeBy(200);
        ring.wakeBy(100);
        ring.wakeBy(300);
        assertEquals(100, ring.nextDeadline());
        ring.takeWake(99);
        assertEquals(100, ring.nextDeadline(), "not due yet");
        ring.takeWake(100);
        assertEquals(SessionRing.NEVER, ring.nextDeadline());
    }

    @Test
    void closedRingTakesNoSessionAndForgetsItsTimers() {
        SessionQueue a = inRing("a");
        SessionQueue b = Segments.ready("b", 0);
        b.blocked = true;
        b.blockedUntil = 50;
        ring.reschedule(b, 0);
        assertTrue(ring.close(List.of(a, b)));
        assertFalse(ring.close(List.of(a, b)), "closes once");
        assertNull(ring.poll());
        assertEquals(SessionQueue.IDLE, a.where);
        assertEquals(SessionQueue.IDLE, b.where);
        assertEquals(SessionRing.NEVER, ring.nextDeadline());
        assertFalse(ring.reschedule(a, 0));
        ring.stopTurn(a, 10);
        assertNull(ring.poll());
    }

    @Test
    void pacingHoldsDispatchesApart() {
        SessionRing paced = new SessionRing(Segments.settings(50));
        assertTrue(paced.paced(0));
        paced.dispatchedAt(0);
        assertFalse(paced.paced(49));
        assertEquals(50, paced.nextDispatchAt());
        assertTrue(paced.paced(50));
    }

    private SessionQueue inRing(String id) {
        SessionQueue s = Segments.ready(id, 0);
        assertTrue(ring.reschedule(s, 0));
        return s;
    }
}
