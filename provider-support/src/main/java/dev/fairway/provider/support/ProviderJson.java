package dev.fairway.provider.support;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Optional;
import java.util.function.Function;

/**
 * The JSON plumbing that providers share, on Jackson's tree model (nothing needs to be opened for
 * reflection): building a request body, reading an answer leniently, reading an error body that may
 * not be JSON at all. What the fields mean is each provider's own wire format.
 */
public final class ProviderJson {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private ProviderJson() {
    }

    /**
     * An empty object to build a request body in.
     *
     * @return a new object node
     */
    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    /**
     * Writes a tree.
     *
     * @param root the body
     * @return UTF-8 JSON
     */
    public static byte[] write(ObjectNode root) {
        try {
            return MAPPER.writeValueAsBytes(root);
        } catch (JacksonException e) {
            throw new IllegalStateException("cannot write a JSON tree of strings and numbers", e);
        }
    }

    /**
     * Reads a JSON document.
     *
     * @param json the text
     * @param notJson makes the provider's exception from what was wrong ({@code not JSON}, {@code an empty body})
     * @param <E> the provider's exception
     * @return the tree
     * @throws E when the text is not JSON
     */
    public static <E extends Exception> JsonNode tree(String json, Function<String, E> notJson) throws E {
        JsonNode node;
        try {
            node = MAPPER.readTree(json);
        } catch (JacksonException e) {
            throw notJson.apply("not JSON");
        }
        if (node == null) {
            throw notJson.apply("an empty body");
        }
        return node;
    }

    /**
     * Reads a body that should be a JSON object, such as an error body, and may be anything.
     *
     * @param body the body
     * @return the object, or empty when the body is not a JSON object
     */
    public static Optional<JsonNode> objectOrEmpty(String body) {
        try {
            JsonNode root = MAPPER.readTree(body);
            return root != null && root.isObject() ? Optional.of(root) : Optional.empty();
        } catch (JacksonException e) {
            return Optional.empty();
        }
    }

    /**
     * A scalar's text.
     *
     * @param node any node
     * @return its text, or empty for a missing, null, object or array node
     */
    public static String text(JsonNode node) {
        return node.isValueNode() && !node.isNull() ? node.asText() : "";
    }
}
