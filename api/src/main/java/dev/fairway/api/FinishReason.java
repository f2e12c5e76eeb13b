package dev.fairway.api;

/** Why the provider stopped producing the translation. */
public enum FinishReason {
    /** The model finished the translation. */
    STOP,
    /** The output hit the request's token cap: the translation is probably cut short. */
    LENGTH,
    /** The provider filtered the output. */
    CONTENT_FILTER,
    /** The provider did not say, or said something else. */
    OTHER
}
