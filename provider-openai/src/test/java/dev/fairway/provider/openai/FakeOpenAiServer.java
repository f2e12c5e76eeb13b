package dev.fairway.provider.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A real HTTP server on loopback that answers like the OpenAI API, as each test scripts it, and
 * records every request it receives.
 */
final class FakeOpenAiServer implements AutoCloseable {

    /** Answers one request. */
    @FunctionalInterface
    interface Responder {
        void respond(HttpExchange exchange, Recorded request) throws IOException, InterruptedException;
    }

    /**
     * A request as the server saw it.
     *
     * @param method the HTTP method
     * @param path the path and query
     * @param headers the request headers
     * @param body the body
     * @param remotePort the client's port: the same port means the same connection
     */
    record Recorded(String method, String path, Headers headers, String body, int remotePort) {
        JsonNode json() {
            try {
                return ChatJson.tree(body);
            } catch (ChatJson.NotAChatCompletion e) {
                throw new AssertionError("the client sent a body that is not JSON: " + body, e);
            }
        }

        String header(String name) {
            return headers.getFirst(name);
        }
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final BlockingQueue<Recorded> requests = new LinkedBlockingQueue<>();
    private volatile Responder chat = (exchange, request) -> json(exchange, 200, completion("Bonjour", "stop"), Map.of());
    private volatile Responder models = (exchange, request) -> json(exchange, 200, "{\"object\":\"list\",\"data\":[]}", Map.of());

    FakeOpenAiServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(executor);
        server.createContext("/", exchange -> {
            try (exchange) {
                String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                URI uri = exchange.getRequestURI();
                Recorded recorded = new Recorded(exchange.getRequestMethod(), uri.toString(),
                        exchange.getRequestHeaders(), body, exchange.getRemoteAddress().getPort());
                requests.add(recorded);
                Responder responder = uri.getPath().endsWith("/chat/completions") ? chat
                        : uri.getPath().endsWith("/models") ? models
                        : (ex, r) -> json(ex, 404, "{\"error\":{\"message\":\"no route\"}}", Map.of());
                responder.respond(exchange, recorded);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException e) {
                // The client went away (a timeout or a cancelled call): nothing to answer.
            }
        });
        server.start();
    }

    /** The base URL to configure: {@code http://127.0.0.1:<port>/v1}. */
    String baseUrl() {
        return "http://" + server.getAddress().getAddress().getHostAddress() + ":" + server.getAddress().getPort() + "/v1";
    }

    void onChat(Responder responder) {
        this.chat = responder;
    }

    void onModels(Responder responder) {
        this.models = responder;
    }

    /** The next request received, waiting for it. */
    Recorded take() throws InterruptedException {
        Recorded r = requests.poll(30, TimeUnit.SECONDS);
        if (r == null) {
            throw new AssertionError("the server received no request");
        }
        return r;
    }

    List<Recorded> drained() {
        List<Recorded> all = new java.util.ArrayList<>();
        requests.drainTo(all);
        return all;
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    static void json(HttpExchange exchange, int status, String body, Map<String, String> headers) throws IOException {
        Headers h = exchange.getResponseHeaders();
        h.set("Content-Type", "application/json");
        headers.forEach(h::set);
        byte[] bytes = exchange.getRequestMethod().equals("HEAD") ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    static void text(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    /** Starts a chunked server-sent-event answer; the caller writes events and closes. */
    static OutputStream eventStream(HttpExchange exchange) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        exchange.sendResponseHeaders(200, 0);
        return exchange.getResponseBody();
    }

    static void event(OutputStream out, String data) {
        try {
            out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String completion(String content, String finishReason) {
        return completion(content, finishReason, 25, 3);
    }

    static String completion(String content, String finishReason, int promptTokens, int completionTokens) {
        return """
                {"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"gpt-4o-mini-2024-07-18",
                 "choices":[{"index":0,"message":{"role":"assistant","content":%s},"finish_reason":"%s"}],
                 "usage":{"prompt_tokens":%d,"completion_tokens":%d,"total_tokens":%d}}
                """.formatted(quote(content), finishReason, promptTokens, completionTokens, promptTokens + completionTokens);
    }

    static String chunk(String delta) {
        return "{\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,"
                + "\"delta\":{\"content\":" + quote(delta) + "},\"finish_reason\":null}]}";
    }

    static String finishChunk(String reason) {
        return "{\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,"
                + "\"delta\":{},\"finish_reason\":\"" + reason + "\"}]}";
    }

    static String usageChunk(int prompt, int completion) {
        return "{\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[],"
                + "\"usage\":{\"prompt_tokens\":" + prompt + ",\"completion_tokens\":" + completion
                + ",\"total_tokens\":" + (prompt + completion) + "}}";
    }

    static String error(String message, String type, String code) {
        return "{\"error\":{\"message\":" + quote(message) + ",\"type\":" + quote(type) + ",\"param\":null,\"code\":"
                + (code == null ? "null" : quote(code)) + "}}";
    }

    static Map<String, String> rateLimitHeaders() {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("x-ratelimit-limit-requests", "5000");
        h.put("x-ratelimit-limit-tokens", "2000000");
        h.put("x-ratelimit-remaining-requests", "4999");
        h.put("x-ratelimit-remaining-tokens", "1999950");
        h.put("x-ratelimit-reset-requests", "12ms");
        h.put("x-ratelimit-reset-tokens", "1m30.5s");
        h.put("x-request-id", "req_123");
        return h;
    }

    private static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
