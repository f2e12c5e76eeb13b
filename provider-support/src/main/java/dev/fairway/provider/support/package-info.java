/**
 * Building blocks for HTTP translation providers: prompts and token budgets, the shared settings keys,
 * the JDK HTTP client glue, failure wording, rate-limit header values, JSON helpers, and batch calls (prompts,
 * the incremental answer checker, usage shares, the {@code batch.*} keys). Every type here
 * serves {@link dev.fairway.api.spi.TranslationProvider} implementations; none of it is part of the API.
 */
package dev.fairway.provider.support;
