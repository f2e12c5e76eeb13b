package dev.fairway.provider.openai;

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
 * The JSON of Chat Completions: the request bodies (one segment, a batch), a completion, a streamed chunk and an
 * error body.
 * Reads leniently: the fields Fairway needs are checked, unknown fields are ignored.
 */
final class ChatJson {

    private ChatJson() {
    }

    /** A body that is not what the API promises; {@link #getMessage()} says what was missing. */
    static final class NotAChatCompletion extends Exception {
        private static final long serialVersionUID = 1L;

        NotAChatCompletion(String message) {
            super(message, null, false, false);
        }
    }

    /** A streamed event that carries an error instead of a chunk; {@link #error()} says which. */
    static final class ErrorEvent extends Exception {
        private static final long serialVersionUID = 1L;

        private final transient ErrorBody error;

        ErrorEvent(ErrorBody error) {
            super("the stream carried an error", null, false, false);
            this.error = error;
        }

        /**
         * What the event said.
         *
         * @return its message, type and code
         */
        ErrorBody error() {
            return error;
        }
    }

    /**
     * A finished (non-streamed) completion.
     *
     * @param text the first choice's message content, trimmed
     * @param usage the reported usage, when reported
     * @param model the model that answered, empty when not said
     * @param finishReason why it stopped
     */
    record Completion(String text, Optional<TokenUsage> usage, String model, FinishReason finishReason) {
    }

    /**
     * One streamed chunk.
     *
     * @param delta the text it adds, empty for none
     * @param finishReason why the stream stopped, when this chunk says
     * @param usage the usage, when this chunk carries it (the last one, with {@code include_usage})
     * @param model the model, empty when not said
     */
    record Chunk(String delta, Optional<FinishReason> finishReason, Optional<TokenUsage> usage, String model) {
    }

    /**
     * An error body: OpenAI's {@code {"error": {"message", "type", "code"}}}, or the shapes of
     * compatible servers ({@code {"error": "..."}}, {@code {"message": ...}}, {@code {"detail": ...}}).
     *
     * @param message the message, empty when none
     * @param type the error type, empty when none
     * @param code the error code, empty when none
     */
    record ErrorBody(String message, String type, String code) {
        static final ErrorBody EMPTY = new ErrorBody("", "", "");

        /**
         * The code, else the type, for messages.
         *
         * @return for example {@code insufficient_quota}, or empty
         */
        String label() {
            return !code.isEmpty() ? code : type;
        }
    }

    /**
     * The request body.
     *
     * @param model the model
     * @param systemPrompt the system message
     * @param text the user message (the source text)
     * @param temperature the sampling temperature
     * @param maxTokensParameter {@code max_tokens} or {@code max_completion_tokens}
     * @param maxTokens the completion cap
     * @param stream whether to stream
     * @param includeUsage with {@code stream}: ask for a final usage chunk
     * @return UTF-8 JSON
     */
    static byte[] requestBody(String model, String systemPrompt, String text, double temperature,
                              String maxTokensParameter, int maxTokens, boolean stream, boolean includeUsage) {
        return ProviderJson.write(body(model, systemPrompt, text, temperature, maxTokensParameter, maxTokens, stream,
                includeUsage));
    }

    /**
     * The request body of a batch call: streamed, with the answer constrained to {@link BatchPrompts#answerSchema()}
     * by a strict {@code json_schema} response format named {@code translations}.
     *
     * @param model the model
     * @param systemPrompt the batch system prompt
     * @param items the user message: the items as JSON
     * @param temperature the sampling temperature
     * @param maxTokensParameter {@code max_tokens} or {@code max_completion_tokens}
     * @param maxTokens the completion cap
     * @param includeUsage ask for a final usage chunk
     * @return UTF-8 JSON
     */
    static byte[] batchRequestBody(String model, String systemPrompt, String items, double temperature,
                                   String maxTokensParameter, int maxTokens, boolean includeUsage) {
        ObjectNode root = body(model, systemPrompt, items, temperature, maxTokensParameter, maxTokens, true, includeUsage);
        ObjectNode schema = root.putObject("response_format").put("type", "json_schema").putObject("json_schema");
        schema.put("name", "translations");
        schema.put("strict", true);
        schema.set("schema", BatchPrompts.answerSchema());
        return ProviderJson.write(root);
    }

    private static ObjectNode body(String model, String systemPrompt, String text, double temperature,
                                   String maxTokensParameter, int maxTokens, boolean stream, boolean includeUsage) {
        ObjectNode root = ProviderJson.object();
        root.put("model", model);
        ArrayNode messages = root.putArray("messages");
        messages.addObject().put("role", "system").put("content", systemPrompt);
        messages.addObject().put("role", "user").put("content", text);
        root.put("temperature", temperature);
        root.put(maxTokensParameter, maxTokens);
        if (stream) {
            root.put("stream", true);
            if (includeUsage) {
                root.putObject("stream_options").put("include_usage", true);
            }
        }
        return root;
    }

    /**
     * Reads a completion.
     *
     * @param body the response body
     * @return the completion
     * @throws NotAChatCompletion when the body is not JSON or lacks {@code choices[0].message}
     */
    static Completion completion(String body) throws NotAChatCompletion {
        JsonNode root = parseObject(body);
        JsonNode choice = root.path("choices").path(0);
        JsonNode message = choice.path("message");
        if (!message.isObject()) {
            throw new NotAChatCompletion("no choices[0].message");
        }
        JsonNode content = message.path("content");
        if (!content.isTextual() && !content.isNull() && !content.isMissingNode()) {
            throw new NotAChatCompletion("choices[0].message.content is not a string");
        }
        FinishReason finish = finishReason(choice.path("finish_reason")).orElse(FinishReason.OTHER);
        if (!content.isTextual() && message.path("refusal").isTextual()) {
            finish = FinishReason.CONTENT_FILTER;
        }
        return new Completion(content.isTextual() ? content.asText().trim() : "", usage(root.path("usage")),
                root.path("model").asText(""), finish);
    }

    /**
     * Reads a streamed chunk.
     *
     * @param data the event's data
     * @return the chunk
     * @throws NotAChatCompletion when the data is not a JSON object
     * @throws ErrorEvent when the event is an error ({@code {"error": ...}}, which OpenAI sends inside
     *     a stream that began with HTTP 200, or {@code {"type":"error", ...}} as Anthropic-style servers do)
     */
    static Chunk chunk(String data) throws NotAChatCompletion, ErrorEvent {
        JsonNode root = parseObject(data);
        if (root.has("error") || "error".equals(root.path("type").asText())) {
            throw new ErrorEvent(error(data));
        }
        JsonNode choice = root.path("choices").path(0);
        JsonNode content = choice.path("delta").path("content");
        return new Chunk(content.isTextual() ? content.asText() : "", finishReason(choice.path("finish_reason")),
                usage(root.path("usage")), root.path("model").asText(""));
    }

    /**
     * Reads an error body, whatever its shape; an unreadable body gives {@link ErrorBody#EMPTY}.
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
        if (error.isObject()) {
            return new ErrorBody(text(error.path("message")), text(error.path("type")), text(error.path("code")));
        }
        if (error.isTextual()) {
            return new ErrorBody(error.asText(), "", "");
        }
        if (root.path("message").isTextual()) {
            return new ErrorBody(root.path("message").asText(), text(root.path("type")), text(root.path("code")));
        }
        if (root.path("detail").isTextual()) {
            return new ErrorBody(root.path("detail").asText(), "", "");
        }
        return ErrorBody.EMPTY;
    }

    /**
     * Reads a JSON document, for tests and diagnostics.
     *
     * @param json the text
     * @return the tree
     * @throws NotAChatCompletion when it is not JSON
     */
    static JsonNode tree(String json) throws NotAChatCompletion {
        return ProviderJson.tree(json, NotAChatCompletion::new);
    }

    private static JsonNode parseObject(String body) throws NotAChatCompletion {
        JsonNode root = tree(body);
        if (!root.isObject()) {
            throw new NotAChatCompletion("not a JSON object");
        }
        return root;
    }

    private static Optional<TokenUsage> usage(JsonNode usage) {
        if (!usage.isObject() || !usage.path("prompt_tokens").canConvertToInt()
                || !usage.path("completion_tokens").canConvertToInt()) {
            return Optional.empty();
        }
        int prompt = usage.path("prompt_tokens").asInt();
        int completion = usage.path("completion_tokens").asInt();
        if (prompt < 0 || completion < 0) {
            return Optional.empty();
        }
        JsonNode total = usage.path("total_tokens");
        int sum = (int) Math.min(Integer.MAX_VALUE, (long) prompt + completion);
        int totalTokens = total.canConvertToInt() && total.asInt() >= 0 ? total.asInt() : sum;
        return Optional.of(new TokenUsage(prompt, completion, totalTokens));
    }

    private static Optional<FinishReason> finishReason(JsonNode node) {
        if (!node.isTextual()) {
            return Optional.empty();
        }
        return Optional.of(switch (node.asText()) {
            case "stop" -> FinishReason.STOP;
            case "length" -> FinishReason.LENGTH;
            case "content_filter" -> FinishReason.CONTENT_FILTER;
            default -> FinishReason.OTHER;
        });
    }
}
