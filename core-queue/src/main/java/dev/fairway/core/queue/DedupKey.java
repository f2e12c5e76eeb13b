package dev.fairway.core.queue;

import dev.fairway.api.TranslationRequest;

/**
 * What makes two requests identical for deduplication: the same provider and model (one per
 * scheduler) and the same languages and text. The kind is not part of it: a partial and a final
 * with the same text get the same translation from a provider.
 */
record DedupKey(String provider, String model, String sourceLanguage, String targetLanguage, String text) {

    static DedupKey of(String provider, String model, TranslationRequest r) {
        return new DedupKey(provider, model, r.sourceLanguage(), r.targetLanguage(), r.text());
    }
}
