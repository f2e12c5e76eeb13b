/**
 * The provider contract test kit. Extend {@link dev.fairway.provider.tck.TranslationProviderContract}
 * in a provider module's tests, supply the factory and a {@link dev.fairway.provider.tck.ProviderScript}
 * (for an HTTP provider, a {@link dev.fairway.provider.tck.LoopbackProviderScript} answering as the
 * real API does), and JUnit runs one test per contract rule. A broken rule fails with a message that
 * starts {@code contract rule '<name>':} and says what the rule asks and what happened instead.
 */
package dev.fairway.provider.tck;
