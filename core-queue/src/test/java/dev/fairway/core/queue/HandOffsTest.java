package dev.fairway.core.queue;

import dev.fairway.api.SegmentKind;
import dev.fairway.api.limit.ConcurrencyLimiter;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The typed hand-offs between the runtime and the lifecycle: {@link Dispatch} and {@link Deliveries}. */
class HandOffsTest {

    @Test
    void callsAreTakenInTheOrderTheyWereDispatched() {
        SessionQueue s = Segments.session("a");
        Call[] calls = new Call[3];
        Dispatch pass = Dispatch.empty();
        assertEquals(ConcurrencyLimiter.NO_PERMIT, pass.concurrencyPermit);
        assertEquals(0, pass.heldSlots);
        for (int i = 0; i < calls.length; i++) {
            calls[i] = new Call(c -> { }, Segments.segment(s, SegmentKind.FINAL, i + 1, 0), 0, 0);
            pass.add(calls[i]);
        }
        assertEquals(3, pass.size());
        for (Call call : calls) {
            assertSame(call, pass.takeFirst());
        }
        assertNull(pass.takeFirst());
        assertEquals(0, pass.size());
    }

    @Test
    void deliveriesKeepSessionsInTheOrderTheyWereClaimed() {
        Deliveries out = new Deliveries();
        out.add(null);
        assertTrue(out.isEmpty());
        SessionEvents a = new SessionEvents(Segments.session("a"), SessionEvents.NONE, true);
        SessionEvents b = new SessionEvents(Segments.session("b"), SessionEvents.NONE, true);
        out.add(a);
        out.add(b);
        assertSame(a, out.first());
        assertSame(b, out.more().get(0));
        out.clear();
        assertTrue(out.isEmpty());
    }
}
