package dev.fairway.transport.websocket;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OutboundTest {

    /** A sink like a socket: it records each write and completes it only when the test says so. */
    private final List<Outbound.Frame> started = new ArrayList<>();
    private final List<Outbound.Done> pending = new ArrayList<>();
    private volatile boolean completeAtOnce;

    private void write(Outbound.Frame frame, Outbound.Done done) {
        started.add(frame);
        if (completeAtOnce) {
            done.succeeded();
        } else {
            pending.add(done);
        }
    }

    private void completeNext() {
        pending.remove(0).succeeded();
    }

    private Outbound outbound(int frames, long bytes, OutboundBudget shared) {
        return new Outbound(frames, bytes, shared, this::write, () -> { });
    }

    @Test
    void framesAreWrittenOneAtATimeInOrderAndOffersNeverBlock() {
        Outbound out = outbound(3, 1_000_000, new OutboundBudget(1_000_000));
        assertEquals(Outbound.Offer.QUEUED, out.offer(text("a")));   // being written: not counted as waiting
        assertEquals(Outbound.Offer.QUEUED, out.offer(text("b")));
        assertEquals(Outbound.Offer.QUEUED, out.offer(text("c")));
        assertEquals(Outbound.Offer.QUEUED, out.offer(text("d")));
        assertEquals(Outbound.Offer.FULL, out.offer(text("e")), "three wait: the limit");
        assertEquals(List.of("a"), jsons(), "one write at a time");
        for (int i = 0; i < 3; i++) {
            completeNext();
        }
        assertEquals(List.of("a", "b", "c", "d"), jsons());
        completeNext();
        assertEquals(0, out.size());
        assertEquals(0, out.bytes());
    }

    @Test
    void closeIsTheLastFrameAndMayDropWhatWaits() {
        OutboundBudget shared = new OutboundBudget(1_000_000);
        Outbound out = outbound(10, 1_000_000, shared);
        out.offer(text("a"));
        out.offer(text("b"));
        assertTrue(out.close(new Outbound.Close(1008, "slow"), true));
        assertFalse(out.close(new Outbound.Close(1000, "again"), false));
        assertEquals(Outbound.Offer.SEALED, out.offer(text("c")));
        assertEquals(1, shared.used(), "only the frame being written still holds its byte");
        completeNext();
        assertEquals(new Outbound.Close(1008, "slow"), started.get(1));
        completeNext();
        assertEquals(0, shared.used());
    }

    @Test
    void failedWriteSealsTheQueueReleasesItsBytesAndReportsOnce() {
        AtomicInteger failures = new AtomicInteger();
        OutboundBudget shared = new OutboundBudget(1_000);
        Outbound out = new Outbound(10, 1_000, shared, (frame, done) -> {
            done.failed(new IllegalStateException("socket closed"));
            done.failed(new IllegalStateException("again"));
        }, failures::incrementAndGet);
        out.offer(text("a"));
        assertEquals(1, failures.get());
        assertEquals(Outbound.Offer.SEALED, out.offer(text("b")));
        assertEquals(0, shared.used());
    }

    @Test
    void bytesAreCountedFromTheOfferUntilTheWriteCompletes() {
        Outbound out = outbound(100, 100, new OutboundBudget(1_000_000));
        assertEquals(Outbound.Offer.QUEUED, out.offer(text("x".repeat(60))));
        assertEquals(60, out.bytes(), "being written, still counted");
        assertEquals(Outbound.Offer.OVER_BUDGET, out.offer(text("y".repeat(41))));
        assertEquals(Outbound.Offer.QUEUED, out.offer(text("é".repeat(20))), "two bytes of UTF-8 each");
        assertEquals(100, out.bytes());
        completeNext();
        assertEquals(40, out.bytes());
        completeNext();
        assertEquals(0, out.bytes());
    }

    @Test
    void sharedBudgetRefusesWhatDoesNotFitAcrossConnectionsAndDiscardGivesBack() {
        OutboundBudget shared = new OutboundBudget(100);
        Outbound first = outbound(100, 1_000, shared);
        Outbound second = outbound(100, 1_000, shared);
        assertEquals(Outbound.Offer.QUEUED, first.offer(text("a".repeat(70))));
        assertEquals(Outbound.Offer.QUEUED, first.offer(text("b".repeat(20))));
        assertEquals(Outbound.Offer.OVER_SHARED_BUDGET, second.offer(text("c".repeat(40))));
        first.discard();
        assertEquals(70, shared.used(), "the frame being written is released when its write completes");
        assertEquals(Outbound.Offer.QUEUED, second.offer(text("c".repeat(30))));
        completeNext();
        assertEquals(30, shared.used());
    }

    @Test
    void writesThatCompleteAtOnceDoNotNestOnTheStack() {
        Outbound out = outbound(1_000_000, Long.MAX_VALUE, new OutboundBudget(Long.MAX_VALUE));
        out.offer(text("first"));
        for (int i = 0; i < 200_000; i++) {
            out.offer(text("n" + i));
        }
        completeAtOnce = true;
        completeNext();                                            // the rest complete inside their writes
        assertEquals(200_001, started.size());
        assertEquals(0, out.bytes());
    }

    private List<String> jsons() {
        return started.stream().map(f -> ((Outbound.Text) f).json()).toList();
    }

    private static Outbound.Text text(String s) {
        return new Outbound.Text(s);
    }
}
