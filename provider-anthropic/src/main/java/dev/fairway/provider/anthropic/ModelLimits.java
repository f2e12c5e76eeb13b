package dev.fairway.provider.anthropic;

import java.util.List;

/**
 * The most output tokens each family of Claude models may write in one answer, which is the ceiling
 * of the {@code max_tokens} the provider sends: Anthropic refuses a request whose {@code max_tokens}
 * is above the model's limit, so a cap taken from one model (Claude 3.5 Haiku's 8,192) is wrong for
 * the next. Families are matched by prefix, longest first, so dated ids ({@code claude-haiku-4-5-20251001})
 * and aliases ({@code claude-3-5-haiku-latest}) find their family; a model not in the table gets
 * {@value #UNKNOWN_MODEL_MAX} by default, the smallest limit of any Claude model, which every model
 * accepts (a configured cap is then taken as it is: whoever names an unknown model knows its limit).
 */
final class ModelLimits {

    /** The ceiling for a model not in the table: the smallest output limit of any Claude model. */
    static final int UNKNOWN_MODEL_MAX = 4_096;

    /** A model family and its output limit. */
    private record Family(String prefix, int maxOutputTokens) {
    }

    /**
     * A family comes before any family whose prefix begins its own, so that {@code claude-opus-4-5} is
     * not taken for {@code claude-opus-4}.
     */
    private static final List<Family> FAMILIES = List.of(
            new Family("claude-haiku-4-5", 64_000),
            new Family("claude-sonnet-4-5", 64_000),
            new Family("claude-opus-4-5", 64_000),
            new Family("claude-opus-4-1", 32_000),
            new Family("claude-3-7-sonnet", 64_000),
            new Family("claude-3-5-sonnet", 8_192),
            new Family("claude-3-5-haiku", 8_192),
            new Family("claude-sonnet-4", 64_000),
            new Family("claude-opus-4", 32_000),
            new Family("claude-3-opus", 4_096),
            new Family("claude-3-sonnet", 4_096),
            new Family("claude-3-haiku", 4_096));

    private ModelLimits() {
    }

    /**
     * The most output tokens a model may write.
     *
     * @param model a model id or alias, for example {@code claude-haiku-4-5}
     * @return its family's limit, or {@value #UNKNOWN_MODEL_MAX} for a model not in the table
     */
    static int maxOutputTokens(String model) {
        for (Family family : FAMILIES) {
            if (model.startsWith(family.prefix())) {
                return family.maxOutputTokens();
            }
        }
        return UNKNOWN_MODEL_MAX;
    }

    /**
     * Whether the table knows a model's family.
     *
     * @param model a model id or alias
     * @return false when {@link #maxOutputTokens} is the default for unknown models
     */
    static boolean isKnown(String model) {
        return FAMILIES.stream().anyMatch(f -> model.startsWith(f.prefix()));
    }

    /**
     * What the log says when a configured cap is above the model's limit.
     *
     * @param key the full key of the configured cap
     * @param configured the configured cap
     * @param model the model
     * @param modelMax the model's limit (what is used instead)
     * @return one line naming the key, both numbers and the model
     */
    static String clampMessage(String key, int configured, String model, int modelMax) {
        return key + " = " + configured + " is above the output limit of model '" + model + "' ("
                + modelMax + " tokens): " + modelMax + " is used, since Anthropic refuses a larger max_tokens";
    }
}
