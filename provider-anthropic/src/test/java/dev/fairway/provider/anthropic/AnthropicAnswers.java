package dev.fairway.provider.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fairway.provider.tck.BatchAnswers;
import dev.fairway.provider.tck.LoopbackServer.Reply;
import dev.fairway.provider.tck.LoopbackServer.Request;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Answers as the Messages API gives them, for the loopback server of the tests. */
final class AnthropicAnswers {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private AnthropicAnswers() {
    }

    /** A message with one text block. */
    static String message(String text, String stopReason, int inputTokens, int outputTokens) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("id", "msg_01XFDUDYJgAACzvnptvVoYEL");
        root.put("type", "message");
        root.put("role", "assistant");
        root.put("model", "claude-3-5-haiku-20241022");
        root.putArray("content").addObject().put("type", "text").put("text", text);
        root.put("stop_reason", stopReason);
        root.putNull("stop_sequence");
        root.putObject("usage").put("input_tokens", inputTokens).put("output_tokens", outputTokens);
        return root.toString();
    }

    /** A message whose one content block is a call of the batch tool with this input. */
    static String toolMessage(JsonNode input, String stopReason, int inputTokens, int outputTokens) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("id", "msg_01Aq9w938a90dw8q");
        root.put("type", "message");
        root.put("role", "assistant");
        root.put("model", "claude-haiku-4-5-20251001");
        ObjectNode block = root.putArray("content").addObject();
        block.put("type", "tool_use");
        block.put("id", "toolu_01A09q90qw90lq917835lq9");
        block.put("name", "translations");
        block.set("input", input);
        root.put("stop_reason", stopReason);
        root.putNull("stop_sequence");
        root.putObject("usage").put("input_tokens", inputTokens).put("output_tokens", outputTokens);
        return root.toString();
    }

    /**
     * The tool call's input of a batch answer, as the API hands it over: a cut answer has the parts written before
     * the cut and the half-written one.
     */
    static JsonNode toolInput(BatchAnswers.Answer answer) {
        ObjectNode input = MAPPER.createObjectNode();
        ArrayNode translations = input.putArray("translations");
        for (int i = 0; i < answer.parts().size(); i++) {
            BatchAnswers.Part part = answer.parts().get(i);
            boolean cut = i == answer.cutInside();
            translations.addObject().put("id", part.id())
                    .put("text", cut ? part.text().substring(0, part.text().length() / 2) : part.text());
            if (cut) {
                break;
            }
        }
        return input;
    }

    /** The segments of a batch request (one with tools): the items of its user turn. */
    static Optional<List<BatchAnswers.Part>> batchSegments(Request request) {
        JsonNode body = json(request);
        if (!body.has("tools")) {
            return Optional.empty();
        }
        List<BatchAnswers.Part> segments = new ArrayList<>();
        try {
            for (JsonNode item : MessagesJson.tree(body.path("messages").path(0).path("content").asText()).path("items")) {
                segments.add(new BatchAnswers.Part(item.path("id").asText(), item.path("text").asText()));
            }
        } catch (MessagesJson.NotAMessage e) {
            throw new AssertionError("the batch's user turn is not JSON: " + request.body(), e);
        }
        return Optional.of(segments);
    }

    /** A 200 batch answer: the tool call, {@code max_tokens} as the stop reason of a cut one, usage, rate-limit headers. */
    static Reply batchReply(BatchAnswers.Answer answer) {
        Reply reply = Reply.json(200, toolMessage(toolInput(answer), answer.isCut() ? "max_tokens" : "tool_use", 240, 60));
        for (Map.Entry<String, String> h : rateLimitHeaders().entrySet()) {
            reply = reply.withHeader(h.getKey(), h.getValue());
        }
        return reply;
    }

    /** An error body: {@code {"type":"error","error":{"type":...,"message":...},"request_id":...}}. */
    static String error(String type, String message) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("type", "error");
        root.putObject("error").put("type", type).put("message", message);
        root.put("request_id", "req_011CSHoEeqs5C35K2UUqR7Fy");
        return root.toString();
    }

    /** A 200 answer echoing the user turn, prefixed, with usage and rate-limit headers. */
    static Reply echo(Request request) {
        String text = json(request).path("messages").path(0).path("content").asText();
        Reply reply = Reply.json(200, message("[fr] " + text, "end_turn", 31, 9));
        for (Map.Entry<String, String> h : rateLimitHeaders().entrySet()) {
            reply = reply.withHeader(h.getKey(), h.getValue());
        }
        return reply;
    }

    /** The rate-limit headers of a normal answer; resets relative to {@code 2026-10-21T07:28:00Z}. */
    static Map<String, String> rateLimitHeaders() {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("anthropic-ratelimit-requests-limit", "50");
        h.put("anthropic-ratelimit-requests-remaining", "49");
        h.put("anthropic-ratelimit-requests-reset", "2026-10-21T07:28:01Z");
        h.put("anthropic-ratelimit-tokens-limit", "90000");
        h.put("anthropic-ratelimit-tokens-remaining", "89000");
        h.put("anthropic-ratelimit-tokens-reset", "2026-10-21T07:28:00.5Z");
        h.put("request-id", "req_018EeWyXxfu5pfWkrYcMdjWG");
        return h;
    }

    static JsonNode json(Request request) {
        try {
            return MessagesJson.tree(request.body());
        } catch (MessagesJson.NotAMessage e) {
            throw new AssertionError("the client sent a body that is not JSON: " + request.body(), e);
        }
    }
}
