package dev.fairway.core.limiter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.fairway.api.SessionId;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class ExpiryWheelTest {

    private final List<String> due = new ArrayList<>();
    private final ExpiryWheel wheel = new ExpiryWheel(0, s -> due.add(s.id.value()));

    private static SessionState session(String id) {
        return new SessionState(SessionId.of(id), 1, 0);
    }

    @Test
    void sessionsComeDueAtTheirTickAndNotBefore() {
        wheel.schedule(session("a"), 5);
        wheel.schedule(session("b"), 3);
        wheel.advanceTo(2);
        assertEquals(List.of(), due);
        wheel.advanceTo(4);
        assertEquals(List.of("b"), due);
        wheel.advanceTo(5);
        assertEquals(List.of("b", "a"), due);
    }

    @Test
    void dueBeyondOneRevolutionWaitsForItsTurn() {
        wheel.schedule(session("far"), 300);
        wheel.advanceTo(299 - 128);
        wheel.advanceTo(299);
        assertEquals(List.of(), due);
        wheel.advanceTo(300);
        assertEquals(List.of("far"), due);
    }

    @Test
    void longJumpVisitsEverySessionOnce() {
        for (int i = 0; i < 10; i++) {
            wheel.schedule(session("s" + i), 1 + i * 40);
        }
        wheel.advanceTo(10_000);
        assertEquals(10, due.size());
    }

    @Test
    void rescheduleAndUnlinkMoveTheSession() {
        SessionState a = session("a");
        SessionState b = session("b");
        wheel.schedule(a, 3);
        wheel.schedule(b, 3);
        wheel.schedule(a, 7);
        wheel.unlink(b);
        assertFalse(b.inWheel);
        wheel.advanceTo(6);
        assertEquals(List.of(), due);
        wheel.advanceTo(7);
        assertEquals(List.of("a"), due);
    }

    @Test
    void pastDueIsScheduledForTheNextTick() {
        wheel.advanceTo(10);
        wheel.schedule(session("late"), 4);
        wheel.advanceTo(11);
        assertEquals(List.of("late"), due);
    }
}
