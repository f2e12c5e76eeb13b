package dev.fairway.core.queue;

import dev.fairway.api.SegmentKind;
import dev.fairway.api.Session;
import dev.fairway.api.SessionId;
import dev.fairway.api.SessionOptions;
import dev.fairway.core.limiter.FairShareRateLimiter;
import dev.fairway.provider.fake.FakeProvider;
import dev.fairway.test.support.ManualClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Sessions that end (as a client's {@code end} closes them) while their finals still wait for the rate
 * limiter: each final is still delivered, as the protocol promises.
 */
class ClosedSessionFinalsTest {

    @Test
    void finalsWaitingForTheLimiterAreDeliveredAfterTheirSessionCloses() {
        ManualClock clock = ManualClock.create();
        FakeProvider provider = FakeProvider.builder().clock(clock).sleeper(clock::sleep).seed(3).build();
        FairShareRateLimiter rate = FairShareRateLimiter.builder().clock(clock).requestsPerMinute(20).build();
        FairScheduler scheduler = FairScheduler.builder().provider(provider).rateLimiter(rate).clock(clock)
                .executor(Runnable::run).manualDispatch().build();
        List<Session> sessions = new ArrayList<>();
        List<RecordingListener> listeners = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            RecordingListener l = new RecordingListener();
            listeners.add(l);
            sessions.add(scheduler.open(SessionId.of("s" + i), SessionOptions.of("en", "fr"), l));
        }
        // Every session speaks for a while, more than the limit allows, then ends with finals waiting.
        for (int step = 0; step < 100; step++) {
            for (int i = 0; i < sessions.size(); i++) {
                SegmentKind kind = step % 4 == 3 ? SegmentKind.FINAL : SegmentKind.PARTIAL;
                sessions.get(i).submit(kind, step, "sentence " + step + " of speaker " + i);
            }
            scheduler.pump();
            clock.advance(Duration.ofMillis(400));
            scheduler.pump();
        }
        sessions.forEach(Session::close);
        Harness.runUntilIdle(scheduler, clock);

        for (int i = 0; i < sessions.size(); i++) {
            List<Long> ended = new ArrayList<>();
            for (Object e : listeners.get(i).events) {
                if (e instanceof dev.fairway.api.Translation t && t.request().isFinal()) {
                    ended.add(t.request().sequence());
                } else if (e instanceof dev.fairway.api.SegmentFailure f && f.request().isFinal()) {
                    ended.add(f.request().sequence());
                }
            }
            assertEquals(25, ended.size(), "session " + i + " finals answered: " + ended);
        }
        scheduler.close();
    }
}
