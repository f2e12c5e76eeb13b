/**
 * What Fairway's HTTP translation providers share, so that each provider keeps only its wire format and
 * header names: the system prompts and token budgets ({@link dev.fairway.provider.support.TranslationPrompts}),
 * the keys every HTTP provider reads ({@link dev.fairway.provider.support.HttpProviderSettings}), the JDK
 * HTTP client glue ({@link dev.fairway.provider.support.ProviderHttp}), failure wording and the
 * {@code x-should-retry} header ({@link dev.fairway.provider.support.ExchangeFailures},
 * {@link dev.fairway.provider.support.ProviderMessages}), rate-limit header values
 * ({@link dev.fairway.provider.support.RateLimitHeaderValues}), JSON helpers
 * ({@link dev.fairway.provider.support.ProviderJson}), and what batch calls need: the prompts
 * ({@link dev.fairway.provider.support.BatchPrompts}), the answer checked as it streams in
 * ({@link dev.fairway.provider.support.BatchAnswerChecker}, on Jackson's non-blocking parser), usage shares
 * ({@link dev.fairway.provider.support.BatchUsage}), the {@code batch.*} keys
 * ({@link dev.fairway.provider.support.BatchSettings}) and one call's bookkeeping
 * ({@link dev.fairway.provider.support.BatchCall}).
 *
 * <p>A provider that is not an HTTP client needs none of it: the API alone is enough to write one.
 * {@code java.net.http} and Jackson databind are transitive: their types appear in this module's API.
 */
module dev.fairway.provider.support {
    requires transitive dev.fairway.api;
    requires transitive java.net.http;
    requires transitive com.fasterxml.jackson.databind;

    exports dev.fairway.provider.support;
}
