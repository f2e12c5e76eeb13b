/**
 * Fairway provider-openai. Its contents arrive with its issue; see the README's module table.
 */
module dev.fairway.provider.openai {
    requires transitive dev.fairway.api;
}
