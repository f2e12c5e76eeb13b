package dev.fairway.provider.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fairway.api.FinishReason;
import dev.fairway.api.TokenUsage;
import dev.fairway.provider.support.BatchPrompts;
import dev.fairway.provider.support.ProviderJson;

import java.util.Optional;

import static dev.fairway.provider.support.ProviderJson.text;

/**
 * The JSON of the Messages API: the request bodies (one segment; a batch, with its tool), a message, a batch's
 * tool call and an error body. Reads leniently: the fields Fairway needs are checked, unknown fields are ignored.
 */
final class MessagesJson {

    /** The name of the tool a batch call makes the model call. */
    static final String TRANSLATIONS_TOOL = "translations";

    private MessagesJson() {
    }

    /** A body that is not what the API promises; {@link #getMessage()} says what was missing. */
    static final class NotAMessage extends Exception {
        private static final long serialVersionUID = 1L;

        NotAMessage(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * A message the model answered.
     *
     * @param text the text blocks of {@code content}, joined and trimmed
     * @param usage the reported usage, when reported
     * @param model the model that answered, empty when not said
     * @param finishReason {@code stop_reason} mapped
     */
    record Message(String text, Optional<TokenUsage> usage, String model, FinishReason finishReason) {
    }

    /**
     * An error body: {@code {"type":"error","error":{"type":"rate_limit_error","message":"..."},"request_id":"req_..."}}.
     *
     * @param type the error's type, empty when none
     * @param message the error's message, empty when none
     * @param requestId the request id, empty when none
     */
    record ErrorBody(String type, String message, String requestId) {
        static final ErrorBody EMPTY = new ErrorBody("", "", "");
    }

    /**
     * The request body.
     *
     * @param model the model
     * @param systemPrompt the system prompt (a top-level field in the Messages API)
     * @param text the user turn (the source text)
     * @param temperature the sampling temperature
     * @param maxTokens the completion cap, which the API requires
     * @return UTF-8 JSON
     */
    static byte[] requestBody(String model, String systemPrompt, String text, double temperature, int maxTokens) {
        ObjectNode root = ProviderJson.object();
        root.put("model", model);
        root.put("max_tokens", maxTokens);
        root.put("system", systemPrompt);
        root.putArray("messages").addObject().put("role", "user").put("content", text);
        root.put("temperature", temperature);
        return ProviderJson.write(root);
    }

    /**
     * The answer of a batch call: the input of its tool call, or its text when it made none.
     *
     * @param json the tool call's {@code input} as JSON text, else the text blocks joined; empty when neither
     * @param toolCall whether the answer made the tool call
     * @param usage the reported usage, when reported
     * @param model the model that answered, empty when not said
     * @param finishReason {@code stop_reason} mapped ({@code tool_use} is {@link FinishReason#STOP})
     */
    record ToolAnswer(String json, boolean toolCall, Optional<TokenUsage> usage, String model,
                      FinishReason finishReason) {
    }

    /**
     * The request body of a batch call: the batch system prompt, the items as the user turn, and one tool whose
     * {@code input_schema} is the answer's schema, which {@code tool_choice} makes the model call.
     *
     * @param model the model
     * @param systemPrompt the batch system prompt
     * @param items the user turn: the items as JSON
     * @param temperature the sampling temperature
     * @param maxTokens the completion cap
     * @return UTF-8 JSON
     */
    static byte[] batchRequestBody(String model, String systemPrompt, String items, double temperature, int maxTokens) {
        ObjectNode root = ProviderJson.object();
        root.put("model", model);
        root.put("max_tokens", maxTokens);
        root.put("system", systemPrompt);
        root.putArray("messages").addObject().put("role", "user").put("content", items);
        root.put("temperature", temperature);
        ObjectNode tool = root.putArray("tools").addObject();
        tool.put("name", TRANSLATIONS_TOOL);
        tool.put("description", "Records the translation of every item of the user's message, each under its item's id,"
                + " in the order given.");
        tool.set("input_schema", BatchPrompts.answerSchema());
        root.putObject("tool_choice").put("type", "tool").put("name", TRANSLATIONS_TOOL);
        return ProviderJson.write(root);
    }

    /**
     * Reads the answer of a batch call. When {@code stop_reason} is {@code max_tokens}, the last element of the tool
     * call's {@code translations} may have been cut (the API hands over what was written) and is dropped.
     *
     * @param body the response body
     * @return the answer
     * @throws NotAMessage when the body is not JSON or has no {@code content} array
     */
    static ToolAnswer toolAnswer(String body) throws NotAMessage {
        Message message = message(body);
        JsonNode root = tree(body);
        FinishReason finish = "tool_use".equals(root.path("stop_reason").asText()) ? FinishReason.STOP
                : message.finishReason();
        for (JsonNode block : root.path("content")) {
            if ("tool_use".equals(block.path("type").asText()) && TRANSLATIONS_TOOL.equals(block.path("name").asText())) {
                JsonNode input = block.path("input").deepCopy();
                JsonNode translations = input.path("translations");
                if (finish == FinishReason.LENGTH && translations.isArray() && !translations.isEmpty()) {
                    ((ArrayNode) translations).remove(translations.size() - 1);
                }
                return new ToolAnswer(input.isMissingNode() ? "" : input.toString(), true, message.usage(),
                        message.model(), finish);
            }
        }
        return new ToolAnswer(message.text(), false, message.usage(), message.model(), finish);
    }

    /**
     * Reads a message.
     *
     * @param body the response body
     * @return the message
     * @throws NotAMessage when the body is not JSON or has no {@code content} array
     */
    static Message message(String body) throws NotAMessage {
        JsonNode root = tree(body);
        if (!root.isObject()) {
            throw new NotAMessage("not a JSON object");
        }
        JsonNode content = root.path("content");
        if (!content.isArray()) {
            throw new NotAMessage("no content array");
        }
        StringBuilder text = new StringBuilder();
        for (JsonNode block : content) {
            if ("text".equals(block.path("type").asText()) && block.path("text").isTextual()) {
                text.append(block.path("text").asText());
            }
        }
        return new Message(text.toString().trim(), usage(root.path("usage")), root.path("model").asText(""),
                finishReason(root.path("stop_reason")));
    }

    /**
     * Reads an error body; an unreadable body gives {@link ErrorBody#EMPTY}.
     *
     * @param body the response body
     * @return what it says
     */
    static ErrorBody error(String body) {
        JsonNode root = ProviderJson.objectOrEmpty(body).orElse(null);
        if (root == null) {
            return ErrorBody.EMPTY;
        }
        JsonNode error = root.path("error");
        String requestId = text(root.path("request_id"));
        if (error.isObject()) {
            return new ErrorBody(text(error.path("type")), text(error.path("message")), requestId);
        }
        if (error.isTextual()) {
            return new ErrorBody("", error.asText(), requestId);
        }
        return new ErrorBody("", text(root.path("message")), requestId);
    }

    /**
     * Reads a JSON document.
     *
     * @param json the text
     * @return the tree
     * @throws NotAMessage when it is not JSON
     */
    static JsonNode tree(String json) throws NotAMessage {
        return ProviderJson.tree(json, NotAMessage::new);
    }

    /**
     * Usage: input tokens (with any prompt-cache writes and reads) as the prompt, output tokens as the
     * completion. The total is what Anthropic's limits count: cache reads do not count against the
     * input-tokens-per-minute limit.
     */
    private static Optional<TokenUsage> usage(JsonNode usage) {
        if (!usage.isObject() || !usage.path("input_tokens").canConvertToInt()
                || !usage.path("output_tokens").canConvertToInt()) {
            return Optional.empty();
        }
        long input = usage.path("input_tokens").asLong();
        long output = usage.path("output_tokens").asLong();
        long cacheWrite = Math.max(0, usage.path("cache_creation_input_tokens").asLong(0));
        long cacheRead = Math.max(0, usage.path("cache_read_input_tokens").asLong(0));
        if (input < 0 || output < 0) {
            return Optional.empty();
        }
        long prompt = input + cacheWrite + cacheRead;
        long total = input + cacheWrite + output;
        return Optional.of(new TokenUsage(clamp(prompt), clamp(output), clamp(total)));
    }

    private static int clamp(long value) {
        return (int) Math.min(Integer.MAX_VALUE, value);
    }

    private static FinishReason finishReason(JsonNode node) {
        if (!node.isTextual()) {
            return FinishReason.OTHER;
        }
        return switch (node.asText()) {
            case "end_turn", "stop_sequence" -> FinishReason.STOP;
            case "max_tokens" -> FinishReason.LENGTH;
            case "refusal" -> FinishReason.CONTENT_FILTER;
            default -> FinishReason.OTHER;
        };
    }
}
