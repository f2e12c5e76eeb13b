package dev.fairway.core.queue;

import dev.fairway.api.SegmentKind;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SessionQueueTest {

    private final SessionQueue s = Segments.session("a");

    @Test
    void eventsAreClaimedByOneDelivererAtATime() {
        Segment one = Segments.segment(s, SegmentKind.FINAL, 1, 0);
        Segment two = Segments.segment(s, SegmentKind.FINAL, 2, 0);
        assertNull(s.claimEvents(), "nothing queued");
        s.queueOutcome(one);
        SessionEvents first = s.claimEvents();
        assertArrayEquals(new Segment[] {one}, first.outcomes());
        assertTrue(s.delivering);
        s.queueOutcome(two);
        assertNull(s.claimEvents(), "someone is delivering");
        assertEquals(1, s.pendingEvents, "the deliverer sees it when it is done");
        s.delivering = false;
        assertArrayEquals(new Segment[] {two}, s.claimEvents().outcomes());
        assertEquals(0, s.pendingEvents);
    }

    @Test
    void onClosedComesAfterTheLastOutcome() {
        Segment one = Segments.segment(s, SegmentKind.FINAL, 1, 0);
        s.queueOutcome(one);
        s.queueCloseEvent();
        SessionEvents events = s.claimEvents();
        assertArrayEquals(new Segment[] {one}, events.outcomes());
        assertTrue(events.closes());
        assertEquals(2, events.count());
        s.delivering = false;
        assertNull(s.claimEvents(), "the close event is claimed once");
    }

    @Test
    void readinessPutsFinalsBeforeThePartialAndWaitsForARetry() {
        Segment partial = Segments.segment(s, SegmentKind.PARTIAL, 1, 0);
        Segment fin = Segments.segment(s, SegmentKind.FINAL, 2, 0);
        s.pendingPartial = partial;
        s.finals().addLast(fin);
        fin.state = Segment.WAITING_RETRY;
        fin.readyAt = 500;
        assertEquals(100, s.readyAt(100, 1), "the partial is ready now");
        s.pendingPartial = null;
        assertEquals(500, s.readyAt(100, 1), "the final waits for its backoff");
        assertTrue(s.hasQueuedWork());
        s.sent(fin, null);
        assertEquals(SessionRing.NEVER, s.readyAt(600, 1), "its one final in flight");
        assertFalse(s.hasQueuedWork());
    }
}
