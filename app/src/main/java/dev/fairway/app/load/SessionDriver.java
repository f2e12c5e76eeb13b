package dev.fairway.app.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One simulated speaker: opens a session over a WebSocket, speaks partials and finals on a schedule,
 * and records the latency of every translation it gets back (from sending the segment to receiving
 * its translation, as the client sees it).
 */
final class SessionDriver implements WebSocket.Listener {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final int index;
    private final LoadPlan plan;
    private final SessionStats stats;
    private final SpeechPattern speech;
    private final CountDownLatch ready = new CountDownLatch(1);
    private final CountDownLatch closed = new CountDownLatch(1);
    /** Send time (nanoTime) of every segment not yet answered, by seq. */
    private final Map<Long, Long> sentAt = new ConcurrentHashMap<>();
    /** Finals sent and neither answered nor refused, by seq, with their text. */
    private final Map<Long, String> finalsOutstanding = new ConcurrentHashMap<>();
    /** Texts of finals the server refused (back-pressure): sent again with a new seq. */
    private final ArrayDeque<String> refusedFinals = new ArrayDeque<>();
    private final ReentrantLock refusedLock = new ReentrantLock();
    private final StringBuilder frame = new StringBuilder();
    private volatile WebSocket socket;
    private volatile String failure;
    private long seq;

    SessionDriver(int index, LoadPlan plan, SessionStats stats) {
        this.index = index;
        this.plan = plan;
        this.stats = stats;
        this.speech = new SpeechPattern(plan.seed() * 1_000_003L + index);
    }

    /**
     * Connects, speaks until {@code speakUntilNanos}, ends the session and waits for its accepted finals.
     *
     * @param client the shared HTTP client
     * @param speakUntilNanos when to stop speaking (System.nanoTime)
     * @throws InterruptedException when interrupted
     */
    void run(HttpClient client, long speakUntilNanos) throws InterruptedException {
        try {
            WebSocket.Builder builder = client.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
            plan.token().ifPresent(t -> builder.header("Authorization", "Bearer " + t));
            socket = builder.buildAsync(plan.target(), this).get(20, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            if (e.getCause() instanceof java.net.http.WebSocketHandshakeException handshake
                    && handshake.getResponse().statusCode() == 503) {
                // Shed at the door (the node is full or shutting down): reported apart from failures.
                stats.refused("HTTP 503" + handshake.getResponse().headers().firstValue("retry-after")
                        .map(s -> ", retry after " + s + " s").orElse(""));
                ready.countDown();
                return;
            }
            fail("cannot connect to " + plan.target() + ": " + rootMessage(e));
            return;
        }
        ObjectNode start = JSON.createObjectNode().put("type", "start").put("v", 1)
                .put("source", plan.source()).put("target", plan.target2()).put("label", "load-" + index);
        send(start);
        if (!ready.await(20, TimeUnit.SECONDS)) {
            fail("no 'ready' within 20 s");
            abort();
            return;
        }
        long interval = plan.partialInterval().toNanos();
        long next = System.nanoTime();
        int partials = 0;
        while (failure == null && next < speakUntilNanos) {
            sleepUntil(next);
            next += interval;
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
            send(JSON.createObjectNode().put("type", "end"));
        }
        long drainUntil = System.nanoTime() + plan.drainTimeout().toNanos();
        while (!finalsOutstanding.isEmpty() && System.nanoTime() < drainUntil && closed.getCount() > 0) {
            closed.await(Math.min(100_000_000L, Math.max(1, drainUntil - System.nanoTime())), TimeUnit.NANOSECONDS);
        }
        stats.finalsLost(finalsOutstanding.size());
        abort();
    }

    private void sendSegment(String kind, String text) {
        long s = ++seq;
        boolean isFinal = kind.equals("final");
        sentAt.put(s, System.nanoTime());
        if (isFinal) {
            finalsOutstanding.put(s, text);
            stats.finalSent();
        } else {
            stats.partialSent();
        }
        send(JSON.createObjectNode().put("type", kind).put("seq", s).put("text", text));
    }

    private void send(ObjectNode message) {
        WebSocket ws = socket;
        if (ws == null || ws.isOutputClosed()) {
            return;
        }
        try {
            ws.sendText(message.toString(), true).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            fail("send failed: " + rootMessage(e));
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
        ready.countDown();
    }

    private void abort() {
        WebSocket ws = socket;
        if (ws != null) {
            ws.abort();
        }
        closed.countDown();
    }

    // ---- WebSocket.Listener: runs on the client's threads; only records, never sends.

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
                handle(JSON.readTree(text));
            } catch (java.io.IOException | RuntimeException e) {
                stats.error("client", "unreadable frame: " + e.getMessage());
            }
        }
        webSocket.request(1);
        return null;
    }

    private void handle(JsonNode message) {
        long now = System.nanoTime();
        switch (message.path("type").asText()) {
            case "ready" -> ready.countDown();
            case "translation" -> {
                long s = message.path("seq").asLong(-1);
                boolean isFinal = "final".equals(message.path("kind").asText());
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
                stats.error(code, message.path("message").asText(""));
                if (code.equals("failed") && finalsOutstanding.remove(s) != null) {
                    stats.finalFailed();
                } else if (code.equals("rate_limited")) {
                    refuse(s);
                }
            }
            default -> {
                // pong, closing: nothing to record
            }
        }
    }

    private void refuse(long s) {
        sentAt.remove(s);
        String text = finalsOutstanding.remove(s);
        if (text != null) {
            stats.finalRefused();
            // The final was not accepted: say it again, with a new seq, at the next tick.
            refusedLock.lock();
            try {
                refusedFinals.add(text);
            } finally {
                refusedLock.unlock();
            }
        }
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        if (statusCode != WebSocket.NORMAL_CLOSURE && !finalsOutstanding.isEmpty()) {
            stats.error("close", "closed with " + statusCode + " " + reason);
        }
        closed.countDown();
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        fail("connection error: " + rootMessage(error));
        closed.countDown();
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }
}
