package dev.fairway.provider.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fairway.provider.tck.LoopbackServer.Reply;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LoopbackServerTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    /** A POST with java.net's plain client: status, a header, the body. */
    private static String[] post(URI uri, String body) throws IOException {
        HttpURLConnection c = (HttpURLConnection) uri.resolve("/v1/messages").toURL().openConnection();
        try {
            c.setRequestMethod("POST");
            c.setRequestProperty("X-Api-Key", "k-1");
            c.setDoOutput(true);
            try (OutputStream out = c.getOutputStream()) {
                out.write(body.getBytes(StandardCharsets.UTF_8));
            }
            int status = c.getResponseCode();
            InputStream in = status < 400 ? c.getInputStream() : c.getErrorStream();
            String text = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return new String[] {Integer.toString(status), String.valueOf(c.getHeaderField("retry-after")), text};
        } finally {
            c.disconnect();
        }
    }

    @Test
    void answersWithTheResponderAndRecordsTheRequest() throws Exception {
        try (LoopbackServer server = LoopbackServer.start()) {
            server.respond(r -> Reply.json(429, "{\"got\":" + r.body() + "}").withHeader("retry-after", "2"));

            String[] answer = post(server.uri(), "{\"a\":1}");

            assertEquals("429", answer[0]);
            assertEquals("2", answer[1]);
            assertEquals("{\"got\":{\"a\":1}}", answer[2]);
            LoopbackServer.Request received = server.requests().get(0);
            assertEquals("POST", received.method());
            assertEquals("/v1/messages", received.path());
            assertEquals("k-1", received.header("x-api-key").orElseThrow(), "header names ignore case");
            assertTrue(server.uri().toString().startsWith("http://127.0.0.1:"), server.uri().toString());
        }
    }

    @Test
    void heldRequestsWaitForReleaseAndAreAnsweredByTheResponderOfThatMoment() throws Exception {
        try (LoopbackServer server = LoopbackServer.start(r -> Reply.json(500, "{}"))) {
            server.hold();
            CompletableFuture<String[]> first = postOnAVirtualThread(server.uri());
            CompletableFuture<String[]> second = postOnAVirtualThread(server.uri());

            assertTrue(server.awaitHeld(2, WAIT), "both requests are held");
            assertFalse(first.isDone());
            server.respond(r -> Reply.json(200, "{\"ok\":true}"));
            server.release();

            assertEquals("200", first.get(30, TimeUnit.SECONDS)[0]);
            assertEquals("200", second.get(30, TimeUnit.SECONDS)[0]);
            assertFalse(server.awaitHeld(1, Duration.ZERO), "nothing is held after release");
        }
    }

    @Test
    void responderThatThrowsAnswers500() throws Exception {
        try (LoopbackServer server = LoopbackServer.start(r -> {
            throw new IllegalStateException("boom");
        })) {
            String[] answer = post(server.uri(), "{}");

            assertEquals("500", answer[0]);
            assertTrue(answer[2].contains("IllegalStateException"), answer[2]);
        }
    }

    private static CompletableFuture<String[]> postOnAVirtualThread(URI uri) {
        CompletableFuture<String[]> answer = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                answer.complete(post(uri, "{}"));
            } catch (IOException | RuntimeException e) {
                answer.completeExceptionally(e);
            }
        });
        return answer;
    }
}
