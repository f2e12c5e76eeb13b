package dev.fairway.transport.websocket;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OutboundTest {

    private final BlockingQueue<Outbound.Frame> written = new LinkedBlockingQueue<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private final CountDownLatch writing = new CountDownLatch(1);

    /** A sink that blocks on its first frame until released, like a socket whose client does not read. */
    private Outbound.Frame blockingWrite(Outbound.Frame frame) {
        writing.countDown();
        try {
            assertTrue(release.await(20, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
        written.add(frame);
        return frame;
    }

    @Test
    void framesAreWrittenInOrderAndOffersNeverBlock() throws Exception {
        Outbound out = new Outbound(3, this::blockingWrite, () -> { });
        assertEquals(Outbound.Offer.QUEUED, out.offer(text("a")));
        assertTrue(writing.await(20, TimeUnit.SECONDS));       // the writer holds "a" and is blocked
        assertEquals(Outbound.Offer.QUEUED, out.offer(text("b")));
        assertEquals(Outbound.Offer.QUEUED, out.offer(text("c")));
        assertEquals(Outbound.Offer.QUEUED, out.offer(text("d")));
        assertEquals(Outbound.Offer.FULL, out.offer(text("e")), "three wait: the limit");
        release.countDown();
        assertEquals(List.of("a", "b", "c", "d"), List.of(json(next()), json(next()), json(next()), json(next())));
    }

    @Test
    void closeIsTheLastFrameAndMayDropWhatWaits() throws Exception {
        Outbound out = new Outbound(10, this::blockingWrite, () -> { });
        out.offer(text("a"));
        assertTrue(writing.await(20, TimeUnit.SECONDS));
        out.offer(text("b"));
        assertTrue(out.close(new Outbound.Close(1008, "slow"), true));
        assertFalse(out.close(new Outbound.Close(1000, "again"), false));
        assertEquals(Outbound.Offer.SEALED, out.offer(text("c")));
        release.countDown();
        assertEquals("a", json(next()));
        assertEquals(new Outbound.Close(1008, "slow"), next());
        assertEquals(0, out.size());
    }

    @Test
    void failedWriteSealsTheQueueAndReportsOnce() throws Exception {
        CountDownLatch failed = new CountDownLatch(1);
        Outbound out = new Outbound(10, frame -> {
            throw new IllegalStateException("socket closed");
        }, failed::countDown);
        out.offer(text("a"));
        assertTrue(failed.await(20, TimeUnit.SECONDS));
        assertEquals(Outbound.Offer.SEALED, out.offer(text("b")));
    }

    private Outbound.Frame next() throws InterruptedException {
        Outbound.Frame frame = written.poll(20, TimeUnit.SECONDS);
        assertTrue(frame != null, "no frame written");
        return frame;
    }

    private static Outbound.Text text(String s) {
        return new Outbound.Text(s);
    }

    private static String json(Outbound.Frame frame) {
        return ((Outbound.Text) frame).json();
    }
}
