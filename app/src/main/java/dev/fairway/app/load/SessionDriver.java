package dev.fairway.app.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One simulated speaker: opens a session over a WebSocket, speaks partials and finals on a schedule,
 * and records the latency of every translation it gets back (from sending the segment to receiving
 * its translation, as the client sees it).
 *
 * <p>With {@link LoadPlan#reconnect()} it speaks protocol version 2: it keeps the session's resume token and the
 * highest seq it received, and when the connection drops (closed by the server, an I/O error, a refused connect
 * while the server restarts) it connects again and sends {@code resume}, backing off from 100 ms to 2 s, for at
 * most {@link LoadPlan#reconnectTimeout()}. Finals that were {@code accepted} are the server's to answer, on
 * this connection or the next; finals sent and not accepted when the connection dropped are sent again after
 * {@code resumed}, with the same seq. Only the session's own thread sends; the listeners only record.
 */
final class SessionDriver {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long FIRST_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(2);
    /** How often a draining v2 session pings, so that a connection that died silently is noticed. */
    private static final long DRAIN_PING_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    private static final int NORMAL_CLOSURE = WebSocket.NORMAL_CLOSURE;

    private final int index;
    private final LoadPlan plan;
    private final SessionStats stats;
    private final SpeechPattern speech;
    private final boolean durable;
    /** Send time (nanoTime) of every segment not yet answered, by seq. */
    private final Map<Long, Long> sentAt = new ConcurrentHashMap<>();
    /** Finals sent and neither answered nor refused, by seq. */
    private final Map<Long, PendingFinal> finalsOutstanding = new ConcurrentHashMap<>();
    /** Seqs of finals answered (translation or failed): a second answer is a duplicate. */
    private final Set<Long> answeredFinals = ConcurrentHashMap.newKeySet();
    /** Texts of finals the server refused (back-pressure): sent again with a new seq. */
    private final ArrayDeque<String> refusedFinals = new ArrayDeque<>();
    private final ReentrantLock refusedLock = new ReentrantLock();
    /** Finals answered {@code unavailable} (not journaled): sent again with the same seq. */
    private final Queue<Long> unjournaled = new ConcurrentLinkedQueue<>();
    /** How many seqs a version-2 client lets pass between two {@code ack}s. */
    private static final int ACK_EVERY = 32;
    /** The last seq acknowledged (sending thread only). */
    private long acked = -1;
    /** Highest seq of a translation or failure received: {@code resume}'s {@code lastSeq}. */
    private final AtomicLong lastReceived = new AtomicLong(-1);
    private HttpClient client;
    private volatile Link link;
    private volatile String failure;
    private volatile String sessionId;
    private volatile String resumeToken;
    private long seq;
    private boolean endSent;
    private long lostOnRefusal;

    /** A final waiting for its answer; {@code accepted} once the server journaled it (v2). */
    private static final class PendingFinal {
        final String text;
        volatile boolean accepted;

        PendingFinal(String text) {
            this.text = text;
        }
    }

    SessionDriver(int index, LoadPlan plan, SessionStats stats) {
        this.index = index;
        this.plan = plan;
        this.stats = stats;
        this.speech = new SpeechPattern(plan.seed() * 1_000_003L + index);
        this.durable = plan.reconnect();
    }

    /**
     * Connects, speaks until {@code speakUntilNanos}, ends the session and waits for its accepted finals.
     *
     * @param client the shared HTTP client
     * @param speakUntilNanos when to stop speaking (System.nanoTime)
     * @throws InterruptedException when interrupted
     */
    void run(HttpClient client, long speakUntilNanos) throws InterruptedException {
        this.client = client;
        Link first;
        try {
            first = open(Duration.ofSeconds(20));
        } catch (ExecutionException | TimeoutException e) {
            if (e.getCause() instanceof WebSocketHandshakeException handshake
                    && handshake.getResponse().statusCode() == 503) {
                // Shed at the door (the node is full or shutting down): reported apart from failures.
                stats.refused("HTTP 503" + handshake.getResponse().headers().firstValue("retry-after")
                        .map(s -> ", retry after " + s + " s").orElse(""));
                return;
            }
            fail("cannot connect to " + plan.target() + ": " + rootMessage(e));
            return;
        }
        link = first;
        send(first, start());
        if (!first.answered.await(20, TimeUnit.SECONDS)) {
            fail("no 'ready' within 20 s");
            abort();
            return;
        }
        if (failure == null && !first.ready) {
            fail("no 'ready': " + (first.error != null ? "answered " + first.error : "the connection ended first"));
        }
        long interval = plan.partialInterval().toNanos();
        long next = System.nanoTime();
        int partials = 0;
        while (failure == null && next < speakUntilNanos) {
            sleepUntil(next);
            next += interval;
            if (durable) {
                if (!connected()) {
                    break;
                }
                Long again = unjournaled.poll();
                if (again != null) {
                    resend(again);
                    continue;
                }
            }
            String resend = pollRefused();
            if (resend != null) {
                sendSegment("final", resend);
                continue;
            }
            if (partials == plan.partialsPerFinal()) {
                partials = 0;
                sendSegment("final", speech.commit());
            } else {
                partials++;
                sendSegment("partial", speech.grow(plan.wordsPerPartial()));
            }
        }
        // Commit what was being said, so that every session ends on a final.
        if (failure == null) {
            if (speech.speaking()) {
                sendSegment("final", speech.commit());
            }
            endSent = true;
            send(link, JSON.createObjectNode().put("type", "end"));
        }
        long drainUntil = System.nanoTime() + plan.drainTimeout().toNanos();
        if (durable) {
            drainDurable(drainUntil);
        } else {
            Link l = link;
            while (!finalsOutstanding.isEmpty() && System.nanoTime() < drainUntil && l.gone.getCount() > 0) {
                l.gone.await(Math.min(100_000_000L, Math.max(1, drainUntil - System.nanoTime())),
                        TimeUnit.NANOSECONDS);
            }
        }
        long unconfirmed = durable ? finalsOutstanding.values().stream().filter(p -> !p.accepted).count() : 0;
        stats.finalsLost(finalsOutstanding.size() - unconfirmed + lostOnRefusal, unconfirmed);
        abort();
    }

    /** Waits for the outstanding finals, resuming whenever the connection drops, until the drain deadline. */
    private void drainDurable(long drainUntil) throws InterruptedException {
        while (failure == null && !finalsOutstanding.isEmpty() && System.nanoTime() < drainUntil) {
            if (!connected()) {
                return;
            }
            Long again = unjournaled.poll();
            if (again != null) {
                resend(again);
                continue;
            }
            Link l = link;
            if (l.gone.await(Math.min(DRAIN_PING_NANOS, Math.max(1, drainUntil - System.nanoTime())),
                    TimeUnit.NANOSECONDS)) {
                if (l.closeCode == NORMAL_CLOSURE && endSent) {
                    return; // the server answered every accepted final, then closed after 'end'
                }
                continue;
            }
            // A WebSocket ping (not a protocol message, which the server would answer 'ended' after 'end'): writing
            // on a connection that died without a close frame fails, which is how the drop is noticed.
            WebSocket ws = l.ws;
            try {
                ws.sendPing(ByteBuffer.allocate(0)).get(10, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                l.gone();
            }
        }
    }

    // ---- connections

    private Link open(Duration timeout) throws InterruptedException, ExecutionException, TimeoutException {
        Link l = new Link();
        WebSocket.Builder builder = client.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
        plan.token().ifPresent(t -> builder.header("Authorization", "Bearer " + t));
        l.ws = builder.buildAsync(plan.target(), l).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        return l;
    }

    private ObjectNode start() {
        return JSON.createObjectNode().put("type", "start").put("v", durable ? 2 : 1)
                .put("source", plan.source()).put("target", plan.target2()).put("label", "load-" + index);
    }

    /** Whether the current connection was lost (and not closed by the server after {@code end}). */
    private boolean dropped(Link l) {
        return l.gone.getCount() == 0 && !(endSent && l.closeCode == NORMAL_CLOSURE);
    }

    /**
     * Makes sure the session has a live connection, resuming it when the last one dropped.
     *
     * @return false when the session could not be served again and failed
     */
    private boolean connected() throws InterruptedException {
        Link current = link;
        if (!dropped(current)) {
            return true;
        }
        return reconnect(current.droppedAt);
    }

    private boolean reconnect(long droppedAt) throws InterruptedException {
        long deadline = droppedAt + plan.reconnectTimeout().toNanos();
        long backoff = FIRST_BACKOFF_NANOS;
        boolean fresh = false;
        String problem = "connection lost";
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                fail("connection lost and not " + (fresh ? "started again" : "resumed") + " within "
                        + plan.reconnectTimeout().toMillis() + " ms; last: " + problem);
                return false;
            }
            if (!fresh && resumeToken == null) {
                // A v2 'ready' without a token: the server has no session store, so there is nothing to resume.
                stats.resumeRefused("no_resume_token");
                fresh = true;
            }
            Link next;
            try {
                next = open(Duration.ofNanos(Math.min(left, TimeUnit.SECONDS.toNanos(10))));
            } catch (ExecutionException | TimeoutException e) {
                problem = rootMessage(e);
                backoff = pause(backoff, deadline);
                continue;
            }
            link = next;
            send(next, fresh ? start() : JSON.createObjectNode().put("type", "resume").put("v", 2)
                    .put("session", sessionId).put("token", resumeToken).put("lastSeq", resumeFrom()));
            boolean answered = next.answered.await(Math.min(deadline - System.nanoTime(),
                    TimeUnit.SECONDS.toNanos(10)), TimeUnit.NANOSECONDS);
            if (answered && next.resumedLastSeq != Long.MIN_VALUE) {
                stats.reconnected(System.nanoTime() - droppedAt);
                afterResume(next, next.resumedLastSeq);
                return true;
            }
            if (answered && next.ready) {
                stats.reconnected(System.nanoTime() - droppedAt);
                afterFreshStart(next);
                return true;
            }
            if (answered && next.refusedReason != null) {
                stats.resumeRefused(next.refusedReason);
                next.ws.abort();
                // The session is gone on the server: its accepted finals will never be answered. Start again.
                fresh = true;
                problem = "resume refused: " + next.refusedReason;
                continue;
            }
            problem = !answered ? "no answer to " + (fresh ? "start" : "resume") + " within 10 s"
                    : next.error != null ? "answered " + next.error : "the connection ended before an answer";
            next.ws.abort();
            backoff = pause(backoff, deadline);
        }
    }

    /**
     * {@code resume}'s {@code lastSeq}: the highest seq received, but never at or above an accepted final still
     * unanswered, so that its outcome is replayed even if something after it was answered first (a second answer
     * is counted as a duplicate, not as a translation).
     */
    private long resumeFrom() {
        long from = lastReceived.get();
        for (Map.Entry<Long, PendingFinal> e : finalsOutstanding.entrySet()) {
            if (e.getValue().accepted) {
                from = Math.min(from, e.getKey() - 1);
            }
        }
        return Math.max(-1, from);
    }

    private static long pause(long backoff, long deadline) throws InterruptedException {
        long wait = Math.min(backoff, deadline - System.nanoTime());
        if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
        return Math.min(MAX_BACKOFF_NANOS, backoff * 2);
    }

    /**
     * After {@code resumed}: a final above the server's {@code lastSeq} that got no {@code accepted} never
     * reached it and is sent again with its seq; one at or below it is the server's (its {@code accepted} was
     * lost with the connection).
     */
    private void afterResume(Link l, long serverLastSeq) {
        unjournaled.clear();
        for (long s : outstandingSeqs()) {
            PendingFinal p = finalsOutstanding.get(s);
            if (p == null || p.accepted) {
                continue;
            }
            if (s > serverLastSeq) {
                stats.finalResent();
                send(l, segment("final", s, p.text));
            } else {
                p.accepted = true;
            }
        }
        stats.finalsAcrossDrop(finalsOutstanding.values().stream().filter(p -> p.accepted).count());
        if (endSent) {
            send(l, JSON.createObjectNode().put("type", "end"));
        }
    }

    /**
     * After a refused resume and a new {@code start}: the old session's accepted finals are lost; those it never
     * accepted are sent to the new session with their seqs.
     */
    private void afterFreshStart(Link l) {
        unjournaled.clear();
        sentAt.keySet().removeIf(s -> !finalsOutstanding.containsKey(s));
        for (long s : outstandingSeqs()) {
            PendingFinal p = finalsOutstanding.get(s);
            if (p == null) {
                continue;
            }
            if (p.accepted) {
                finalsOutstanding.remove(s);
                sentAt.remove(s);
                lostOnRefusal++;
            } else {
                stats.finalResent();
                send(l, segment("final", s, p.text));
            }
        }
        if (endSent) {
            send(l, JSON.createObjectNode().put("type", "end"));
        }
    }

    private List<Long> outstandingSeqs() {
        List<Long> seqs = new ArrayList<>(finalsOutstanding.keySet());
        seqs.sort(null);
        return seqs;
    }

    // ---- sending (the session's own thread only)

    private void sendSegment(String kind, String text) {
        acknowledge();
        long s = ++seq;
        boolean isFinal = kind.equals("final");
        sentAt.put(s, System.nanoTime());
        if (isFinal) {
            finalsOutstanding.put(s, new PendingFinal(text));
            stats.finalSent();
        } else {
            stats.partialSent();
        }
        send(link, segment(kind, s, text));
    }

    /**
     * Version 2: tells the server, every {@value #ACK_EVERY} results or so, what was received, so that the session's
     * journal stays short (as a real client should; the server bounds it anyway).
     */
    private void acknowledge() {
        if (!durable) {
            return;
        }
        long through = resumeFrom();
        if (through - acked >= ACK_EVERY) {
            acked = through;
            send(link, JSON.createObjectNode().put("type", "ack").put("seq", through));
        }
    }

    /** A final answered {@code unavailable}: sent again with the same seq (it is journaled, not submitted again). */
    private void resend(long s) {
        PendingFinal p = finalsOutstanding.get(s);
        if (p != null && !p.accepted) {
            send(link, segment("final", s, p.text));
        }
    }

    private static ObjectNode segment(String kind, long s, String text) {
        return JSON.createObjectNode().put("type", kind).put("seq", s).put("text", text);
    }

    private void send(Link l, ObjectNode message) {
        WebSocket ws = l.ws;
        if (ws == null || ws.isOutputClosed()) {
            return;
        }
        try {
            ws.sendText(message.toString(), true).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            if (durable) {
                l.gone(); // resumed at the next tick; what was sent and not accepted is sent again then
            } else {
                fail("send failed: " + rootMessage(e));
            }
        }
    }

    private static void sleepUntil(long deadlineNanos) throws InterruptedException {
        long wait = deadlineNanos - System.nanoTime();
        if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
    }

    private String pollRefused() {
        refusedLock.lock();
        try {
            return refusedFinals.poll();
        } finally {
            refusedLock.unlock();
        }
    }

    private void fail(String message) {
        if (failure == null) {
            failure = message;
            stats.failed(message);
        }
        Link l = link;
        if (l != null) {
            l.answered.countDown();
        }
    }

    private void abort() {
        Link l = link;
        if (l != null && l.ws != null) {
            l.ws.abort();
        }
        if (l != null) {
            l.gone.countDown();
        }
    }

    // ---- receiving: runs on the client's threads; only records, never sends.

    private void handle(Link l, JsonNode message) {
        long now = System.nanoTime();
        switch (message.path("type").asText()) {
            case "ready" -> {
                sessionId = message.path("session").asText(null);
                resumeToken = message.path("resumeToken").asText(null);
                l.ready = true;
                l.answered.countDown();
            }
            case "resumed" -> {
                l.resumedLastSeq = message.path("lastSeq").asLong(-1);
                l.answered.countDown();
            }
            case "accepted" -> {
                PendingFinal p = finalsOutstanding.get(message.path("seq").asLong(-1));
                if (p != null) {
                    p.accepted = true;
                }
            }
            case "translation" -> {
                long s = message.path("seq").asLong(-1);
                boolean isFinal = "final".equals(message.path("kind").asText());
                lastReceived.accumulateAndGet(s, Math::max);
                if (isFinal && !answeredFinals.add(s)) {
                    stats.duplicate(); // replayed after a crash, already received: one translation, not two
                    return;
                }
                Long sent = sentAt.remove(s);
                if (sent != null) {
                    JsonNode latency = message.path("latency");
                    stats.translation(isFinal, now - sent, message.path("usage").path("total").asLong(0),
                            latency.path("queueMs").asDouble(0), latency.path("limiterMs").asDouble(0),
                            latency.path("providerMs").asDouble(0));
                }
                if (isFinal) {
                    finalsOutstanding.remove(s);
                }
                // Older partials still waiting will never be answered: they were superseded.
                sentAt.keySet().removeIf(k -> k < s && !finalsOutstanding.containsKey(k));
            }
            case "backpressure" -> {
                long s = message.path("seq").asLong(-1);
                stats.backpressure();
                refuse(s);
            }
            case "error" -> {
                String code = message.path("code").asText("?");
                long s = message.path("seq").asLong(-1);
                if (code.equals("failed") && message.has("seq")) {
                    lastReceived.accumulateAndGet(s, Math::max);
                    if ("final".equals(message.path("kind").asText("final")) && !answeredFinals.add(s)) {
                        stats.duplicate();
                        return;
                    }
                }
                stats.error(code, message.path("message").asText(""));
                if (code.equals("failed") && finalsOutstanding.remove(s) != null) {
                    sentAt.remove(s);
                    stats.finalFailed();
                } else if (code.equals("rate_limited")) {
                    refuse(s);
                } else if (code.equals("unavailable") && message.has("seq") && finalsOutstanding.containsKey(s)) {
                    unjournaled.add(s);
                } else if (code.equals("resume_refused")) {
                    l.refusedReason = message.path("reason").asText("?");
                    l.answered.countDown();
                } else if (!l.ready && l.resumedLastSeq == Long.MIN_VALUE) {
                    l.error = code; // the answer to 'start' or 'resume' (unavailable, shutting_down): retried
                    l.answered.countDown();
                }
            }
            default -> {
                // pong, closing: nothing to record
            }
        }
    }

    private void refuse(long s) {
        sentAt.remove(s);
        PendingFinal p = finalsOutstanding.remove(s);
        if (p != null) {
            stats.finalRefused();
            // The final was not accepted: say it again, with a new seq, at the next tick.
            refusedLock.lock();
            try {
                refusedFinals.add(p.text);
            } finally {
                refusedLock.unlock();
            }
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }

    /** One connection of the session: its own frame buffer, its answer to start/resume, its end. */
    private final class Link implements WebSocket.Listener {
        /** Counted down at {@code ready}, {@code resumed}, a refusal or error answering them, or the end. */
        final CountDownLatch answered = new CountDownLatch(1);
        final CountDownLatch gone = new CountDownLatch(1);
        private final StringBuilder frame = new StringBuilder();
        volatile WebSocket ws;
        volatile boolean ready;
        volatile long resumedLastSeq = Long.MIN_VALUE;
        volatile String refusedReason;
        volatile String error;
        volatile int closeCode = -1;
        volatile long droppedAt;

        void gone() {
            if (droppedAt == 0) {
                droppedAt = System.nanoTime();
            }
            gone.countDown();
            answered.countDown();
        }

        @Override
        public void onOpen(WebSocket webSocket) {
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            frame.append(data);
            if (last) {
                String text = frame.toString();
                frame.setLength(0);
                try {
                    handle(this, JSON.readTree(text));
                } catch (java.io.IOException | RuntimeException e) {
                    stats.error("client", "unreadable frame: " + e.getMessage());
                }
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closeCode = statusCode;
            if (statusCode != NORMAL_CLOSURE && !finalsOutstanding.isEmpty() && !durable) {
                stats.error("close", "closed with " + statusCode + " " + reason);
            }
            gone();
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            if (!durable) {
                fail("connection error: " + rootMessage(error));
            }
            gone();
        }
    }
}
