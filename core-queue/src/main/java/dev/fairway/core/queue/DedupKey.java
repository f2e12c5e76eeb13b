package dev.fairway.core.queue;

import dev.fairway.api.TranslationRequest;

import java.util.Objects;

/**
 * What makes two requests identical for deduplication: the same provider and model (one per
 * scheduler) and the same languages and text. The kind is not part of it: a partial and a final
 * with the same text get the same translation from a provider. Made once per segment at submit,
 * outside every lock, with its hash computed then, so that the lookups in the table of calls in
 * flight hash nothing.
 */
final class DedupKey {

    private final String provider;
    private final String model;
    private final String sourceLanguage;
    private final String targetLanguage;
    private final String text;
    private final int hash;

    private DedupKey(String provider, String model, String sourceLanguage, String targetLanguage, String text) {
        this.provider = provider;
        this.model = model;
        this.sourceLanguage = sourceLanguage;
        this.targetLanguage = targetLanguage;
        this.text = text;
        this.hash = Objects.hash(provider, model, sourceLanguage, targetLanguage, text);
    }

    static DedupKey of(String provider, String model, TranslationRequest r) {
        return new DedupKey(provider, model, r.sourceLanguage(), r.targetLanguage(), r.text());
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DedupKey k && k.hash == hash && k.text.equals(text)
                && k.sourceLanguage.equals(sourceLanguage) && k.targetLanguage.equals(targetLanguage)
                && Objects.equals(k.provider, provider) && Objects.equals(k.model, model);
    }

    @Override
    public String toString() {
        return "DedupKey[" + provider + "/" + model + " " + sourceLanguage + "->" + targetLanguage + ": " + text + "]";
    }
}
